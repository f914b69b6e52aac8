import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { CsrfError } from './errors';

/**
 * CSRF protection by signed double-submit (OWASP): a random secret lives in an HttpOnly cookie,
 * every form carries HMAC(secret) and every state-changing request must present it. Stateless,
 * so anonymous forms (log-in, sign-up) are covered without creating a session.
 */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * `res.locals.csrfToken`: the visitor's token, worked out — and a secret cookie issued to a
 * visitor who has none — only when a page prints it (Handlebars turns it into text with
 * `toString`). A page with no form therefore sets no cookie, and `rendered` tells the public-page
 * cache that a page holds this visitor's token and must not be shared.
 */
export class CsrfToken {
  private value?: string;
  constructor(private readonly issue: () => string) {}
  get rendered(): boolean {
    return this.value !== undefined;
  }
  toString(): string {
    return (this.value ??= this.issue());
  }
}

export function csrfProtection(opts: { secret: string; secure: boolean }) {
  const cookieName = opts.secure ? '__Host-cb.csrf' : 'cb.csrf';
  const sign = (value: string) => crypto.createHmac('sha256', opts.secret).update(value).digest('base64url');
  return (req: Request, res: Response, next: NextFunction) => {
    const cookie: unknown = req.cookies?.[cookieName];
    const known = typeof cookie === 'string' && SECRET_SHAPE.test(cookie) ? cookie : undefined;
    const secretOf = () => {
      if (known) return known;
      const fresh = crypto.randomBytes(32).toString('base64url');
      res.cookie(cookieName, fresh, { httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/' });
      return fresh;
    };
    const token = new CsrfToken(() => sign(secretOf()));
    res.locals.csrfToken = token;
    if (SAFE.has(req.method)) return next();
    // Without a secret cookie no token can match: refused without issuing one here (the error page issues one if it shows a form).
    const presented = (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : undefined) ?? req.get('x-csrf-token');
    const a = Buffer.from(String(presented ?? ''));
    const b = Buffer.from(known ? sign(known) : '');
    if (!known || a.length !== b.length || !crypto.timingSafeEqual(a, b)) return next(new CsrfError('bad csrf token'));
    next();
  };
}
