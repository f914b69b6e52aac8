/**
 * Roster import benchmark, end to end through RosterService: builds a realistic official-style
 * .xlsx (title rows, merged two-row header, ticks, dates in every typed form), imports it into
 * a fresh in-memory PGlite, and prints how long each phase took. Goal: 10,000 rows under 20 s.
 * A second organization then imports the same file, so every child is also registered
 * elsewhere and gets linked: the slowest case.
 *
 * Run: npx tsx scripts/bench-roster-import.ts [rows]
 */
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { testConfig } from '../server/config';
import { openDatabase } from '../server/db/client';
import { children } from '../server/db/schema';
import { FieldCipher } from '../server/lib/crypto';
import { createLogger } from '../server/lib/logger';
import { regionByCode } from '../server/lib/regions';
import { buildServices } from '../server/services';
import { makeMember, makeOrg } from '../test/support/factories';
import { buildOfficialRoster, makeChild } from '../test/unit/children/roster-factory';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 10_000);
  const logger = createLogger('warn');
  const database = await openDatabase({ dataDir: '', logger, memory: true });
  const services = buildServices({ config: testConfig({}), database, logger, cipher: new FieldCipher(crypto.randomBytes(32)) });
  const t = (key: string) => key;

  const file = await buildOfficialRoster(Array.from({ length: rows }, (_, i) => makeChild(i)));
  // A running server has loaded the region tiers before its first import.
  regionByCode('520324101201');

  const table: string[][] = [['case', 'rows', 'read ms', 'validate ms', 'commit ms', 'total ms', 'imported']];
  for (const label of ['fresh organization', 'all registered elsewhere']) {
    const org = await makeOrg(database.db);
    const user = await makeMember(database.db, org.id, ['caseworker']);
    const actor = (await services.accounts.loadActor(user.id))!;
    const started = performance.now();
    const importId = await services.roster.startImport(actor, org.id, { buffer: file, filename: '瑞溪镇农村留守儿童花名册.xlsx' }, t);
    const outcome = await services.roster.waitForImport(importId);
    const total = performance.now() - started;
    if (!outcome || outcome.status !== 'done') {
      const status = await services.roster.importStatus(actor, org.id, importId);
      throw new Error(`import ${label} did not finish: ${JSON.stringify(status.errors.slice(0, 5))}`);
    }
    const stored = await database.db.select({ id: children.id }).from(children).where(eq(children.organizationId, org.id));
    const ms = (n: number) => n.toFixed(0);
    table.push([label, String(outcome.rows), ms(outcome.readMs), ms(outcome.validateMs), ms(outcome.commitMs), ms(total), String(stored.length)]);
  }
  await database.close();

  console.log(`file ${(file.length / 1024 / 1024).toFixed(2)} MB, ${rows} rows, embedded PGlite in memory`);
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
