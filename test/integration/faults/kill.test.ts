import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { inArray, like } from 'drizzle-orm';
import { openDatabase } from '../../../server/db/client';
import { children, donations, expenditures, hourLogs, volunteerProfiles, volunteerVettings } from '../../../server/db/schema';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { chinaDate, makeIdNumber } from '../../../server/children/id-number.rules';
import { addDays } from '../../../server/lib/days';
import { createLogger } from '../../../server/lib/logger';
import { onServer } from '../../support/db';
import { ROOT, scratchDatabase, startServer, type RunningServer } from '../../support/process';
import { WebClient } from '../../support/web-client';
import { PDF_BYTES } from '../../support/money';

/**
 * The real process is killed with SIGKILL while people are writing — finance recording offline
 * gifts and spending, an admin approving spending, a volunteer logging hours, a caseworker
 * registering children — then started again on the same data (the PGlite directory, or the same
 * PostgreSQL database). Every write the client saw succeed is there exactly once, nothing is
 * doubled, and the public ledger still verifies with scripts/verify-ledger.ts.
 */
const RUN = Date.now().toString(36);
/** A receipt of its own for each write: evidence is stored by content, and each gift or spending needs one. */
const receipt = (marker: string) => [{ field: 'evidence', name: 'receipt.pdf', bytes: Buffer.concat([PDF_BYTES, Buffer.from(`% ${marker}\n`)]) }];

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let env: Record<string, string>;
let server: RunningServer | undefined;
const people = { finance: '', admin: '', volunteer: '' };
let orgId: string;

beforeAll(async () => {
  scratch = await scratchDatabase('faults');
  env = { ...scratch.env, SEED_DEMO: 'false', MATCHING_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' };
  // The people and the organization, written before the process owns the database: a finance
  // member, an admin who is also its caseworker, and a volunteer the organization has taken on.
  const handle = await openDatabase({ databaseUrl: scratch.env.DATABASE_URL, dataDir: scratch.dataDir, logger: createLogger('silent') });
  const db = handle.db;
  orgId = (await makeOrg(db, { kind: 'charity', name: '断电测试机构' })).id;
  people.finance = (await makeMember(db, orgId, ['finance'])).email;
  people.admin = (await makeMember(db, orgId, ['admin', 'caseworker'])).email;
  const volunteer = await makeUser(db, { isVolunteer: true });
  people.volunteer = volunteer.email;
  await db.insert(volunteerProfiles).values({ userId: volunteer.id, skills: ['tutoring'], onlineOnly: true, motivation: '希望长期陪伴山区的孩子。' });
  await db.insert(volunteerVettings).values({ organizationId: orgId, volunteerUserId: volunteer.id });
  await handle.close();
}, 60_000);
afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  await scratch.cleanup();
});

/** One kind of write, repeated with a fresh marker until told to stop; remembers which ones were acknowledged. */
interface Writer {
  name: string;
  attempted: string[];
  acknowledged: string[];
  write: (n: number) => Promise<{ ok: boolean; marker: string }>;
}

function writer(name: string, write: Writer['write']): Writer {
  return { name, attempted: [], acknowledged: [], write };
}

it('loses and doubles no gift, spending, approval, hour log or child record when killed mid-write', async () => {
  const first = (server = await startServer(env, 120_000));
  const [finance, admin, volunteer] = await Promise.all([people.finance, people.admin, people.volunteer].map((email) => WebClient.logIn(first.base, email, PASSWORD)));

  // Money to spend, and spending waiting for a second person's approval, before the writes under test.
  const seeded = await finance.post(`/org/${orgId}/gifts`, { giftAmount: '5000', method: 'bank_transfer', receivedOn: chinaDate(new Date()), receiptNumber: `${RUN}-seed`, displayName: '故障测试' }, receipt('seed'));
  expect({ status: seeded.status, errors: seeded.status === 303 ? '' : finance.lastBody.match(/class="error[^"]*"[^>]*>[^<]*/g) }).toEqual({ status: 303, errors: '' });
  for (let i = 0; i < 12; i++) expect((await finance.post(`/org/${orgId}/expenditures`, { category: 'goods', spendingAmount: '1.00', spentOn: chinaDate(new Date()), payeeType: 'supplier', spendingDescription: `${RUN} 待批支出 ${i}` }, receipt(`w${i}`))).status).toBe(303);
  const waiting = [...new Set([...(await admin.text(`/org/${orgId}/expenditures`)).matchAll(/\/expenditures\/([0-9a-f-]{36})\/approve/g)].map((m) => m[1]))];
  expect(waiting.length).toBeGreaterThanOrEqual(12);

  const today = chinaDate(new Date());
  const writers = [
    writer('gift', async (n) => {
      const marker = `${RUN}-G${n}`;
      const res = await finance.post(`/org/${orgId}/gifts`, { giftAmount: '12.34', method: 'cash', receivedOn: today, receiptNumber: marker, displayName: '断电捐赠人' }, receipt(marker));
      return { ok: res.status === 303, marker };
    }),
    writer('expenditure', async (n) => {
      const marker = `${RUN} 断电支出 ${n}`;
      const res = await finance.post(`/org/${orgId}/expenditures`, { category: 'goods', spendingAmount: '2.00', spentOn: today, payeeType: 'supplier', spendingDescription: marker }, receipt(marker));
      return { ok: res.status === 303, marker };
    }),
    writer('approval', async (n) => {
      const marker = waiting[n % waiting.length];
      if (n >= waiting.length) return new Promise(() => {}); // nothing left to approve: wait for the kill
      const res = await admin.post(`/org/${orgId}/expenditures/${marker}/approve`, { password: PASSWORD });
      return { ok: res.status === 303, marker };
    }),
    writer('hours', async (n) => {
      const marker = `${RUN} 断电工时 ${n}`;
      const res = await volunteer.post('/volunteer/hours', { organizationId: orgId, activity: '课业辅导', workedOn: addDays(today, -1 - (n % 60)), hours: '0.25', task: marker });
      return { ok: res.status === 303, marker };
    }),
    writer('child', async (n) => {
      const res = await admin.post(`/org/${orgId}/children`, { childName: `断电儿童${n}`, idNumber: makeIdNumber('520324', '20140302', String(300 + n)), villageCode: '520324101201', childClass: '6', difficultyType: 'economic', riskLevel: '3' });
      const id = /\/children\/([0-9a-f-]{36})$/.exec(String(res.headers.get('location') ?? ''))?.[1];
      return { ok: res.status === 303 && Boolean(id), marker: id ?? `unknown-${n}` };
    }),
  ];

  // Two clients per kind keep writes in flight; the process is killed once 40 writes were acknowledged.
  let killed = false;
  const total = () => writers.reduce((s, w) => s + w.acknowledged.length, 0);
  const run = async (w: Writer) => {
    while (!killed) {
      const n = w.attempted.length;
      w.attempted.push(`#${n}`);
      const r = await w.write(n).catch(() => ({ ok: false, marker: '' }));
      if (r.ok) w.acknowledged.push(r.marker);
      else if (!killed && r.marker && !/unknown/.test(r.marker)) throw new Error(`${w.name} ${n} refused before the kill`);
      if (!killed && total() >= 40) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(writers.flatMap((w) => [run(w), run(w)]));
  await first.exited;
  for (const w of writers.filter((w) => w.name !== 'approval')) expect({ kind: w.name, someAcknowledged: w.acknowledged.length > 0 }).toEqual({ kind: w.name, someAcknowledged: true });

  const second = (server = await startServer(env, 120_000));
  const exported = await (await fetch(`${second.base}/transparency/ledger.jsonl`)).text();
  const page = await (await fetch(`${second.base}/transparency`)).text();
  const head = /<code class="hash">([0-9a-f]{64})<\/code>/.exec(page)![1];
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);

  const file = path.join(scratch.dataDir, 'ledger.jsonl');
  fs.writeFileSync(file, exported);
  const verify = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify-ledger.ts', file, '--expect-head', head], { cwd: ROOT, encoding: 'utf8' });
  expect({ status: verify.status, out: verify.stdout + verify.stderr }).toMatchObject({ status: 0 });

  // Read what is on disk (or on the server) now that no process holds it.
  const handle = await openDatabase({ databaseUrl: scratch.env.DATABASE_URL, dataDir: scratch.dataDir, logger: createLogger('silent') });
  try {
    const db = handle.db;
    const [gifts, spending, logs] = await Promise.all([
      db.select({ receiptNumber: donations.receiptNumber, id: donations.id }).from(donations).where(like(donations.receiptNumber, `${RUN}-G%`)),
      db.select({ description: expenditures.description, id: expenditures.id, status: expenditures.status }).from(expenditures).where(like(expenditures.description, `${RUN}%`)),
      db.select({ description: hourLogs.description }).from(hourLogs).where(like(hourLogs.description, `${RUN}%`)),
    ]);
    const byName = Object.fromEntries(writers.map((w) => [w.name, w]));
    const count = (values: string[]) => values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>());

    const giftCounts = count(gifts.map((g) => g.receiptNumber!));
    expect([...giftCounts.values()].every((c) => c === 1)).toBe(true);
    for (const marker of byName.gift.acknowledged) expect({ marker, rows: giftCounts.get(marker) ?? 0 }).toEqual({ marker, rows: 1 });

    const spendingCounts = count(spending.map((s) => s.description));
    expect([...spendingCounts.values()].every((c) => c === 1)).toBe(true);
    for (const marker of byName.expenditure.acknowledged) expect({ marker, rows: spendingCounts.get(marker) ?? 0 }).toEqual({ marker, rows: 1 });

    // An approved spending is posted to the ledger.
    const approved = new Set(spending.filter((s) => s.status === 'posted').map((s) => s.id));
    for (const id of byName.approval.acknowledged) expect({ id, posted: approved.has(id) }).toEqual({ id, posted: true });

    const logCounts = count(logs.map((l) => l.description));
    expect([...logCounts.values()].every((c) => c === 1)).toBe(true);
    for (const marker of byName.hours.acknowledged) expect({ marker, rows: logCounts.get(marker) ?? 0 }).toEqual({ marker, rows: 1 });

    const kept = await db.select({ id: children.id }).from(children).where(inArray(children.id, byName.child.acknowledged));
    expect(kept).toHaveLength(byName.child.acknowledged.length);

    // Each gift and each approved spending sits in the ledger exactly once.
    const entries = exported.trim().split('\n').slice(1).map((l) => JSON.parse(l) as { reference: string });
    const references = count(entries.map((e) => e.reference));
    for (const g of gifts) expect({ gift: g.receiptNumber, entries: references.get(g.id) ?? 0 }).toEqual({ gift: g.receiptNumber, entries: 1 });
    for (const id of approved) expect({ spending: id, entries: references.get(id) ?? 0 }).toEqual({ spending: id, entries: 1 });
    const pendingInLedger = spending.filter((s) => s.status !== 'posted' && references.has(s.id));
    expect(pendingInLedger).toEqual([]);
  } finally {
    await handle.close();
  }
}, 150_000);

/** Only a database server can go away and come back while the process runs; the embedded one lives inside it (see test/integration/ops). */
if (onServer) it('answers 503 on /readyz while the database server refuses the app, and 200 once it is back', async () => {
  const proc = (server = await startServer(env, 120_000));
  const name = new URL(scratch.env.DATABASE_URL).pathname.slice(1);
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    expect((await fetch(`${proc.base}/readyz`)).status).toBe(200);
    // Only this test's database: refuse new connections to it and end the ones the app holds.
    await admin.query(`alter database "${name}" with allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    const away = await fetch(`${proc.base}/readyz`).catch((err) => {
      throw new Error(`the process did not survive losing its database: ${err}\n${proc.output().slice(-3000)}`);
    });
    expect({ status: away.status, body: await away.json() }).toEqual({ status: 503, body: { status: 'unavailable', database: 'postgres' } });
    const pageWhileAway = await fetch(`${proc.base}/needs`);
    expect(pageWhileAway.status).toBeGreaterThanOrEqual(500);
    expect(await pageWhileAway.text()).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);

    await admin.query(`alter database "${name}" with allow_connections true`);
    const back = await fetch(`${proc.base}/readyz`);
    expect({ status: back.status, body: await back.json() }).toEqual({ status: 200, body: { status: 'ready', database: 'postgres' } });
    expect((await fetch(`${proc.base}/needs`)).status).toBe(200);
  } finally {
    await admin.query(`alter database "${name}" with allow_connections true`).catch(() => {});
    await admin.end();
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
}, 60_000);
