/**
 * Roster import benchmark: builds a realistic 10,000-row official-style .xlsx in memory
 * (title rows, merged two-row header, ticks, mixed date forms), then times reading it and
 * validating the rows. Run: npx tsx scripts/bench-roster.ts [rows]
 */
import { readRosterFile } from '../server/children/roster-file';
import { validateRosterRows } from '../server/children/roster.rules';
import { regionByCode } from '../server/lib/regions';
import { buildOfficialRoster, makeChild } from '../test/unit/children/roster-factory';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 10_000);
  const children = Array.from({ length: rows }, (_, i) => makeChild(i));
  const file = await buildOfficialRoster(children);

  // Loads the region tiers once, as a running server would have done before the first import.
  regionByCode('520324101201');

  const t0 = performance.now();
  const read = await readRosterFile(file, 'bench.xlsx');
  const t1 = performance.now();
  if (!read.ok) throw new Error(`read failed: ${read.code}`);
  const result = validateRosterRows(read.value.rows, { today: new Date() });
  const t2 = performance.now();

  const fmt = (n: number): string => n.toFixed(0).padStart(9);
  console.log(`file ${(file.length / 1024 / 1024).toFixed(2)} MB, ${result.records.length} records, ${result.errors.length} errors`);
  console.log('     rows  parse ms  validate ms  total ms');
  console.log(`${String(rows).padStart(9)}${fmt(t1 - t0)}${fmt(t2 - t1).padStart(13)}${fmt(t2 - t0).padStart(10)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
