import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import { followUps, helpRecords, hourLogs, needs, publishedNeeds } from '../../../server/db/schema';
import type { Actor } from '../../../server/lib/authorization';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { consentToHelp, openProject, orgWith, platformAdmin, publishNeed, t as mt } from '../../support/matching';
import { PDF_BYTES } from '../../support/money';

/**
 * A small county whose figures are worked out by hand below (today = China's calendar day):
 *   瑞溪镇 (remote 镇, 520324101): r1 open tutoring need asking ¥1,000 (visited today); r2 being
 *     helped; r3 met (+ a draft asking ¥500); r4 and r5 helped through matching, published 12 and 2
 *     days before their help started, r4's follow-up overdue; r7 two open companionship needs
 *     (the same child and kind, open-ended: one is duplicate help prevented).
 *   凤仪街道 (urban 街道, 520324001): f1 open; f2 withdrawn (¥700); f3 helped, published 4 days
 *     before, then a second tutoring need while that help runs (duplicate help prevented).
 *   Hours (approved): 90 min in 瑞溪镇, 120 min counted for the county itself, 30 min in another
 *     county; 60 min pending. Gifts: ¥1,000 to a county-wide project, ¥300 to a 瑞溪镇 project,
 *     ¥200 to a project of both townships (counted for the county: their common parent).
 */
let ctx: TestContext;
let gov: Browser;
let admin: Actor;
const today = new Date().toISOString().slice(0, 10);
const dayBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

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

  // Started lately, so no quarterly disclosure is overdue: an overdue project takes no gifts.
  const recentStart = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
  // Help through matching: a charity's county-wide tutoring project takes the needs; the caseworker confirms.
  const charity = await orgWith(ctx, 'charity', '520324', [['admin'], ['finance']]);
  admin = (await platformAdmin(ctx)).actor;
  const [charityAdmin, finance] = charity.members.map((m) => m.actor);
  const countyWide = await openProject(ctx, charityAdmin, charity.org.id, admin, { startOn: recentStart, endOn: '2099-12-31' });
  const ruixiOnly = await openProject(ctx, charityAdmin, charity.org.id, admin, { title: '瑞溪镇医疗救助', needKinds: ['medical'], regionCodes: ['520324101'], startOn: recentStart, endOn: '2099-12-31' });
  const bothTownships = await openProject(ctx, charityAdmin, charity.org.id, admin, { title: '两镇街医疗救助', needKinds: ['medical'], regionCodes: ['520324101', '520324001'], startOn: recentStart, endOn: '2099-12-31' });
  const helped = async (childId: string, waitDays: number) => {
    const needId = await publishNeed(ctx, actor, civil.id, childId);
    const proposal = (await ctx.services.matching.needScreen(actor, civil.id, mt)).proposals.find((p) => p.needId === needId)!;
    await ctx.services.matching.accept(charityAdmin, charity.org.id, proposal.id, mt);
    await consentToHelp(ctx, actor, civil.id, needId);
    const { helpRecordId } = await ctx.services.matching.confirm(actor, civil.id, proposal.id, mt);
    const [record] = await db.select().from(helpRecords).where(eq(helpRecords.id, helpRecordId));
    await db.update(publishedNeeds).set({ publishedAt: new Date(Date.parse(`${record.startOn}T12:00:00+08:00`) - waitDays * 86_400_000) }).where(eq(publishedNeeds.needId, needId));
    return record;
  };
  const r4help = await helped(await add('306', '520324101204'), 12);
  await db.update(followUps).set({ dueOn: dayBefore(r4help.startOn, 1) }).where(eq(followUps.helpRecordId, r4help.id));
  await helped(await add('307', '520324101205'), 2);
  const f3 = await add('308', '520324001003');
  await helped(f3, 4);
  await publishNeed(ctx, actor, civil.id, f3);
  const r7 = await add('309', '520324101206');
  await publishNeed(ctx, actor, civil.id, r7, { kind: 'companionship' });
  await publishNeed(ctx, actor, civil.id, r7, { kind: 'companionship' });

  const volunteer = await makeUser(db);
  const hours = (regionCode: string, minutes: number, status = 'approved') => ({ volunteerUserId: volunteer.id, organizationId: charity.org.id, activity: '课业辅导', regionCode, workedOn: today, minutes, description: '辅导作业', status });
  await db.insert(hourLogs).values([hours('520324101', 90), hours('520324', 120), hours('520325', 30), hours('520324101', 60, 'pending')]);

  const gift = (projectId: string, giftAmount: number, receiptNumber: string) =>
    ctx.services.donations.recordOffline(finance, charity.org.id, { projectId, giftAmount, method: 'bank_transfer', receivedOn: dayBefore(today, 1), receiptNumber, displayName: '黄先生', anonymous: false, publicMessage: null }, [{ buffer: PDF_BYTES, filename: '回单.pdf' }], mt);
  await gift(countyWide, 100_000, 'DB-1');
  await gift(ruixiOnly, 30_000, 'DB-2');
  await gift(bothTownships, 20_000, 'DB-3');

  const officer = await makeMember(db, civil.id, ['staff']);
  gov = new Browser(ctx.app);
  await gov.logIn(officer.email, PASSWORD);
});
afterAll(() => ctx.close());

it('shows each township of a county with figures that match the records, remote against central', async () => {
  const data = await ctx.services.dashboard.figures(admin, '520324');
  const byName = Object.fromEntries(data.rows.filter((r) => !r.unplaced).map((r) => [r.name, r]));
  expect(byName['瑞溪镇']).toMatchObject({
    remote: true, children: 6, needsOpen: 3, needsBeingHelped: 3, needsMet: 1, coverage: 57.1, medianWaitDays: 7,
    overdueVisits: 5, overdueFollowUps: 1, volunteerMinutes: 90, neededFen: 100_000, raisedFen: 30_000, gapFen: 70_000, duplicatesPrevented: 1,
  });
  expect(byName['凤仪街道']).toMatchObject({
    remote: false, children: 3, needsOpen: 2, needsBeingHelped: 1, needsMet: 0, coverage: 33.3, medianWaitDays: 4,
    overdueVisits: 3, overdueFollowUps: 0, volunteerMinutes: 0, neededFen: 0, raisedFen: 0, gapFen: 0, duplicatesPrevented: 1,
  });
  // What is known only for the county as a whole: the county-wide project's gifts and the two-township one's, and county-level hours.
  const county = data.rows.find((r) => r.unplaced)!;
  expect(county).toMatchObject({ code: '520324', children: 0, volunteerMinutes: 120, raisedFen: 120_000, gapFen: -120_000 });
  expect(data.rows).toHaveLength(3);
  expect(data.totals).toMatchObject({
    children: 9, needsOpen: 5, needsBeingHelped: 4, needsMet: 1, coverage: 50, medianWaitDays: 4,
    overdueVisits: 8, overdueFollowUps: 1, volunteerMinutes: 210, neededFen: 100_000, raisedFen: 150_000, gapFen: -50_000, duplicatesPrevented: 2,
  });
  expect(data.remoteVsCentral!.remote).toMatchObject({ coverage: 57.1, medianWaitDays: 7, volunteerMinutes: 90, raisedFen: 30_000 });
  expect(data.remoteVsCentral!.central).toMatchObject({ coverage: 33.3, medianWaitDays: 4, volunteerMinutes: 0, raisedFen: 0 });
});

it('adds its rows up to the county, and the county the city shows is the same county', async () => {
  const county = await ctx.services.dashboard.figures(admin, '520324');
  const city = await ctx.services.dashboard.figures(admin, '520300');
  const inCity = city.rows.find((r) => r.code === '520324')!;
  for (const key of ['children', 'needsOpen', 'needsBeingHelped', 'needsMet', 'overdueVisits', 'overdueFollowUps', 'volunteerMinutes', 'neededFen', 'raisedFen', 'gapFen', 'duplicatesPrevented'] as const) {
    expect([key, county.rows.reduce((a, r) => a + r[key], 0)]).toEqual([key, county.totals[key]]);
    expect([key, inCity[key]]).toEqual([key, county.totals[key]]);
  }
  expect(inCity.medianWaitDays).toBe(county.totals.medianWaitDays);
  // The 30 approved minutes of the neighbouring county are the city's, not this county's.
  expect(city.totals.volunteerMinutes).toBe(240);
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
  expect(rows[1].slice(1)).toEqual(['地区', '登记儿童', '待帮扶需求', '帮扶中', '已满足', '覆盖率', '等待天数中位数', '逾期未走访', '逾期未回访', '志愿服务时长（小时）', '所需资金', '已筹资金', '资金缺口', '避免重复帮扶']);
  const ruixi = rows.find((r) => r[1] === '瑞溪镇')!;
  expect(ruixi.slice(2)).toEqual([6, 3, 3, 1, 0.571, 7, 5, 1, 1.5, 1000, 300, 700, 1]);
  expect(rows.find((r) => r[1] === '合计')!.slice(2)).toEqual([9, 5, 4, 1, 0.5, 4, 8, 1, 3.5, 1000, 1500, -500, 2]);
  expect(county.text).toContain('正安县（未细分到下级）');
  expect(county.text).toContain('<svg class="bar-chart gap-chart"');
});

it('is closed to charities, enterprises and individuals', async () => {
  const charity = await makeOrg(ctx.database.db);
  const admin = await makeMember(ctx.database.db, charity.id, ['admin']);
  const b = new Browser(ctx.app);
  await b.logIn(admin.email, PASSWORD);
  expect((await b.get('/dashboard')).status).toBe(403);
});
