/**
 * Ledger benchmark (not a test): `npx tsx scripts/bench-ledger.ts [--entries 1000000] [--gifts 100000]`
 *
 * 1. Seals a chain of N ledger entries in memory, verifies it (hash chain alone, then every rule),
 *    writes it as an export and runs the offline verifier (scripts/verify-ledger.ts) on the file.
 * 2. On a database (PGlite in memory, or DATABASE_URL), appends entries through LedgerService
 *    (the real, locked path), then loads a project with G gifts and times its fund-use report
 *    (SQL sums) and the FIFO allocation of its gifts to its spending (a gift's receipt).
 * Prints a table. Targets from the issue: chain verification of 1,000,000 entries under 10 s, a
 * project report over 100,000 gifts under 500 ms.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { testConfig } from '../server/config';
import { openDatabase } from '../server/db/client';
import { donations, expenditures, ledgerEntries, ledgerPostings, organizations, users } from '../server/db/schema';
import { giftTransaction } from '../server/donations/donations.rules';
import { expenditureTransaction } from '../server/expenditures/expenditures.rules';
import { staticProjectDirectory } from '../server/funds/project-directory';
import { EXPENSE_CATEGORIES, GENESIS_HASH, exportHeader, exportLine, sealEntry, verifyChain, verifyLedger, type SealedEntry } from '../server/ledger/ledger.rules';
import { entryRow, fundRef, postingRows } from '../server/ledger/ledger.service';
import { createLogger } from '../server/lib/logger';
import { buildServices } from '../server/services';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ENTRIES = arg('entries', 1_000_000);
const GIFTS = arg('gifts', 100_000);
const rows: Array<[string, string, string]> = [];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
function time<T>(what: string, target: string, fn: () => T): T {
  const t0 = process.hrtime.bigint();
  const out = fn();
  rows.push([what, `${ms(t0).toFixed(0)} ms`, target]);
  return out;
}
async function timeAsync<T>(what: string, target: string, fn: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  rows.push([what, `${ms(t0).toFixed(0)} ms`, target]);
  return out;
}

/** A realistic mix: gifts to 20 projects and 5 general funds, and one spending for every ten gifts. */
function* transactions(count: number, orgs: string[], projects: string[]) {
  const base = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i += 1) {
    const org = orgs[i % orgs.length];
    const projectId = i % 5 === 0 ? null : projects[i % projects.length];
    const fund = fundRef(org, projectId);
    const at = new Date(base + i * 60_000);
    const id = `tx-${i}`;
    if (i % 10 === 9) yield { id, ...expenditureTransaction({ id: `e-${i}`, organizationId: org, projectId, category: EXPENSE_CATEGORIES[i % 6], amountFen: 500, description: '学习用品', postedAt: at }, fund) };
    else yield { id, ...giftTransaction({ id: `g-${i}`, amountFen: 1_000 + (i % 997), receivedAt: at, channel: 'stripe', method: 'alipay' }, fund) };
  }
}

async function inMemory(): Promise<void> {
  const orgs = Array.from({ length: 5 }, () => crypto.randomUUID());
  const projects = Array.from({ length: 20 }, () => crypto.randomUUID());
  const chain: SealedEntry[] = new Array(ENTRIES);
  time(`seal ${ENTRIES.toLocaleString('en')} entries`, '', () => {
    let prev = GENESIS_HASH;
    let n = 0;
    for (const tx of transactions(ENTRIES, orgs, projects)) {
      const e = sealEntry(prev, n + 1, tx);
      chain[n++] = e;
      prev = e.hash;
    }
  });
  const chainOnly = time(`verify hash chain, ${ENTRIES.toLocaleString('en')} entries`, '< 10 s', () => verifyChain(chain));
  const full = time(`verify chain + every rule, ${ENTRIES.toLocaleString('en')} entries`, '< 10 s', () => verifyLedger(chain));
  if (!chainOnly.ok || !full.ok) throw new Error('the benchmark chain does not verify');
  const file = path.join(os.tmpdir(), `carebridge-bench-${process.pid}.jsonl`);
  time('write the export (JSON Lines)', '', () => {
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, JSON.stringify(exportHeader(chain[chain.length - 1].hash, new Date())) + '\n');
    for (let i = 0; i < chain.length; i += 10_000) fs.writeSync(fd, chain.slice(i, i + 10_000).map((e) => exportLine(e) + '\n').join(''));
    fs.closeSync(fd);
  });
  const size = fs.statSync(file).size;
  chain.length = 0;
  const verifier = time(`scripts/verify-ledger.ts on the export (${(size / 1e6).toFixed(0)} MB, whole process)`, '< 10 s', () =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'verify-ledger.ts'), file, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  );
  fs.rmSync(file, { force: true });
  if (verifier.status !== 0) throw new Error(`verifier failed: ${verifier.stderr || verifier.stdout.slice(0, 500)}`);
}

async function onDatabase(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carebridge-bench-'));
  const logger = createLogger('silent');
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir, logger, memory: !process.env.DATABASE_URL });
  try {
    const db = database.db;
    const [org] = await db.insert(organizations).values({ name: '基准测试机构', kind: 'charity', creditCode: `BENCH${crypto.randomBytes(6).toString('hex').toUpperCase()}`.slice(0, 18), status: 'verified' }).returning();
    const projectId = crypto.randomUUID();
    const services = buildServices({
      config: testConfig({ dataDir }),
      database,
      logger,
      projectDirectory: staticProjectDirectory([{ id: projectId, organizationId: org.id, title: '基准项目', fundingGoalFen: null, startOn: '2024-01-01', endOn: '2027-12-31', status: 'open' }]),
    });
    const head0 = await services.ledger.head();

    // The real append path: lock, read the head, seal, insert — one database transaction each.
    const APPENDS = 1_000;
    await timeAsync(`${APPENDS.toLocaleString('en')} appends through LedgerService.post (${database.kind})`, '', async () => {
      for (let i = 0; i < APPENDS; i += 1) {
        await db.transaction((tx) => services.ledger.post(tx, giftTransaction({ id: crypto.randomUUID(), amountFen: 100, receivedAt: new Date(), channel: 'offline', method: 'cash' }, fundRef(org.id, null))));
      }
    });

    // Bulk set-up of the project's gifts and spending: sealed like any entry, inserted in batches.
    let prev = (await services.ledger.head()).hash;
    let seq = head0.sequence + APPENDS;
    const fund = fundRef(org.id, projectId);
    const start = Date.UTC(2025, 0, 1);
    const SPENDING = Math.floor(GIFTS / 50);
    const [author] = await db.insert(users).values({ email: `bench-${crypto.randomUUID()}@example.cn`, displayName: 'bench', passwordHash: 'x' }).returning();
    let giftCount = 0;
    await timeAsync(`load ${GIFTS.toLocaleString('en')} gifts + ${SPENDING.toLocaleString('en')} spendings (set-up)`, '', async () => {
      const TOTAL = GIFTS + SPENDING;
      const BATCH = 1_000;
      for (let i = 0; i < TOTAL; i += BATCH) {
        const giftRows: Array<typeof donations.$inferInsert> = [];
        const spendRows: Array<typeof expenditures.$inferInsert> = [];
        const entryRows: Array<typeof ledgerEntries.$inferInsert> = [];
        const postingRowsOut: Array<typeof ledgerPostings.$inferInsert> = [];
        for (let j = i; j < Math.min(i + BATCH, TOTAL); j += 1) {
          const at = new Date(start + j * 300_000);
          const id = crypto.randomUUID();
          // Every 51st is a spending of ¥200, the rest gifts of ¥10–¥100: the fund never runs dry.
          let tx;
          if (j % 51 === 50) {
            spendRows.push({ id, organizationId: org.id, projectId, category: 'school_aid', amountFen: 20_000, spentOn: at.toISOString().slice(0, 10), payeeType: 'school', description: '助学金发放', status: 'posted', recordedBy: author.id, postedAt: at });
            tx = expenditureTransaction({ id, organizationId: org.id, projectId, category: 'school_aid', amountFen: 20_000, description: '助学金发放', postedAt: at }, fund);
          } else {
            const amountFen = 1_000 + (j % 9_000);
            giftRows.push({ id, organizationId: org.id, projectId, displayName: '', anonymous: true, amountFen, channel: 'stripe', status: 'succeeded', receiptCode: crypto.randomBytes(18).toString('base64url'), receivedAt: at });
            tx = giftTransaction({ id, amountFen, receivedAt: at, channel: 'stripe', method: 'card' }, fund);
          }
          const e = sealEntry(prev, ++seq, { id: crypto.randomUUID(), ...tx });
          prev = e.hash;
          entryRows.push(entryRow(e));
          postingRowsOut.push(...postingRows(e));
        }
        giftCount += giftRows.length;
        await db.transaction(async (t) => {
          if (giftRows.length) await t.insert(donations).values(giftRows);
          if (spendRows.length) await t.insert(expenditures).values(spendRows);
          await t.insert(ledgerEntries).values(entryRows);
          await t.insert(ledgerPostings).values(postingRowsOut);
        });
      }
    });
    await db.execute(sql`analyze`);

    await services.funds.projectReport(projectId); // warm-up: plans, caches
    const report = await timeAsync(`project report over ${GIFTS.toLocaleString('en')} gifts (SQL sums)`, '< 500 ms', () => services.funds.projectReport(projectId));
    const uses = await timeAsync(`FIFO allocation of ${GIFTS.toLocaleString('en')} gifts to ${SPENDING.toLocaleString('en')} spendings`, '', () => services.funds.allocation(org.id, projectId));
    const [{ receiptCode }] = await db.select({ receiptCode: donations.receiptCode }).from(donations).where(sql`${donations.projectId} = ${projectId}`).orderBy(sql`${donations.receivedAt} desc`).limit(1);
    const receipt = await timeAsync(`one gift's receipt with where it went (of ${GIFTS.toLocaleString('en')})`, '', () => services.funds.giftReceipt(receiptCode));
    if (JSON.stringify(receipt.use) !== JSON.stringify(uses.get(receipt.gift.id))) throw new Error('a receipt disagrees with the fund allocation');
    const spent = [...uses.values()].reduce((s, u) => s + u.spentFen, 0);
    if (spent !== report.figures.spentFen || report.giftCount !== giftCount) throw new Error(`report and allocation disagree: ${spent} vs ${report.figures.spentFen}, ${report.giftCount} of ${giftCount} gifts`);
    const exportStart = process.hrtime.bigint();
    let lines = 0;
    for await (const chunk of services.ledger.exportLines()) lines += chunk.split('\n').length - 1;
    rows.push([`export the ledger from the database (${(lines - 1).toLocaleString('en')} entries)`, `${ms(exportStart).toFixed(0)} ms`, '']);
  } finally {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`CareBridge ledger benchmark — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)'}`);
  await inMemory();
  await onDatabase();
  const w0 = Math.max(...rows.map((r) => r[0].length), 4);
  const w1 = Math.max(...rows.map((r) => r[1].length), 4);
  console.log(`\n| ${'what'.padEnd(w0)} | ${'time'.padStart(w1)} | target |\n|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|--------|`);
  for (const [what, t, target] of rows) console.log(`| ${what.padEnd(w0)} | ${t.padStart(w1)} | ${target} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
