import { Router, type Request, type Response } from 'express';
import type { Services } from '../services';
import { flash, form, LOCALE_COOKIE } from '../lib/http';
import { LOCALES } from '../lib/i18n';
import { parseInput } from '../lib/validate';
import { changePasswordSchema, forgotPasswordSchema, logInSchema, profileSchema, resetPasswordSchema, signUpSchema } from './accounts.schemas';

/** Only same-site paths are followed after log-in, so the link cannot bounce users elsewhere. */
const safeNext = (next: unknown): string => (typeof next === 'string' && /^\/(?!\/)[\w\-/?=&.%]*$/.test(next) ? next : '/account');

/** Starts a new session for the actor (passport regenerates the id, defeating fixation). */
function logIn(req: Request, user: Express.User): Promise<void> {
  return new Promise((resolve, reject) =>
    req.logIn(user, (err) => {
      if (err) return reject(err);
      req.session.createdAt = Date.now();
      req.session.lastSeenAt = Date.now();
      resolve();
    }),
  );
}

export function accountsRouter(services: Services) {
  const r = Router();
  const { accounts } = services;

  r.get('/signup', (req, res) => res.render('accounts/signup', { title: req.t('accounts.signup.title'), values: { asDonor: true } }));
  r.post('/signup', form('accounts/signup'), async (req, res) => {
    const input = parseInput(signUpSchema, req.body, req.t);
    const actor = await accounts.signUp(input, req.t);
    await logIn(req, actor);
    flash(req, 'success', 'accounts.signup.done', { name: actor.displayName });
    res.redirect(303, '/account');
  });

  r.get('/login', (req, res) => res.render('accounts/login', { title: req.t('accounts.login.title'), values: { next: safeNext(req.query.next) } }));
  r.post('/login', form('accounts/login'), async (req, res) => {
    const input = parseInput(logInSchema, req.body, req.t);
    const actor = await accounts.authenticate(input.email, input.password, req.ip ?? 'unknown');
    await logIn(req, actor);
    res.redirect(303, safeNext(req.body.next));
  });

  r.post('/logout', (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      req.session.destroy(() => res.redirect(303, '/'));
    });
  });

  r.get('/account', async (req, res) => {
    const actor = accounts.profile(req.viewer);
    res.render('accounts/account', { title: req.t('accounts.account.title'), actor, values: { displayName: actor.displayName, asVolunteer: actor.isVolunteer, asDonor: actor.isDonor } });
  });
  r.post('/account', form('accounts/account', async (req) => ({ actor: req.viewer })), async (req, res) => {
    const input = parseInput(profileSchema, req.body, req.t);
    await accounts.updateProfile(req.viewer, input);
    flash(req, 'success', 'accounts.account.saved');
    res.redirect(303, '/account');
  });

  r.get('/account/password', (req, res) => {
    accounts.profile(req.viewer);
    res.render('accounts/password', { title: req.t('accounts.password.title') });
  });
  r.post('/account/password', form('accounts/password'), async (req, res) => {
    const input = parseInput(changePasswordSchema, req.body, req.t);
    await accounts.changePassword(req.viewer, input.currentPassword, input.newPassword, req.sessionID, req.t);
    flash(req, 'success', 'accounts.password.changed');
    res.redirect(303, '/account');
  });

  r.get('/password/forgot', (req, res) => res.render('accounts/forgot', { title: req.t('accounts.forgot.title') }));
  r.post('/password/forgot', form('accounts/forgot'), async (req, res) => {
    const input = parseInput(forgotPasswordSchema, req.body, req.t);
    await accounts.requestPasswordReset(input.email, req.t);
    res.render('accounts/forgot-sent', { title: req.t('accounts.forgot.title') });
  });

  r.get('/password/reset/:token', async (req, res) => {
    const valid = /^[A-Za-z0-9_-]{20,100}$/.test(req.params.token) && (await accounts.resetTokenValid(req.params.token));
    res.status(valid ? 200 : 410).render('accounts/reset', { title: req.t('accounts.reset.title'), token: req.params.token, invalid: !valid });
  });
  r.post('/password/reset/:token', form('accounts/reset', async (req) => ({ token: req.params.token })), async (req, res) => {
    const input = parseInput(resetPasswordSchema, { ...req.body, token: req.params.token }, req.t);
    await accounts.resetPassword(input.token, input.newPassword, req.t);
    flash(req, 'success', 'accounts.reset.done');
    res.redirect(303, '/login');
  });

  /**
   * The language switch in every page's footer is a GET form: it changes nothing but how pages
   * read, so it needs no CSRF token, and a public page that carries it holds nothing per visitor
   * and can be shared from the public-page cache. POST (with a token) is still taken.
   */
  const switchLanguage = (req: Request, res: Response) => {
    // No body parser ran for an unexpected content type: then there is no body, not a crash.
    const input: { locale?: unknown; back?: unknown } = (req.method === 'GET' ? req.query : req.body) ?? {};
    const locale = (LOCALES as readonly string[]).includes(input.locale as string) ? (input.locale as string) : 'zh-CN';
    res.cookie(LOCALE_COOKIE, locale, { maxAge: 365 * 86_400_000, sameSite: 'lax', httpOnly: true, path: '/' });
    // Only a path on this site: "//host" and "/\host" would send the user elsewhere.
    const back = typeof input.back === 'string' && /^\/(?![/\\])/.test(input.back) ? input.back : '/';
    res.redirect(303, back);
  };
  r.get('/language', switchLanguage);
  r.post('/language', switchLanguage);

  return r;
}
