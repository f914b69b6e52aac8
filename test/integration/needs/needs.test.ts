import { eq } from 'drizzle-orm';
import { publishedNeeds } from '../../../server/db/schema';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { seedChildren } from '../../../server/demo/county';

let ctx: TestContext;
let orgId: string;
let caseworker: Browser;
let childPath: string;
let caseworkerId: string;
let supervisor: Browser;
beforeAll(async () => {
  ctx = await startTestApp();
  const org = await makeOrg(ctx.database.db, { kind: 'government' });
  orgId = org.id;
  const user = await makeMember(ctx.database.db, orgId, ['caseworker']);
  caseworkerId = user.id;
  caseworker = new Browser(ctx.app);
  await caseworker.logIn(user.email, PASSWORD);
  supervisor = new Browser(ctx.app, { 'X-Forwarded-For': '198.51.100.7' });
  await supervisor.logIn((await makeMember(ctx.database.db, orgId, ['supervisor'])).email, PASSWORD);
  // Enough published children in the county that a new one can be published without singling anyone out.
  await seedChildren(ctx.database.db, ctx.services.children, { organizationId: orgId, createdBy: user.id, countyCode: '520324', count: 300, publish: 300, seed: 11 });
  await ctx.services.needs.reanonymize();
  const res = await caseworker.post(`/org/${orgId}/children`, {
    childName: '冉小花', idNumber: makeIdNumber('520324', '20130512', '042'), guardianName: '冉桂兰', guardianPhone: '13908520001',
    villageCode: '520324101201', school: '瑞溪镇中心小学', childClass: '6', difficultyType: 'guardianship', riskLevel: '2',
  });
  childPath = res.headers.location;
});
afterAll(() => ctx.close());

/** The author submits, a supervisor approves: how a need gets published. */
async function publish(needId: string) {
  expect((await caseworker.post(`${childPath}/needs/${needId}/submit`)).status).toBe(303);
  return supervisor.post(`/org/${orgId}/needs/${needId}/approve`);
}

async function draftNeed(description: string): Promise<string> {
  const res = await caseworker.post(`${childPath}/needs`, { needKind: 'tutoring', urgency: '3', needDescription: description, amount: '1,200' });
  expect(res.status).toBe(303);
  const needs = await ctx.services.needs.forChild((await ctx.services.accounts.loadActor(caseworkerId))!, orgId, childPath.split('/').pop()!);
  return needs.find((n) => n.description === description)!.id;
}

describe('publishing needs', () => {
  it('blocks a description that names the child or gives a phone number, showing the offending text, and publishes nothing', async () => {
    const needId = await draftNeed('冉小花的奶奶身体不好，请联系13908520001安排课业辅导。');
    const res = await caseworker.post(`${childPath}/needs/${needId}/submit`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('需求描述中可能含有能识别孩子的信息');
    expect(res.text).toContain('「冉小花」');
    expect(res.text).toContain('「13908520001」');
    expect(await ctx.database.db.select().from(publishedNeeds).where(eq(publishedNeeds.needId, needId))).toHaveLength(0);
  });

  it('publishes a clean need under a random code; the public page shows the need and nothing that identifies the child', async () => {
    const needId = await draftNeed('孩子父母在外务工，数学基础较弱，需要每周一次课业辅导。');
    const res = await publish(needId);
    expect(res.status).toBe(303);
    const page = await caseworker.get(childPath);
    const code = /公开编号: <code>([A-Z0-9-]+)<\/code>/.exec(page.text)?.[1] ?? /need\/?s\/([A-Z0-9]{2}-[A-Z0-9]{6})/.exec(page.text)![1];
    expect(code).toMatch(/^[A-Z0-9]{2}-[A-Z0-9]{6}$/);
    const pub = await new Browser(ctx.app).get(`/needs/${code}`);
    expect(pub.status).toBe(200);
    expect(pub.text).toContain('数学基础较弱');
    expect(pub.text).toContain('¥1,200.00');
    for (const secret of ['冉小花', '冉桂兰', '13908520001', '瑞溪镇中心小学', '尖峰村', '2013-05-12', makeIdNumber('520324', '20130512', '042')]) expect(pub.text).not.toContain(secret);
  });

  it('takes a withdrawn need off the board at once', async () => {
    const needId = await draftNeed('需要心理疏导，情绪低落，希望有志愿者长期陪伴。');
    await publish(needId);
    const [pub] = await ctx.database.db.select().from(publishedNeeds).where(eq(publishedNeeds.needId, needId));
    expect((await new Browser(ctx.app).get(`/needs/${pub.publicCode}`)).status).toBe(200);
    const empty = await caseworker.post(`${childPath}/needs/${needId}/withdraw`, { reason: '' });
    expect(empty.status).toBe(422);
    expect((await caseworker.post(`${childPath}/needs/${needId}/withdraw`, { reason: '家长已返乡' })).status).toBe(303);
    expect((await new Browser(ctx.app).get(`/needs/${pub.publicCode}`)).status).toBe(404);
  });
});

describe('the public board', () => {
  it('filters by region, kind and urgency, paginates, and counts needs per region', async () => {
    const all = await new Browser(ctx.app).get('/needs');
    expect(all.status).toBe(200);
    expect(all.text).toContain('贵州省');
    const county = await new Browser(ctx.app).get('/needs?region=520300');
    expect(county.text).toMatch(/正安县 <span class="badge">\d+<\/span>/);
    const kind = await new Browser(ctx.app).get('/needs?kind=companionship&urgency=4');
    const cards = kind.text.match(/class="card need-card"/g) ?? [];
    expect(cards.length).toBeGreaterThan(0);
    expect(kind.text).not.toContain('>课业辅导</a>');
    const page2 = await new Browser(ctx.app).get('/needs?page=2');
    expect(page2.text).toContain('第 2 /');
    const junk = await new Browser(ctx.app).get('/needs?region=<script>&kind=nope&page=-4');
    expect(junk.status).toBe(200);
  });
});
