import crypto from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Actor } from './authorization';
import { AppError, NotFoundError, NotSignedInError, ServiceUnavailableError, TooManyAttemptsError, ValidationError, httpStatusOf } from './errors';
import { negotiateLocale, translator, type Locale, type Translate } from './i18n';
import type { Logger } from './logger';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User extends Actor {}
    interface Request {
      id: string;
      log: Logger;
      locale: Locale;
      t: Translate;
      /** The signed-in actor, or null: what services receive as `viewer`. */
      viewer: Actor | null;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    createdAt: number;
    lastSeenAt: number;
    flash?: { kind: 'success' | 'info' | 'error'; message: string };
  }
}

export const LOCALE_COOKIE = 'cb.lang';

/** Request id (honours a well-formed X-Request-Id from a proxy), a child logger, and the user's language. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    res.setHeader('X-Request-Id', req.id);
    req.log = logger.child({ requestId: req.id });
    req.locale = negotiateLocale(req.cookies?.[LOCALE_COOKIE], req.get('accept-language'));
    req.t = translator(req.locale);
    req.viewer = null;
    res.locals.locale = req.locale;
    res.locals.requestId = req.id;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      req.log.info('request', { method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    next();
  };
}

/** Marks the view that shows this form, so a validation error re-renders it with messages and the user's input. */
export function form(view: string, locals?: (req: Request) => Promise<Record<string, unknown>>): RequestHandler {
  return async (req, res, next) => {
    res.locals.formView = view;
    res.locals.formLocals = locals;
    // The app-level error handler sees no route params; keep them for re-rendering the form.
    res.locals.formParams = { ...req.params };
    next();
  };
}

/** Stores a one-time message shown on the next page. */
export function flash(req: Request, kind: 'success' | 'info' | 'error', messageKey: string, params?: Record<string, string | number>): void {
  if (req.session) req.session.flash = { kind, message: req.t(messageKey, params) };
}

const wantsJson = (req: Request) => Boolean(req.accepts(['html', 'json']) === 'json' || req.is('application/json'));

const SECRET_FIELDS = /password|_csrf|token/i;
const echoValues = (body: unknown): Record<string, unknown> =>
  Object.fromEntries(Object.entries(typeof body === 'object' && body ? body : {}).filter(([k]) => !SECRET_FIELDS.test(k)));

/** Parses a route parameter that must be a UUID; anything else is simply not found. */
export function uuidParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new NotFoundError(name);
  return value.toLowerCase();
}

/** Unknown routes: a 404 page (or JSON). */
export const notFoundHandler: RequestHandler = (req, _res, next) => next(new NotFoundError(`no route ${req.method} ${req.path}`));

/**
 * The one place errors become HTTP: typed AppErrors map to their status with a translated
 * message; anything else is a 500 with the request id and never a stack trace.
 */
/** pg-pool's words when every connection stayed busy past the wait: overload, which clears, not a fault. */
const POOL_BUSY = 'timeout exceeded when trying to connect';
const poolBusy = (err: unknown): boolean => err instanceof Error && (err.message === POOL_BUSY || (err.cause instanceof Error && err.cause.message === POOL_BUSY));

export const errorHandler: ErrorRequestHandler = async (err: unknown, req: Request, res: Response, _next: NextFunction) => {
  const t = req.t ?? translator('zh-CN');
  if (res.headersSent) return req.log?.error('error after headers sent', { err });
  if (poolBusy(err)) {
    req.log?.warn('database busy', { err });
    res.setHeader('Retry-After', '2');
    err = new ServiceUnavailableError('database busy');
  }
  // Body-parser and similar middleware signal client errors with a status of their own.
  const clientStatus = !(err instanceof AppError) && typeof (err as { status?: number })?.status === 'number' && (err as { status: number }).status < 500 ? (err as { status: number }).status : undefined;
  if (!(err instanceof AppError) && !clientStatus) {
    req.log?.error('unhandled error', { err });
    res.status(500);
    if (wantsJson(req)) return res.json({ error: { code: 'internal', message: t('errors.internal'), requestId: req.id } });
    return res.render('errors/500', { title: t('errors.internal_title'), requestId: req.id });
  }
  const status = err instanceof AppError ? httpStatusOf(err) : clientStatus!;
  const message = err instanceof AppError ? t(err.messageKey, err.params) : t(status === 413 ? 'errors.too_large' : 'errors.bad_request');
  const fields = err instanceof ValidationError ? err.fields : undefined;
  if (err instanceof TooManyAttemptsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  res.status(status);
  if (wantsJson(req)) return res.json({ error: { code: err instanceof AppError ? err.messageKey : 'bad_request', message, fields } });
  if (err instanceof NotSignedInError && req.method === 'GET') {
    return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  }
  const formView: string | undefined = res.locals.formView;
  if (formView && status !== 401 && status !== 403 && status !== 404) {
    try {
      if (res.locals.formParams) req.params = res.locals.formParams;
      const extra = res.locals.formLocals ? await res.locals.formLocals(req) : {};
      return res.render(formView, { ...extra, error: fields ? t('errors.validation') : message, errors: fields ?? {}, values: echoValues(req.body) });
    } catch (renderErr) {
      req.log.warn('form re-render failed', { err: renderErr });
    }
  }
  const view = status === 404 ? 'errors/404' : 'errors/4xx';
  return res.render(view, { title: status === 404 ? t('errors.not_found_title') : t('errors.client_title'), message, status, errors: fields, requestId: req.id, signInLink: status === 401 });
};

const hasNul = (v: unknown): boolean =>
  typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) ? v.some(hasNul) : v !== null && typeof v === 'object' ? Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x)) : false;

/** PostgreSQL text cannot hold a NUL and no person types one: a request carrying one in its query or form is refused before any route sees it. */
export function refuseNulBytes(): RequestHandler {
  return (req, _res, next) => next(hasNul(req.query) || hasNul(req.body) ? new ValidationError({ input: req.t('validation.nul_byte') }) : undefined);
}
