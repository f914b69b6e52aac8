import crypto from 'node:crypto';
import path from 'node:path';
import express from 'express';
import { engine } from 'express-handlebars';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import passport from 'passport';
import { accountsRouter } from './accounts/accounts.routes';
import { isOrgStaff } from './lib/authorization';
import { SESSION_ABSOLUTE_MS, sessionExpired } from './accounts/accounts.rules';
import { csrfProtection } from './lib/csrf';
import { errorHandler, notFoundHandler, refuseNulBytes, requestContext } from './lib/http';
import { viewHelpers } from './lib/view-helpers';
import { publicPageCache } from './lib/public-page-cache';
import { homeRouter } from './home/home.routes';
import { opsRouter } from './ops/ops.routes';
import { organizationsRouter } from './organizations/organizations.routes';
import { childrenRouter } from './children/children.routes';
import { needsRouter } from './needs/needs.routes';
import { notificationsRouter } from './notifications/notifications.routes';
import { dashboardRouter } from './dashboard/dashboard.routes';
import { rosterRouter, rosterUpload } from './children/roster.routes';
import { paymentWebhookRouter, donationsRouter } from './donations/donations.routes';
import { expendituresRouter } from './expenditures/expenditures.routes';
import { evidenceRouter } from './evidence/evidence.routes';
import { evidenceUpload } from './evidence/evidence.upload';
import { fundsRouter } from './funds/funds.routes';
import { projectsRouter } from './projects/projects.routes';
import { matchingRouter } from './matching/matching.routes';
import { consentUpload, volunteersRouter } from './volunteers/volunteers.routes';
import { buildServices, type AppDeps } from './services';

const ROOT = path.join(__dirname, '..');

/** Assembles middleware and routers around the given dependencies. Never listens. */
export function createApp(deps: AppDeps) {
  const { config, database, logger } = deps;
  const services = buildServices(deps);
  const state = { shuttingDown: false };
  const app = express();

  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);
  app.engine('hbs', engine({ extname: '.hbs', defaultLayout: 'main', layoutsDir: path.join(ROOT, 'views/layouts'), partialsDir: path.join(ROOT, 'views/partials'), helpers: viewHelpers }));
  app.set('view engine', 'hbs');
  app.set('views', path.join(ROOT, 'views'));
  // Development re-reads templates on every request so edits show at once; elsewhere they are compiled once.
  if (config.env !== 'development') app.enable('view cache');

  app.use(opsRouter(database, state));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'", ...services.payments.supports.checkoutOrigins],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          ...(config.cookieSecure ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: config.cookieSecure,
    }),
  );
  app.use('/public', express.static(path.join(ROOT, 'public'), { maxAge: config.env === 'production' ? '7d' : 0, index: false }));
  app.use(cookieParser());
  app.use(requestContext(logger));
  const sessionCookie = config.cookieSecure ? '__Host-cb.sid' : 'cb.sid';
  // Anonymous views of the pages drawn wholly from the PublicCache, answered before the session, CSRF and render.
  app.use(publicPageCache(services.publicCache, { sessionCookie, pages: [/^\/needs$/, /^\/projects\/[0-9a-f-]{36}$/] }));
  // Before the body parsers, the session and CSRF: the webhook needs its raw body and is authenticated by its signature.
  app.use(paymentWebhookRouter(services));
  app.use(express.urlencoded({ extended: true, limit: '200kb', parameterLimit: 500 }));
  app.use(express.json({ limit: '200kb' }));

  // Without a configured secret (development, tests) a random one: sessions end with the process.
  const secret = config.sessionSecret ?? crypto.randomBytes(32).toString('hex');
  const sessionMiddleware = session({
      name: sessionCookie,
      secret,
      store: services.sessionStore,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.cookieSecure, path: '/', maxAge: SESSION_ABSOLUTE_MS },
    });
  app.use(sessionMiddleware);
  passport.serializeUser((user, done) => done(null, user.userId));
  passport.deserializeUser((id: string, done) => {
    services.accounts.loadActor(id).then((actor) => done(null, actor ?? false), done);
  });
  app.use(passport.initialize());
  app.use(passport.session());
  app.use((req, res, next) => {
    const actor = req.user ?? null;
    if (actor && req.session) {
      const now = Date.now();
      const s = { createdAt: req.session.createdAt ?? now, lastSeenAt: req.session.lastSeenAt ?? now, staff: isOrgStaff(actor) };
      if (sessionExpired(s, now)) {
        return req.session.destroy(() => res.redirect(303, '/login?expired=1'));
      }
      req.session.lastSeenAt = now;
      req.viewer = actor;
    }
    res.locals.viewer = req.viewer;
    if (req.session?.flash) {
      res.locals.flash = req.session.flash;
      delete req.session.flash;
    }
    res.locals.currentPath = req.originalUrl;
    next();
  });
  app.use(async (req, res, next) => {
    res.locals.unreadCount = req.viewer ? await services.notifications.unreadCount(req.viewer) : 0;
    next();
  });
  // Multipart bodies are parsed per route; the roster upload's must be parsed before the CSRF check reads its token.
  app.use(rosterUpload());
  app.use(evidenceUpload());
  app.use(consentUpload());
  app.use(csrfProtection({ secret, secure: config.cookieSecure }));
  app.use(refuseNulBytes());

  app.use(homeRouter(services));
  app.use(accountsRouter(services));
  app.use(organizationsRouter(services));
  app.use(childrenRouter(services));
  app.use(needsRouter(services));
  app.use(notificationsRouter(services));
  app.use(dashboardRouter(services));
  app.use(rosterRouter(services));

  app.use(donationsRouter(services));
  app.use(expendituresRouter(services));
  app.use(evidenceRouter(services));
  app.use(fundsRouter(services));
  app.use(projectsRouter(services));
  app.use(matchingRouter(services));
  app.use(volunteersRouter(services));

  app.use(notFoundHandler);
  app.use(errorHandler);

  return { app, services, state, sessionMiddleware };
}
