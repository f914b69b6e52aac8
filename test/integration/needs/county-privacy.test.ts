import { sql } from 'drizzle-orm';
import { publishedNeeds } from '../../../server/db/schema';
import { checkKAnonymity } from '../../../server/needs/publication.rules';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg } from '../../support/factories';
import { seedChildren, type SeededChild } from '../../../server/demo/county';

/**
 * A seeded county of 2,000 children, every one with a published need: the published set must
 * be 5-anonymous, and no public page — nor a raw dump of the database — may contain any
 * child's or guardian's name, ID number or phone number.
 */
let ctx: TestContext;
let seeded: SeededChild[];
let orgId: string;
let caseworkerId: string;
beforeAll(async () => {
  ctx = await startTestApp({ config: { kAnonymity: 5 } });
  const civil = await makeOrg(ctx.database.db, { name: '正安县民政局', kind: 'government' });
  const charity = await makeOrg(ctx.database.db, { name: '道真春苗关爱中心' });
  orgId = civil.id;
  const a = await makeMember(ctx.database.db, civil.id, ['caseworker']);
  caseworkerId = a.id;
  const b = await makeMember(ctx.database.db, charity.id, ['caseworker']);
  seeded = [
    ...(await seedChildren(ctx.database.db, ctx.services.children, { organizationId: civil.id, createdBy: a.id, countyCode: '520324', count: 1200, publish: 1200, seed: 1 })),
    ...(await seedChildren(ctx.database.db, ctx.services.children, { organizationId: charity.id, createdBy: b.id, countyCode: '520325', count: 800, publish: 800, seed: 2, idSeqStart: 500 })),
  ];
  await ctx.services.needs.reanonymize();
}, 120_000);
afterAll(() => ctx.close());

const secretsOf = (children: SeededChild[]) => children.flatMap((c) => [c.name, c.idNumber, c.guardianName, c.guardianPhone]);

function leaks(html: string, secrets: string[]): string[] {
  return secrets.filter((s) => html.includes(s));
}

it('publishes a 5-anonymous set: every (region, age band, sex, class) shown covers at least 5 children', async () => {
  const rows = await ctx.database.db.select().from(publishedNeeds);
  const visible = rows.filter((r) => r.visible);
  expect(rows).toHaveLength(2000);
  expect(visible.length / rows.length).toBeGreaterThan(0.95);
  const report = checkKAnonymity(
    visible.map((r) => ({ ageBand: r.ageBand!, sex: r.sex as 'male' | 'female' | null, regionCode: r.regionCode!, regionLevel: r.regionLevel as 'county' | 'city', childClass: r.childClass })),
    5,
  );
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
});

it('renders every public page of the county without a name, ID number or phone number', async () => {
  const secrets = secretsOf(seeded);
  const browser = new Browser(ctx.app);
  const pages = ['/', '/organizations', '/needs', '/needs?region=520000', '/needs?region=520300', '/needs?region=520324', '/needs?region=520325'];
  const codes = (await ctx.database.db.select({ code: publishedNeeds.publicCode }).from(publishedNeeds).where(sql`${publishedNeeds.visible}`)).map((r) => r.code);
  for (let page = 2; page <= Math.ceil(codes.length / 20); page++) pages.push(`/needs?page=${page}`);
  for (const code of codes) pages.push(`/needs/${code}`);
  let rendered = 0;
  for (const path of pages) {
    const res = await browser.get(path);
    expect(res.status).toBe(200);
    const found = leaks(res.text, secrets);
    if (found.length) throw new Error(`${path} shows ${found.slice(0, 3).join(', ')}`);
    rendered++;
  }
  expect(rendered).toBeGreaterThan(2000);
}, 180_000);

it('leaves no name, ID number or phone number in plain text anywhere in the database', async () => {
  const secrets = secretsOf(seeded);
  const tables = (await ctx.database.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public'`)) as unknown as { rows: Array<{ table_name: string }> };
  let dumped = 0;
  for (const { table_name } of tables.rows) {
    const rows = (await ctx.database.db.execute(sql`select row_to_json(t)::text as j from ${sql.identifier(table_name)} t`)) as unknown as { rows: Array<{ j: string }> };
    const text = rows.rows.map((r) => r.j).join('\n');
    dumped += text.length;
    const found = leaks(text, secrets);
    if (found.length) throw new Error(`table ${table_name} holds ${found.slice(0, 3).join(', ')} in plain text`);
  }
  expect(dumped).toBeGreaterThan(1_000_000);
});

it('caseworkers of the owning organization still see their children by name', async () => {
  const actor = (await ctx.services.accounts.loadActor(caseworkerId))!;
  const list = await ctx.services.children.list(actor, orgId, { page: 1 });
  expect(list.total).toBe(1200);
  expect(seeded.map((s) => s.name)).toContain(list.children[0].name);
});
