import { sql } from 'drizzle-orm';
import type { DatabaseHandle, Tx } from '../../../server/db/client';
import { organizations } from '../../../server/db/schema';
import { onServer, openTestDatabase } from '../../support/db';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const one = async (tx: Tx, query: ReturnType<typeof sql>) => Object.values(((await tx.execute(query)) as unknown as { rows: Array<Record<string, unknown>> }).rows[0])[0];
const organizationCount = (tx: Tx) => one(tx, sql`select count(*)::int from organizations`);
let seq = 0;
const addOrganization = () => database.db.insert(organizations).values({ name: `读一致 ${++seq}`, kind: 'charity', creditCode: `5311000000000${String(seq).padStart(4, '0')}X`, status: 'verified' });

it('runs every part read-only, in repeatable read, after the settings, and answers in the parts’ order', async () => {
  await addOrganization();
  const settings = [sql`set local work_mem = '48MB'`, sql`set local jit = off`];
  const part = async (tx: Tx) => ({
    workMem: await one(tx, sql`show work_mem`),
    isolation: await one(tx, sql`show transaction_isolation`),
    readOnly: await one(tx, sql`show transaction_read_only`),
    organizations: await organizationCount(tx),
  });
  const [a, b, label] = await database.readTogether<[Awaited<ReturnType<typeof part>>, Awaited<ReturnType<typeof part>>, string]>(settings, [part, part, async () => 'third']);
  for (const p of [a, b]) expect(p).toEqual({ workMem: '48MB', isolation: 'repeatable read', readOnly: 'on', organizations: a.organizations });
  expect(a.organizations).toBeGreaterThanOrEqual(1);
  expect(label).toBe('third');
  // The settings were local to the parts' transactions.
  expect(await one(database.db as unknown as Tx, sql`show work_mem`)).not.toBe('48MB');
  await expect(database.readTogether([], [(tx) => tx.execute(sql`insert into organizations (name, kind, credit_code) values ('x', 'charity', 'y')`)])).rejects.toMatchObject({ cause: { message: expect.stringMatching(/read-only transaction/) } });
});

// PGlite has one connection and runs the parts in turn; only a server runs them at once, sharing a snapshot.
if (onServer)
  it('lets every part on a server see the same snapshot, even when a write commits while they run', async () => {
    let committed!: () => void;
    const written = new Promise<void>((resolve) => (committed = resolve));
    const [first, second] = await database.readTogether<[number, number]>([], [
      async (tx) => {
        const before = Number(await organizationCount(tx));
        await addOrganization();
        committed();
        return before;
      },
      async (tx) => {
        await written;
        return Number(await organizationCount(tx));
      },
    ]);
    expect(second).toBe(first);
    const [after] = await database.readTogether<[number]>([], [async (tx) => Number(await organizationCount(tx))]);
    expect(after).toBe(first + 1);
  });
