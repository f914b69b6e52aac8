import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = path.join(__dirname, '../..');
export const SCREENSHOTS = path.join(__dirname, 'screenshots');
export const DEMO_PASSWORD = 'carebridge-demo-2026';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** CREATE/DROP DATABASE on the server `DATABASE_URL` names. */
async function onDatabaseServer(statement: string): Promise<void> {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(statement);
  await admin.end();
}

/**
 * Starts the product as `npm start` does, on a fresh data directory with the demo county — or,
 * when `DATABASE_URL` is set, on a fresh database on that server (dropped at stop). With
 * `E2E_PRODUCTION=1` it runs in production mode (public-page cache, compiled views) over plain HTTP.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carebridge-e2e-'));
  const database = process.env.DATABASE_URL ? `${new URL(process.env.DATABASE_URL).pathname.slice(1) || 'carebridge'}_e2e_${crypto.randomBytes(3).toString('hex')}` : undefined;
  const placed: Record<string, string> = {};
  if (database) {
    await onDatabaseServer(`create database "${database}"`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${database}`;
    placed.DATABASE_URL = url.toString();
  }
  if (process.env.E2E_PRODUCTION) Object.assign(placed, { NODE_ENV: 'production', COOKIE_SECURE: 'false', SESSION_SECRET: crypto.randomBytes(32).toString('hex'), DATA_KEY: crypto.randomBytes(32).toString('hex') });
  // A fixed free port rather than PORT=0, so BASE_URL (links in mail, Stripe's return address) is right.
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const freePort = (free.address() as net.AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  const child: ChildProcess = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/index.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: os.homedir(), PORT: String(freePort), HOST: '127.0.0.1', BASE_URL: `http://127.0.0.1:${freePort}`, DATA_DIR: dataDir, ...placed, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 240_000);
    const poll = setInterval(async () => {
      const m = /"msg":"listening".*?"port":(\d+)/.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    }, 200);
    child.on('exit', () => reject(new Error(`server exited:\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (database) await onDatabaseServer(`drop database if exists "${database}" with (force)`);
    },
  };
}

/** Debian's Chromium, headless, with the flags this sandboxed, offline machine needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Saves the page as test/e2e/screenshots/<name>.png (git-ignored) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function logIn(page: Page, url: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('电子邮箱').fill(email);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/account/);
}

/**
 * Accessibility basics on the current page: the language is declared, every visible form
 * control has an accessible label. Returns the problems found.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    if (!document.documentElement.lang) problems.push('<html> has no lang');
    const controls = Array.from(document.querySelectorAll('input, select, textarea')) as HTMLInputElement[];
    for (const el of controls) {
      if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') continue;
      const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title;
      if (!labelled) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
    }
    return problems;
  });
}

export async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: '退出' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/account'));
}

/**
 * One demo server, one browser and one Chinese-locale page for a whole test file, started before
 * its tests and stopped after them. Read the fields inside tests: they are set in `beforeAll`.
 */
export function demoBrowser(): { server: RunningServer; browser: Browser; page: Page } {
  const session = {} as { server: RunningServer; browser: Browser; page: Page };
  beforeAll(async () => {
    session.server = await startServer();
    session.browser = await launchBrowser();
    session.page = await (await session.browser.newContext({ locale: 'zh-CN' })).newPage();
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.server?.stop();
  });
  return session;
}
