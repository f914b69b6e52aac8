import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { CsrfError } from './errors';

/**
 * CSRF protection by signed double-submit (OWASP): a random secret lives in an HttpOnly cookie,
 * every form carries HMAC(secret) and every state-changing request must present it. Stateless,
 * so anonymous forms (log-in, sign-up) are covered without creating a session.
 */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfProtection(opts: { secret: string; secure: boolean }) {
  const cookieName = opts.secure ? '__Host-cb.csrf' : 'cb.csrf';
  const sign = (value: string) => crypto.createHmac('sha256', opts.secret).update(value).digest('base64url');
  return (req: Request, res: Response, next: NextFunction) => {
    let secret: string | undefined = req.cookies?.[cookieName];
    if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
      secret = crypto.randomBytes(32).toString('base64url');
      res.cookie(cookieName, secret, { httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/' });
    }
    const expected = sign(secret);
    res.locals.csrfToken = expected;
    if (SAFE.has(req.method)) return next();
    const presented = (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : undefined) ?? req.get('x-csrf-token');
    const a = Buffer.from(String(presented ?? ''));
    const b = Buffer.from(expected);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return next(new CsrfError('bad csrf token'));
    next();
  };
}
