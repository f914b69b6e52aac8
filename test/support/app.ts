import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../server/app';
import type { AppDeps } from '../../server/services';
import { testConfig, type Config } from '../../server/config';
import type { DatabaseHandle } from '../../server/db/client';
import { createLogger } from '../../server/lib/logger';
import { openTestDatabase } from './db';
import crypto from 'node:crypto';
import { FieldCipher } from '../../server/lib/crypto';

export interface TestContext {
  app: Express;
  database: DatabaseHandle;
  services: ReturnType<typeof createApp>['services'];
  state: ReturnType<typeof createApp>['state'];
  sessionMiddleware: ReturnType<typeof createApp>['sessionMiddleware'];
  close(): Promise<void>;
}

/** The real app on a fresh test database; pass `now` to move the clock. */
export async function startTestApp(opts: { config?: Partial<Config>; now?: () => Date } & Pick<AppDeps, 'projectDirectory' | 'paymentProvider' | 'publicCache'> = {}): Promise<TestContext> {
  const database = await openTestDatabase();
  const config = testConfig({ baseUrl: 'http://carebridge.test', trustProxy: 'loopback', ...opts.config });
  const { app, services, state, sessionMiddleware } = createApp({ config, database, logger: createLogger('silent'), now: opts.now, cipher: new FieldCipher(crypto.randomBytes(32)), projectDirectory: opts.projectDirectory, paymentProvider: opts.paymentProvider, publicCache: opts.publicCache });
  return { app, database, services, state, sessionMiddleware, close: () => database.close() };
}

const CSRF_RE = /name="_csrf" value="([^"]+)"/;

/** A browser-like client: keeps cookies, and fills the CSRF field from the pages it loaded. */
export class Browser {
  readonly agent: ReturnType<typeof request.agent>;
  private csrf?: string;
  constructor(app: Express, private readonly headers: Record<string, string> = {}) {
    this.agent = request.agent(app);
  }

  async get(path: string) {
    const res = await this.agent.get(path).set(this.headers);
    const m = CSRF_RE.exec(res.text ?? '');
    if (m) this.csrf = m[1];
    return res;
  }

  /** Posts a form as a browser would, with the CSRF token from the last page (loading one if needed). */
  async post(path: string, form: Record<string, string | string[] | boolean> = {}) {
    if (!this.csrf) await this.get('/login');
    const res = await this.agent
      .post(path)
      .set(this.headers)
      .type('form')
      .send({ _csrf: this.csrf, ...form });
    const m = CSRF_RE.exec(res.text ?? '');
    if (m) this.csrf = m[1];
    return res;
  }

  /** Posts without any CSRF token, as a forged cross-site request would. */
  postForged(path: string, form: Record<string, string> = {}) {
    return this.agent.post(path).set(this.headers).type('form').send(form);
  }

  async logIn(email: string, password: string) {
    const res = await this.post('/login', { email, password });
    if (res.status !== 303) throw new Error(`log-in as ${email} failed: ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  }
}
