import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CsrfToken } from './csrf';
import type { PublicCache } from './public-cache';

/**
 * The rendered HTML of a public page for anonymous visitors, kept in the `PublicCache` next to the
 * projections it was drawn from: same TTL, same clock, and forgotten by the same `invalidate()` /
 * `changing()` calls, so a page is never older than the data cache would have been. Why: on a hit
 * the visitor's request skips the session lookup, the CSRF middleware, the body parsers and the
 * Handlebars render of the whole layout, which were most of a public page's cost.
 *
 * Only a request that carries no session cookie is answered from it (a signed-in or flash-holding
 * visitor always has one), keyed by the page's language and its full URL (path and query: the
 * footer's language form carries the URL back). A render is kept only if it was a 200 that set
 * no cookie, had no viewer and no flash, and printed no CSRF token — so a page that ever gains a
 * per-visitor part is simply not shared, rather than shared wrongly.
 *
 * `pages` are the paths it serves: only pages whose every figure comes through the `PublicCache`
 * (a page that read anything else would be kept without being invalidated by it). Mount it
 * before the session middleware, so that a hit costs none of what follows.
 */
export function publicPageCache(cache: PublicCache | undefined, opts: { sessionCookie: string; pages: RegExp[] }): RequestHandler {
  if (!cache) return (_req, _res, next) => next();
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.cookies?.[opts.sessionCookie] !== undefined || !opts.pages.some((p) => p.test(req.path))) return next();
    let rendering = false;
    cache
      .get(`page:${req.locale}:${req.originalUrl}`, () => {
        rendering = true;
        return captureRender(res, next);
      })
      .then(
        (page) => {
          // The request that rendered the page has already been answered by the app.
          if (!rendering) send(req, res, page);
        },
        () => {
          // The render this request waited for could not be shared: this one renders its own.
          if (!rendering) next();
        },
      )
      .catch(next);
  };
}

interface Page {
  body: Buffer;
  /** The same page gzipped once when it is kept: a hit costs no compression, and a slow rural connection gets a quarter of the bytes. */
  gzipped: Buffer;
  etag: string;
}

class NotShareable extends Error {}

/** Lets the request go on through the app and resolves with the page it sends, if that page may be shared. */
function captureRender(res: Response, next: NextFunction): Promise<Page> {
  return new Promise((resolve, reject) => {
    const send = res.send;
    res.send = function (this: Response, body?: unknown) {
      res.send = send;
      if (shareable(res, body)) {
        const bytes = Buffer.from(body);
        const page = { body: bytes, gzipped: zlib.gzipSync(bytes), etag: `W/"${crypto.createHash('sha1').update(body).digest('base64url')}"` };
        // The same validator as the hits that follow will send (weak: the gzipped bytes are the same page).
        res.setHeader('ETag', page.etag);
        res.setHeader('Vary', 'Accept-Encoding');
        resolve(page);
      } else reject(new NotShareable());
      return send.call(this, body);
    };
    // Answered without send (a redirect, an error after headers), or the client went away: nothing to keep.
    res.once('close', () => reject(new NotShareable()));
    next();
  });
}

function shareable(res: Response, body: unknown): body is string {
  const token = res.locals.csrfToken as CsrfToken | undefined;
  const type = res.get('Content-Type');
  return (
    typeof body === 'string' &&
    res.statusCode === 200 &&
    (type === undefined || type.startsWith('text/html')) &&
    res.getHeader('Set-Cookie') === undefined &&
    !res.locals.viewer &&
    !res.locals.flash &&
    !token?.rendered
  );
}

function send(req: Request, res: Response, page: Page): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  // Set ahead so Express does not hash the page again on every hit; it still answers 304 to a matching If-None-Match.
  res.setHeader('ETag', page.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  // Only when asked: with no Accept-Encoding at all (curl, some bots) the plain page is the safe answer.
  if (acceptsGzip(req.headers['accept-encoding'])) {
    res.setHeader('Content-Encoding', 'gzip');
    res.send(page.gzipped);
  } else res.send(page.body);
}

const codingIn = (name: string) => new RegExp(`(?:^|,)\\s*${name}\\s*(?:;\\s*q\\s*=\\s*([\\d.]+))?\\s*(?=,|$)`, 'i');
const GZIP = codingIn('gzip');
const ANY = codingIn('\\*');

/** Whether the client takes gzip: named, or covered by "*", and not refused with q=0. Two regular expressions, as full negotiation on every hit cost more than the bytes it saved. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const m = GZIP.exec(header) ?? ANY.exec(header);
  return m !== null && (m[1] === undefined || Number(m[1]) > 0);
}
