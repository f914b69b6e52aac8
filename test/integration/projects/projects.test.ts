import { eq } from 'drizzle-orm';
import { matchProposals, needs, projectRoles, projects } from '../../../server/db/schema';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeUser, PASSWORD } from '../../support/factories';
import { openProject, orgWith, platformAdmin, projectForm, publishNeed, registerChild, t } from '../../support/matching';
import type { Actor } from '../../../server/lib/authorization';

let ctx: TestContext;
const clock = new Date('2026-03-01T10:00:00+08:00');
const db = () => ctx.database.db;

let charity: { orgId: string; admin: Actor; adminEmail: string; staffEmail: string; financeEmail: string };
let enterpriseStaffEmail: string;
let enterpriseOrgId: string;
let government: { orgId: string; email: string; actor: Actor };
let reviewer: Actor;
let cityOffice: { email: string };

async function browserFor(email: string): Promise<Browser> {
  const b = new Browser(ctx.app);
  await b.logIn(email, PASSWORD);
  return b;
}

const form = projectForm;
const countProjects = async () => (await db().select().from(projects)).length;

beforeAll(async () => {
  ctx = await startTestApp({ now: () => clock });
  const c = await orgWith(ctx, 'charity', '520300', [['admin'], ['staff'], ['finance']]);
  charity = { orgId: c.org.id, admin: c.members[0].actor, adminEmail: c.members[0].user.email, staffEmail: c.members[1].user.email, financeEmail: c.members[2].user.email };
  const e = await orgWith(ctx, 'enterprise', null, [['staff']]);
  enterpriseOrgId = e.org.id;
  enterpriseStaffEmail = e.members[0].user.email;
  const g = await orgWith(ctx, 'government', '520324', [['admin', 'caseworker']]);
  government = { orgId: g.org.id, email: g.members[0].user.email, actor: g.members[0].actor };
  // The form's project serves 正安县 and 道真县: the city's bureau may review it, a county's may not.
  const city = await orgWith(ctx, 'government', '520300', [['admin']]);
  cityOffice = { email: city.members[0].user.email };
  reviewer = (await platformAdmin(ctx)).actor;
});
afterAll(() => ctx.close());

describe('publishing and review', () => {
  let projectPath: string;
  let projectId: string;

  it('lets a charity\'s staff write a draft, which stays private', async () => {
    const staff = await browserFor(charity.staffEmail);
    const res = await staff.post(`/org/${charity.orgId}/projects`, form());
    expect(res.status).toBe(303);
    projectPath = res.headers.location;
    projectId = projectPath.split('/').pop()!;
    const [row] = await db().select().from(projects).where(eq(projects.id, projectId));
    expect(row).toMatchObject({ status: 'draft', needKinds: ['tutoring', 'companionship'], regionCodes: ['520324', '520325'], budgetPerChildFen: 120_000, fundingGoalFen: 2_400_000, capacity: 20 });
    expect((await new Browser(ctx.app).get(`/projects/${projectId}`)).status).toBe(404);
    const page = await staff.get(projectPath);
    expect(page.text).toContain('提交审核');
  });

  it('sends it to review, where platform admins and government offices see it and others cannot decide it', async () => {
    const staff = await browserFor(charity.staffEmail);
    expect((await staff.post(`${projectPath}/submit`)).status).toBe(303);
    const queue = await (await browserFor(cityOffice.email)).get('/admin/projects');
    expect(queue.status).toBe(200);
    expect(queue.text).toContain('春苗课业辅导');
    expect((await (await browserFor(charity.adminEmail)).post(`/admin/projects/${projectId}/review`, { decision: 'approve' })).status).toBe(403);
    expect((await staff.post(projectPath, form({ title: '审核中偷偷改名' }))).status).toBe(422);
    expect((await db().select().from(projects).where(eq(projects.id, projectId)))[0]).toMatchObject({ status: 'under_review', title: '春苗课业辅导' });
  });

  it('lets a government office review only projects inside its own region, and says why not', async () => {
    const county = await browserFor(government.email);
    const queue = await county.get('/admin/projects');
    expect(queue.status).toBe(200);
    expect(queue.text).not.toContain('春苗课业辅导');
    const refused = await county.post(`/admin/projects/${projectId}/review`, { decision: 'approve' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('不在本机构登记的辖区内');
    expect(refused.text).toContain('道真仡佬族苗族自治县');
    const returned = await county.post(`/admin/projects/${projectId}/review`, { decision: 'reject', note: '越权退回' });
    expect(returned.status).toBe(422);
    expect((await db().select().from(projects).where(eq(projects.id, projectId)))[0]).toMatchObject({ status: 'under_review', reviewedBy: null, reviewNote: null });
    // A platform admin reviews everywhere.
    expect((await ctx.services.projects.reviewQueue(reviewer)).map((p) => p.id)).toContain(projectId);
  });

  it('needs a note to return a project, and the organization reads it; corrected, it goes back to review', async () => {
    const gov = await browserFor(cityOffice.email);
    const silent = await gov.post(`/admin/projects/${projectId}/review`, { decision: 'reject', note: '' });
    expect(silent.status).toBe(422);
    expect(silent.text).toContain('退回时请写明原因');
    expect((await gov.post(`/admin/projects/${projectId}/review`, { decision: 'reject', note: '请补充每学期的回访安排。' })).status).toBe(303);
    const staff = await browserFor(charity.staffEmail);
    expect((await staff.get(projectPath)).text).toContain('上次审核意见：请补充每学期的回访安排。');
    expect((await staff.post(projectPath, form({ description: '大学生志愿者每周一次课业辅导；每学期末与儿童主任一起回访。' }))).status).toBe(303);
    expect((await staff.post(`${projectPath}/submit`)).status).toBe(303);
  });

  it('makes an approved project public: listed, searchable by kind, region and words, with its own page', async () => {
    expect((await (await browserFor(cityOffice.email)).post(`/admin/projects/${projectId}/review`, { decision: 'approve', note: '' })).status).toBe(303);
    const visitor = new Browser(ctx.app);
    const page = await visitor.get(`/projects/${projectId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('贵州省遵义市正安县');
    expect(page.text).toContain('¥1,200.00');
    expect(page.text).toContain('共 20 名，剩余 20 名');
    for (const query of ['', '?kind=tutoring', '?region=520324', '?region=520324101', '?region=520300', '?q=%E6%98%A5%E8%8B%97']) {
      expect((await visitor.get(`/projects${query}`)).text).toContain(`/projects/${projectId}`);
    }
    for (const query of ['?kind=medical', '?region=520102', '?q=%E5%8C%BB%E7%96%97']) {
      expect((await visitor.get(`/projects${query}`)).text).not.toContain(`/projects/${projectId}`);
    }
  });

  it('lets the organization add and remove the volunteer roles it needs, shown on the public page', async () => {
    const staff = await browserFor(charity.staffEmail);
    expect((await staff.post(`${projectPath}/roles`, { roleTitle: '课业辅导志愿者', roleKind: 'tutor', cadence: '每周一次', requiredSkills: '小学数学，语文', slots: '8' })).status).toBe(303);
    const [role] = await db().select().from(projectRoles).where(eq(projectRoles.projectId, projectId));
    expect(role).toMatchObject({ title: '课业辅导志愿者', roleKind: 'tutor', requiredSkills: ['小学数学', '语文'], slots: 8 });
    expect((await new Browser(ctx.app).get(`/projects/${projectId}`)).text).toContain('课业辅导志愿者');
    expect((await staff.post(`${projectPath}/roles/${role.id}/remove`)).status).toBe(303);
    expect(await db().select().from(projectRoles).where(eq(projectRoles.projectId, projectId))).toHaveLength(0);
  });

  it('pages the public list', async () => {
    for (let i = 0; i < 21; i++) await openProject(ctx, charity.admin, charity.orgId, reviewer, { title: `分页测试项目 ${i}`, needKinds: ['legal'] });
    const first = await new Browser(ctx.app).get('/projects?kind=legal');
    expect(first.text).toContain('共 21 个项目');
    expect(first.text).toContain('第 1 / 2 页');
    expect((await new Browser(ctx.app).get('/projects?kind=legal&page=2')).text).toContain('第 2 / 2 页');
  });
});

describe('who may publish', () => {
  it('lets a caring enterprise\'s staff publish, and refuses government offices, finance members and individuals', async () => {
    expect((await (await browserFor(enterpriseStaffEmail)).post(`/org/${enterpriseOrgId}/projects`, form({ regionCodes: '110101' }))).status).toBe(303);
    const before = await countProjects();
    expect((await (await browserFor(government.email)).post(`/org/${government.orgId}/projects`, form({ regionCodes: '520324' }))).status).toBe(403);
    expect((await (await browserFor(charity.financeEmail)).post(`/org/${charity.orgId}/projects`, form())).status).toBe(403);
    const individual = await makeUser(db(), { isVolunteer: true });
    expect((await (await browserFor(individual.email)).post(`/org/${charity.orgId}/projects`, form())).status).toBe(403);
    expect(await countProjects()).toBe(before);
  });
});

describe('bad input: clear messages, nothing changed', () => {
  it('refuses an end date before the start', async () => {
    const before = await countProjects();
    const res = await (await browserFor(charity.adminEmail)).post(`/org/${charity.orgId}/projects`, form({ startOn: '2026-06-01', endOn: '2026-05-01' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('结束日期：结束日期不能早于开始日期');
    expect(res.text).toContain('value="春苗课业辅导"'); // the form comes back as typed
    expect(await countProjects()).toBe(before);
  });

  it('refuses regions outside the organization\'s registered area, naming them', async () => {
    const before = await countProjects();
    const res = await (await browserFor(charity.adminEmail)).post(`/org/${charity.orgId}/projects`, form({ regionCodes: '520324 520102 110101' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('520102、110101 不在本机构登记的地区（520300）范围内');
    const unknown = await (await browserFor(charity.adminEmail)).post(`/org/${charity.orgId}/projects`, form({ regionCodes: '520399' }));
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('有区划代码不存在');
    expect(await countProjects()).toBe(before);
  });

  it('refuses a capacity below the children already accepted or confirmed', async () => {
    const projectId = await openProject(ctx, charity.admin, charity.orgId, reviewer, { title: '名额测试', needKinds: ['medical'], capacity: 3 });
    for (let i = 0; i < 2; i++) {
      const needId = await publishNeed(ctx, government.actor, government.orgId, await registerChild(ctx, government.actor, government.orgId), { kind: 'medical' });
      await ctx.services.matching.rematchFor({ needIds: [needId] });
      const [proposal] = await db().select().from(matchProposals).where(eq(matchProposals.needId, needId));
      await ctx.services.matching.accept(charity.admin, charity.orgId, proposal.id, t);
    }
    const admin = await browserFor(charity.adminEmail);
    const res = await admin.post(`/org/${charity.orgId}/projects/${projectId}`, form({ title: '名额测试', 'needKinds[]': ['medical'], regionCodes: '520324', minAge: '6', maxAge: '15', startOn: '2026-02-01', endOn: '2027-01-31', capacity: '1' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('名额（儿童人数）：不能少于已确认或已接受的 2 名儿童');
    expect((await db().select().from(projects).where(eq(projects.id, projectId)))[0]).toMatchObject({ capacity: 3, placesPromised: 2 });
    const locked = await admin.post(`/org/${charity.orgId}/projects/${projectId}`, form({ title: '名额测试', 'needKinds[]': ['medical', 'living'], regionCodes: '520324', minAge: '6', maxAge: '15', startOn: '2026-02-01', endOn: '2027-01-31', capacity: '3' }));
    expect(locked.status).toBe(422);
    expect(locked.text).toContain('项目公开后不能再修改：提供的帮扶类型');
    expect((await admin.post(`/org/${charity.orgId}/projects/${projectId}`, form({ title: '名额测试', 'needKinds[]': ['medical'], regionCodes: '520324', minAge: '6', maxAge: '15', startOn: '2026-02-01', endOn: '2027-01-31', capacity: '2' }))).status).toBe(303);
    expect((await db().select().from(projects).where(eq(projects.id, projectId)))[0]).toMatchObject({ capacity: 2 });
  });
});

describe('closing a project', () => {
  it('takes no more children: its waiting proposals end and their needs go back to matching', async () => {
    const projectId = await openProject(ctx, charity.admin, charity.orgId, reviewer, { title: '关闭测试', needKinds: ['social'] });
    const needId = await publishNeed(ctx, government.actor, government.orgId, await registerChild(ctx, government.actor, government.orgId), { kind: 'social' });
    await ctx.services.matching.rematchFor({ needIds: [needId] });
    const [proposal] = await db().select().from(matchProposals).where(eq(matchProposals.needId, needId));
    await ctx.services.matching.accept(charity.admin, charity.orgId, proposal.id, t);
    expect((await db().select().from(needs).where(eq(needs.id, needId)))[0].status).toBe('matched');
    expect((await (await browserFor(charity.adminEmail)).post(`/org/${charity.orgId}/projects/${projectId}/close`)).status).toBe(303);
    expect((await db().select().from(projects).where(eq(projects.id, projectId)))[0]).toMatchObject({ status: 'closed', placesPromised: 0 });
    expect((await db().select().from(matchProposals).where(eq(matchProposals.id, proposal.id)))[0].status).toBe('withdrawn');
    expect((await db().select().from(needs).where(eq(needs.id, needId)))[0].status).toBe('published');
    expect((await new Browser(ctx.app).get('/projects?kind=social')).text).not.toContain(`/projects/${projectId}`);
  });
});
