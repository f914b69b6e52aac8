import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import { needs } from '../../../server/db/schema';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';

/**
 * A small county whose figures can be worked out by hand:
 *   瑞溪镇 (remote 镇, 520324101): 3 children — needs open (¥1,000), being helped, met (+ a draft); one visited today
 *   凤仪街道 (urban 街道, 520324001): 2 children — one need open, one withdrawn; none visited
 */
let ctx: TestContext;
let gov: Browser;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  ctx = await startTestApp();
  const db = ctx.database.db;
  const civil = await makeOrg(db, { kind: 'government', name: '正安县民政局' });
  const cw = await makeMember(db, civil.id, ['caseworker']);
  const actor = (await ctx.services.accounts.loadActor(cw.id))!;
  const t = (k: string) => k;
  const add = async (seq: string, village: string) =>
    (await ctx.services.children.create(actor, civil.id, ctx.services.children.childFromForm({ childName: `看板${seq}`, idNumber: makeIdNumber('520324', '20140101', seq), villageCode: village, childClass: 6, difficultyType: 'guardianship', riskLevel: 2, ethnicity: null, guardianName: null, guardianRelation: null, guardianPhone: null, residence: null, school: null, notes: null }, t), t)).id;
  const need = async (childId: string, status: string, amount: number | null = null) => {
    const { id } = await ctx.services.needs.create(actor, civil.id, childId, { needKind: 'tutoring', needDescription: '需要课业辅导。', urgency: 2, amount, quantity: null, startOn: null, endOn: null });
    await db.update(needs).set({ status }).where(eq(needs.id, id));
  };
  const r1 = await add('301', '520324101201');
  const r2 = await add('302', '520324101202');
  const r3 = await add('303', '520324101203');
  const f1 = await add('304', '520324001001');
  const f2 = await add('305', '520324001002');
  await need(r1, 'published', 100_000);
  await need(r2, 'being_helped');
  await need(r3, 'met');
  await need(r3, 'draft', 50_000);
  await need(f1, 'published');
  await need(f2, 'withdrawn', 70_000);
  await ctx.services.children.recordVisit(actor, civil.id, r1, { visitedOn: today, findings: '正常' }, t);
  const officer = await makeMember(db, civil.id, ['staff']);
  gov = new Browser(ctx.app);
  await gov.logIn(officer.email, PASSWORD);
});
afterAll(() => ctx.close());

it('shows each township of a county with figures that match the records, remote against central', async () => {
  const data = await ctx.services.dashboard.figures((await ctx.services.accounts.loadActor((await makeUser(ctx.database.db, { isPlatformAdmin: true })).id))!, '520324');
  const byName = Object.fromEntries(data.rows.map((r) => [r.name, r]));
  expect(byName['瑞溪镇']).toMatchObject({ children: 3, needsOpen: 1, needsBeingHelped: 1, needsMet: 1, coverage: 66.7, overdueVisits: 2, neededFen: 100_000, remote: true });
  expect(byName['凤仪街道']).toMatchObject({ children: 2, needsOpen: 1, needsBeingHelped: 0, needsMet: 0, coverage: 0, overdueVisits: 2, neededFen: 0, remote: false });
  expect(data.totals).toMatchObject({ children: 5, needsOpen: 2, needsBeingHelped: 1, needsMet: 1, coverage: 50, overdueVisits: 4, neededFen: 100_000 });
  expect(data.remoteVsCentral!.remote.coverage).toBe(66.7);
  expect(data.remoteVsCentral!.central.coverage).toBe(0);
});

it('lets a government office drill from the country to the county, with a chart and an Excel export', async () => {
  const country = await gov.get('/dashboard');
  expect(country.status).toBe(200);
  expect(country.text).toContain('href="/dashboard?region=520000"');
  const city = await gov.get('/dashboard?region=520300');
  expect(city.text).toContain('正安县');
  const county = await gov.get('/dashboard?region=520324');
  expect(county.text).toContain('偏远乡镇与城区街道对比');
  expect(county.text).toContain('<svg class="bar-chart"');
  expect(county.text).not.toContain('看板301');
  const file = await gov.agent.get('/dashboard/export.xlsx?region=520324').buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(file.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file.body as unknown as Parameters<typeof wb.xlsx.load>[0]);
  const rows = wb.worksheets[0].getSheetValues().filter(Boolean) as unknown[][];
  const ruixi = rows.find((r) => r[1] === '瑞溪镇')!;
  expect(ruixi.slice(2, 6)).toEqual([3, 1, 1, 1]);
});

it('is closed to charities, enterprises and individuals', async () => {
  const charity = await makeOrg(ctx.database.db);
  const admin = await makeMember(ctx.database.db, charity.id, ['admin']);
  const b = new Browser(ctx.app);
  await b.logIn(admin.email, PASSWORD);
  expect((await b.get('/dashboard')).status).toBe(403);
});
