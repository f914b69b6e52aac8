import { and, eq } from 'drizzle-orm';
import { auditEntries, childLinks, children } from '../../../server/db/schema';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';

let ctx: TestContext;
let orgId: string;
let caseworker: Browser;
beforeAll(async () => {
  ctx = await startTestApp();
  const org = await makeOrg(ctx.database.db, { name: '正安县民政局', kind: 'government' });
  orgId = org.id;
  const user = await makeMember(ctx.database.db, orgId, ['caseworker']);
  caseworker = new Browser(ctx.app);
  await caseworker.logIn(user.email, PASSWORD);
});
afterAll(() => ctx.close());

const form = (over: Record<string, string> = {}) => ({
  childName: '冉小花',
  idNumber: makeIdNumber('520324', '20130512', '042'),
  guardianName: '冉桂兰',
  guardianRelation: '祖母',
  guardianPhone: '13908520001',
  residence: '尖峰村三组12号',
  villageCode: '520324101201',
  school: '瑞溪镇中心小学',
  childClass: '6',
  difficultyType: 'guardianship',
  riskLevel: '2',
  ...over,
});

describe('child records', () => {
  it('registers a child: birth date and sex come from the ID number, the page shows the record and the view is audited', async () => {
    const res = await caseworker.post(`/org/${orgId}/children`, form());
    expect(res.status).toBe(303);
    const page = await caseworker.get(res.headers.location);
    expect(page.text).toContain('冉小花');
    expect(page.text).toContain('2013-05-12');
    expect(page.text).toContain('贵州省遵义市正安县瑞溪镇尖峰村村民委员会');
    expect(page.text).toContain('超过 30 天未走访');
    const childId = res.headers.location.split('/').pop()!;
    const views = await ctx.database.db.select().from(auditEntries).where(and(eq(auditEntries.subjectId, childId), eq(auditEntries.action, 'child.view')));
    expect(views).toHaveLength(1);
    expect(views[0].reason).toBe('record page');
  });

  it('names a wrong check digit and an unknown village, and writes nothing', async () => {
    const before = (await ctx.database.db.select().from(children)).length;
    const valid = makeIdNumber('520324', '20130512', '043');
    const res = await caseworker.post(`/org/${orgId}/children`, form({ idNumber: valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0') }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('公民身份证号码：身份证号码校验位不正确');
    const village = await caseworker.post(`/org/${orgId}/children`, form({ villageCode: '520324999999', idNumber: makeIdNumber('520324', '20130512', '044') }));
    expect(village.status).toBe(422);
    expect(village.text).toContain('不是有效的村（居）区划代码');
    expect((await ctx.database.db.select().from(children)).length).toBe(before);
  });

  it('keeps identities out of the database in plain text', async () => {
    const idNumber = makeIdNumber('520324', '20120101', '077');
    await caseworker.post(`/org/${orgId}/children`, form({ childName: '申屠明月', idNumber, guardianPhone: '13712345678' }));
    const dump = JSON.stringify(await ctx.database.db.select().from(children));
    expect(dump).not.toContain('申屠明月');
    expect(dump).not.toContain(idNumber);
    expect(dump).not.toContain('13712345678');
    expect(dump).not.toContain('尖峰村三组');
  });

  it('refuses another organization’s caseworker and the own organization’s finance staff', async () => {
    const res = await caseworker.post(`/org/${orgId}/children`, form({ childName: '吴一', idNumber: makeIdNumber('520324', '20140101', '101') }));
    const path = res.headers.location;
    const other = await makeOrg(ctx.database.db);
    const stranger = await makeMember(ctx.database.db, other.id, ['caseworker', 'admin']);
    const b = new Browser(ctx.app);
    await b.logIn(stranger.email, PASSWORD);
    expect((await b.get(path)).status).toBe(403);
    expect((await b.get(path.replace(orgId, other.id))).status).toBe(404);
    const finance = await makeMember(ctx.database.db, orgId, ['finance', 'staff']);
    const f = new Browser(ctx.app);
    await f.logIn(finance.email, PASSWORD);
    expect((await f.get(path)).status).toBe(403);
  });

  it('flags a child registered by another organization without showing either side the other’s record', async () => {
    const idNumber = makeIdNumber('520324', '20110909', '555');
    await caseworker.post(`/org/${orgId}/children`, form({ childName: '韩小雨', idNumber }));
    const charity = await makeOrg(ctx.database.db, { name: '春苗关爱中心' });
    const cw = await makeMember(ctx.database.db, charity.id, ['caseworker']);
    const b = new Browser(ctx.app);
    await b.logIn(cw.email, PASSWORD);
    const res = await b.post(`/org/${charity.id}/children`, form({ childName: '韩小雨', idNumber, guardianName: '韩德华' }));
    const page = await b.get(res.headers.location);
    expect(page.text).toContain('另一家机构也登记了这名儿童');
    expect(page.text).not.toContain('正安县民政局');
    expect(page.text).not.toContain('冉桂兰');
    const links = await ctx.database.db.select().from(childLinks);
    expect(links.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses the same ID number twice in one organization', async () => {
    const idNumber = makeIdNumber('520324', '20100202', '222');
    expect((await caseworker.post(`/org/${orgId}/children`, form({ idNumber }))).status).toBe(303);
    const again = await caseworker.post(`/org/${orgId}/children`, form({ idNumber }));
    expect(again.status).toBe(422);
    expect(again.text).toContain('本机构已登记过该身份证号码的儿童');
  });

  it('lists children whose visit is overdue, and a visit clears the flag; a future visit date is refused', async () => {
    const res = await caseworker.post(`/org/${orgId}/children`, form({ childName: '杨小宝', idNumber: makeIdNumber('520324', '20150303', '303') }));
    const childPath = res.headers.location;
    const overdue = await caseworker.get(`/org/${orgId}/children?overdue=1`);
    expect(overdue.text).toContain('杨小宝');
    const future = await caseworker.post(`${childPath}/visits`, { visitedOn: '2999-01-01', findings: '未来' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('走访日期：不能晚于今天');
    const today = new Date().toISOString().slice(0, 10);
    expect((await caseworker.post(`${childPath}/visits`, { visitedOn: today, findings: '孩子与奶奶同住，学习有进步。' })).status).toBe(303);
    const after = await caseworker.get(`/org/${orgId}/children?overdue=1`);
    expect(after.text).not.toContain('杨小宝');
    expect((await caseworker.get(childPath)).text).toContain('孩子与奶奶同住，学习有进步。');
  });

  it('lets org admins read the audit trail of child views', async () => {
    const admin = await makeMember(ctx.database.db, orgId, ['admin']);
    const b = new Browser(ctx.app);
    await b.logIn(admin.email, PASSWORD);
    const trail = await b.get(`/org/${orgId}/audit`);
    expect(trail.status).toBe(200);
    expect(trail.text).toContain('child.view');
    expect(trail.text).toContain('child.create');
  });
});
