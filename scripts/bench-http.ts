/**
 * HTTP load over loopback: the real server process (server/index.ts, as `npm start` runs it, in
 * production mode) on PGlite and then on a PostgreSQL database this script creates and drops,
 * seeded with the demo county, driven by autocannon at 50 connections for a bounded time each:
 * the public needs board and a project page (as a visitor without cookies: answered from the
 * anonymous page cache after the first render), the board for a signed-in donor (rendered every
 * time), log-in (CSRF token first), the Stripe webhook (signed events, one per pending gift), and
 * a bare Express "hello" process started the same way (the ceiling). Prints one table per run.
 *
 * A separate process rather than an in-process listener: autocannon then does not share the
 * server's event loop, so the figures are the server's, and the server runs exactly as deployed.
 *
 *   npx tsx scripts/bench-http.ts [--seconds 5] [--connections 50] [--only pglite|postgres]
 *
 * Goal: public pages ≥ 50% of the ceiling's requests/s with p99 < 100 ms at 50 connections on PostgreSQL.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { startServer, ROOT, type RunningServer } from '../test/support/process';
import { TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, paidSession, signedEvent, startStripeStandIn, type StripeStandIn } from '../test/support/stripe-standin';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SECONDS = Number(arg('seconds', '5'));
const CONNECTIONS = Number(arg('connections', '50'));
const ONLY = arg('only', '');
const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const GIFTS = Number(arg('gifts', '1500'));
const DEMO_PASSWORD = 'carebridge-demo-2026';
/** Page requests carry the Accept-Encoding every browser sends (the page cache keeps a gzipped copy). */
const BROWSER = { 'accept-encoding': 'gzip, deflate, br' };

interface Row {
  target: string;
  db: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  public: boolean;
}

interface Target {
  name: string;
  public?: boolean;
  /** Statuses that count as success for this target. */
  ok: number[];
  options: Partial<autocannon.Options>;
}

async function drive(base: string, target: Target): Promise<Omit<Row, 'db'>> {
  let errors = 0;
  const unexpected = new Map<number, number>();
  const requests = (target.options.requests ?? [{}]).map((r) => ({
    ...r,
    onResponse: (status: number) => {
      if (!target.ok.includes(status)) {
        errors++;
        unexpected.set(status, (unexpected.get(status) ?? 0) + 1);
      }
    },
  }));
  const result = await autocannon({ url: base, connections: CONNECTIONS, duration: SECONDS, ...target.options, requests } as autocannon.Options);
  if (unexpected.size || result.errors || result.timeouts) process.stderr.write(`${target.name}: unexpected statuses ${JSON.stringify(Object.fromEntries(unexpected))}, ${result.errors} socket errors, ${result.timeouts} timeouts\n`);
  return {
    target: target.name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // autocannon counts a timeout among its errors too.
    errors: errors + result.errors,
    requests: result.requests.total,
    public: Boolean(target.public),
  };
}

/** The ceiling: a bare Express app answering "hello", in its own Node process like the server. */
async function startCeiling(): Promise<{ base: string; stop: () => Promise<void> }> {
  const code = `const e=require('express')();e.get('/',(q,r)=>r.send('hello'));const s=e.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.on('data', (d) => { const m = /port (\d+)/.exec(String(d)); if (m) resolve(Number(m[1])); }));
  return { base: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) };
}

/** The CSRF cookie(s) and token a browser gets with the log-in form. */
async function loginForm(base: string): Promise<{ cookie: string; token: string }> {
  const page = await fetch(`${base}/login`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  return { cookie, token };
}

/** The cookies of a donor signed in through the log-in form. */
async function signIn(base: string, form: { cookie: string; token: string }): Promise<string> {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
    body: new URLSearchParams({ _csrf: form.token, email: 'donor@carebridge.demo', password: DEMO_PASSWORD }).toString(),
  });
  if (res.status !== 303) throw new Error(`log-in answered ${res.status}`);
  return [form.cookie, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
}

/** Opens `count` pending card gifts through the real donation form; returns their ids. */
async function pendingGifts(base: string, stripe: StripeStandIn, count: number): Promise<string[]> {
  const orgs = await (await fetch(`${base}/organizations`)).text();
  const orgId = /\/organizations\/([0-9a-f-]{36})/.exec(orgs)![1];
  const { cookie, token } = await loginForm(base);
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await fetch(`${base}/donate`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ _csrf: token, organizationId: orgId, giftAmount: '10.00', frequency: 'one_off', anonymous: 'on' }).toString(),
      });
      if (res.status !== 303) throw new Error(`donation form answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  for (const r of stripe.requests.splice(0)) if (r.path === '/v1/checkout/sessions') ids.push(r.body.client_reference_id);
  return ids;
}

/** Keeps only the tail of the server's output: at thousands of requests a second the log lines would fill memory. */
function quiet(server: RunningServer): void {
  server.child.stdout!.removeAllListeners('data');
  server.child.stdout!.resume();
}

async function runOn(db: 'PGlite' | 'PostgreSQL', stripe: StripeStandIn): Promise<Row[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proof-bench-'));
  let dbName: string | undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
    DATA_KEY: crypto.randomBytes(32).toString('hex'),
    COOKIE_SECURE: 'false',
    DATA_DIR: dataDir,
    MATCHING_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
    STRIPE_SECRET_KEY: TEST_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
  };
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: SERVER_URL });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  if (db === 'PostgreSQL') {
    dbName = `proof_bench_${Date.now()}_${process.pid}`;
    await admin(`create database "${dbName}"`);
    const url = new URL(SERVER_URL);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }
  const ceiling = await startCeiling();
  let server: RunningServer | undefined;
  try {
    const started = Date.now();
    server = await startServer(env, 180_000);
    quiet(server);
    process.stderr.write(`${db}: server up with the demo county in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const base = server.base;
    const projects = await (await fetch(`${base}/projects`)).text();
    const projectPath = /href="(\/projects\/[0-9a-f-]{36})"/.exec(projects)![1];
    const form = await loginForm(base);
    const signedIn = await signIn(base, form);
    const gifts = await pendingGifts(base, stripe, GIFTS);
    const events = gifts.map((id, i) => signedEvent('checkout.session.completed', paidSession(id, 1_000, `pi_bench_${db}_${i}`)));
    let nextEvent = 0;

    const targets: Target[] = [
      { name: 'bare Express (ceiling)', ok: [200], options: { url: ceiling.base, requests: [{ method: 'GET', headers: BROWSER }] } },
      { name: 'GET /needs', public: true, ok: [200], options: { requests: [{ method: 'GET', path: '/needs', headers: BROWSER }] } },
      { name: `GET /projects/:id`, public: true, ok: [200], options: { requests: [{ method: 'GET', path: projectPath, headers: BROWSER }] } },
      // The same board for a signed-in donor: never from the anonymous page cache, so the cost of a full render with a session.
      { name: 'GET /needs (signed in)', ok: [200], options: { requests: [{ method: 'GET', path: '/needs', headers: { ...BROWSER, cookie: signedIn } }] } },
      // What a browser's visitor gets: the same page for a client that asks for no compression.
      { name: 'GET /needs (no gzip)', public: true, ok: [200], options: { requests: [{ method: 'GET', path: '/needs' }] } },
      {
        name: 'POST /login (argon2)',
        ok: [303],
        options: { requests: [{ method: 'POST', path: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie }, body: new URLSearchParams({ _csrf: form.token, email: 'donor@carebridge.demo', password: DEMO_PASSWORD }).toString() }] },
      },
      {
        name: 'POST /webhooks/stripe',
        ok: [200],
        // One event per pending gift, each posted once: bounded by count as well as by time.
        options: {
          amount: events.length,
          duration: SECONDS * 4,
          requests: [
            {
              method: 'POST',
              path: '/webhooks/stripe',
              setupRequest: (req: Record<string, unknown>) => {
                const e = events[nextEvent++ % events.length];
                return { ...req, headers: { 'content-type': 'application/json', 'stripe-signature': e.header }, body: e.payload };
              },
            },
          ],
        },
      },
    ];
    const rows: Row[] = [];
    for (const target of targets) {
      const row = await drive(target.name.includes('ceiling') ? ceiling.base : base, target);
      rows.push({ ...row, db });
    }
    const ledger = await (await fetch(`${base}/transparency/ledger.jsonl`)).text();
    const entries = ledger.trim().split('\n').length - 1;
    process.stderr.write(`${db}: ${entries} ledger entries after the webhook run (${gifts.length} gifts sent)\n`);
    return rows;
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await ceiling.stop();
    if (dbName) await admin(`drop database if exists "${dbName}" with (force)`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function print(rows: Row[]): void {
  const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));
  const head = ['target', 'DB', 'req/s', 'p50 ms', 'p99 ms', '% of ceiling', 'errors', 'requests', 'goal'];
  const lines: string[][] = [];
  for (const r of rows) {
    const ceiling = rows.find((c) => c.db === r.db && c.target.includes('ceiling'))!;
    const share = (100 * r.rps) / ceiling.rps;
    const goal = r.public ? (r.db === 'PostgreSQL' ? (share >= 50 && r.p99 < 100 && r.errors === 0 ? 'met' : 'MISSED') : 'n/a (goal on PostgreSQL)') : '';
    lines.push([r.target, r.db, r.rps.toFixed(0), String(r.p50), String(r.p99), `${share.toFixed(1)}%`, String(r.errors), String(r.requests), goal]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => [...l[i]].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => pad(c, widths[i])).join(' | ') + ' |';
  console.log(fmt(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  const stripe = await startStripeStandIn();
  const rows: Row[] = [];
  try {
    if (ONLY !== 'postgres') rows.push(...(await runOn('PGlite', stripe)));
    if (ONLY !== 'pglite') rows.push(...(await runOn('PostgreSQL', stripe)));
  } finally {
    await stripe.close();
  }
  console.log(`\n${CONNECTIONS} connections, ${SECONDS} s a target (webhook: one event per gift, at most ${SECONDS * 4} s), ${os.cpus().length} CPUs\n`);
  print(rows);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
