import { and, asc, eq, inArray } from 'drizzle-orm';

import { followUps, guardianConsents, helpRecords, matchingRuns, matchProposals, needs, projects, publishedNeeds, unmatchedNeeds } from '../../../server/db/schema';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { PASSWORD } from '../../support/factories';
import { consentToHelp, openProject, orgWith, platformAdmin, publishNeed, registerChild, t } from '../../support/matching';
import type { Actor } from '../../../server/lib/authorization';

let ctx: TestContext;
let clock = new Date('2026-03-01T10:00:00+08:00');
const db = () => ctx.database.db;
const days = (n: number) => (clock = new Date(clock.getTime() + n * 86_400_000));

interface Side {
  orgId: string;
  actor: Actor;
  email: string;
}
let civil: Side; // 正安县民政局: keeps children, publishes needs
let shelter: Side; // a charity that also keeps children (the same child may be on both rosters)
let helper: Side & { staff: Side; caseworker: Side }; // a charity in 遵义市 that runs projects
let otherHelper: Side;
let reviewer: Actor;

async function browserFor(email: string): Promise<Browser> {
  const b = new Browser(ctx.app);
  await b.logIn(email, PASSWORD);
  return b;
}

const proposalOf = async (needId: string) => (await db().select().from(matchProposals).where(eq(matchProposals.needId, needId)).orderBy(asc(matchProposals.proposedAt)));
const liveProposal = async (needId: string) => (await proposalOf(needId)).find((p) => p.status === 'proposed' || p.status === 'accepted');
const needStatus = async (needId: string) => (await db().select({ s: needs.status }).from(needs).where(eq(needs.id, needId)))[0].s;
const projectRow = async (projectId: string) => (await db().select().from(projects).where(eq(projects.id, projectId)))[0];
const publicCode = async (needId: string) => (await db().select({ c: publishedNeeds.publicCode }).from(publishedNeeds).where(eq(publishedNeeds.needId, needId)))[0].c;

beforeAll(async () => {
  ctx = await startTestApp({ now: () => clock });
  const c = await orgWith(ctx, 'government', '520324', [['caseworker']]);
  civil = { orgId: c.org.id, actor: c.members[0].actor, email: c.members[0].user.email };
  const s = await orgWith(ctx, 'charity', '520324', [['caseworker']]);
  shelter = { orgId: s.org.id, actor: s.members[0].actor, email: s.members[0].user.email };
  const h = await orgWith(ctx, 'charity', '520300', [['admin'], ['staff'], ['caseworker']]);
  const side = (i: number) => ({ orgId: h.org.id, actor: h.members[i].actor, email: h.members[i].user.email });
  helper = { ...side(0), staff: side(1), caseworker: side(2) };
  const o = await orgWith(ctx, 'charity', '520300', [['admin']]);
  otherHelper = { orgId: o.org.id, actor: o.members[0].actor, email: o.members[0].user.email };
  reviewer = (await platformAdmin(ctx)).actor;
});
afterAll(() => ctx.close());

describe('eligibility, through the service', () => {
  let projectId: string;
  const need: Record<string, string> = {};
  beforeAll(async () => {
    projectId = await openProject(ctx, helper.actor, helper.orgId, reviewer, { title: '技能培训 · 正安县', needKinds: ['skills'], eligibleClasses: [6], minAge: 10, maxAge: 15 });
    const child = (over: Parameters<typeof registerChild>[3]) => registerChild(ctx, civil.actor, civil.orgId, over);
    need.fits = await publishNeed(ctx, civil.actor, civil.orgId, await child({ birth: '20150101' }), { kind: 'skills' });
    need.otherClass = await publishNeed(ctx, civil.actor, civil.orgId, await child({ birth: '20150101', childClass: 4 }), { kind: 'skills' });
    need.tooYoung = await publishNeed(ctx, civil.actor, civil.orgId, await child({ birth: '20180601' }), { kind: 'skills' });
    need.otherKind = await publishNeed(ctx, civil.actor, civil.orgId, await child({ birth: '20150101' }), { kind: 'legal' });
    need.otherCounty = await publishNeed(ctx, civil.actor, civil.orgId, await child({ birth: '20150101', villageCode: '520325001001', idNumber: makeIdNumber('520325', '20150101', '777') }), { kind: 'skills' });
    await ctx.services.matching.runAll(null);
  });

  it('proposes the project for the need that fits it, and only for that one', async () => {
    expect((await liveProposal(need.fits))?.projectId).toBe(projectId);
    for (const id of [need.otherClass, need.tooYoung, need.otherKind, need.otherCounty]) expect(await liveProposal(id)).toBeUndefined();
  });

  it('tells the caseworkers why each other need got no proposal, in plain words', async () => {
    const page = await (await browserFor(civil.email)).get(`/org/${civil.orgId}/matches`);
    expect(page.status).toBe(200);
    const card = (needId: string) => new RegExp(`id="unmatched-${needId}"[\\s\\S]*?</li>\\s*</ul>`).exec(page.text)?.[0] ?? '';
    expect(card(need.otherClass)).toContain('项目不面向这一类儿童（其他低保家庭儿童）');
    expect(card(need.tooYoung)).toContain('孩子 7 岁，不在项目 10–15 岁的范围内');
    expect(card(need.otherKind)).toContain('孩子所在地目前没有提供这类帮扶（法律援助）的项目');
    expect(card(need.otherCounty)).toContain('孩子所在地目前没有提供这类帮扶（技能培训）的项目');
    // The caseworkers read the child's risk level their way (一级 = highest), not the engine's scale.
    expect(page.text).toContain('风险等级：二级（高）');
  });

  it('shows the project organization the need as published and nothing that identifies the child', async () => {
    const page = await (await browserFor(helper.email)).get(`/org/${helper.orgId}/proposals`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(await publicCode(need.fits));
    expect(page.text).toContain('技能培训 · 正安县');
    expect(page.text).not.toMatch(/测试儿童\d+/);
    expect(page.text).not.toContain('风险等级：');
    expect(page.text).not.toContain('远离县城');
    expect(page.text).toContain('为保护儿童隐私不在此显示');
  });
});

describe('duplicate help across organizations', () => {
  const idNumber = makeIdNumber('520324', '20140808', '518');
  let projectId: string;
  let needA: string;
  let needB: string;
  beforeAll(async () => {
    // The same child on two rosters: the bureau's and the shelter's.
    const childA = await registerChild(ctx, civil.actor, civil.orgId, { idNumber });
    const childB = await registerChild(ctx, shelter.actor, shelter.orgId, { idNumber });
    needA = await publishNeed(ctx, civil.actor, civil.orgId, childA, { kind: 'companionship' });
    projectId = await openProject(ctx, helper.actor, helper.orgId, reviewer, { title: '亲情陪伴 · 正安县', needKinds: ['companionship'], capacity: 5 });
    const proposal = (await liveProposal(needA))!;
    await ctx.services.matching.accept(helper.actor, helper.orgId, proposal.id, t);
    await consentToHelp(ctx, civil.actor, civil.orgId, needA);
    await ctx.services.matching.confirm(civil.actor, civil.orgId, proposal.id, t);
    needB = await publishNeed(ctx, shelter.actor, shelter.orgId, childB, { kind: 'companionship' });
    await ctx.services.matching.rematchFor({ needIds: [needB] });
  });

  it('does not match the second organization\'s need while the first one\'s help runs, though places are left', async () => {
    expect(await needStatus(needA)).toBe('being_helped');
    expect(await liveProposal(needB)).toBeUndefined();
    expect((await projectRow(projectId)).capacity - (await projectRow(projectId)).placesTaken).toBe(4);
    const [gap] = await db().select().from(unmatchedNeeds).where(eq(unmatchedNeeds.needId, needB));
    expect(gap.reasons.map((r) => r.code)).toContain('duplicate_help');
  });

  it('says so on the second organization\'s screen, and a full run agrees', async () => {
    await ctx.services.matching.runAll(null);
    expect(await liveProposal(needB)).toBeUndefined();
    const page = await (await browserFor(shelter.email)).get(`/org/${shelter.orgId}/matches`);
    expect(page.text).toMatch(/孩子在 2026-03-01 至 2027-01-31 期间已在接受同类帮扶（亲情陪伴），不重复匹配/);
    // The shelter learns only that the child is helped, not by whom or through which organization's record.
    expect(page.text).not.toContain('亲情陪伴 · 正安县');
  });
});

describe('determinism', () => {
  const snapshot = async () => ({
    proposals: (await db().select().from(matchProposals).where(eq(matchProposals.status, 'proposed')).orderBy(asc(matchProposals.needId))).map((p) => ({ id: p.id, needId: p.needId, projectId: p.projectId, score: p.score, reasons: p.reasons })),
    unmatched: (await db().select().from(unmatchedNeeds).orderBy(asc(unmatchedNeeds.needId))).map((u) => ({ needId: u.needId, reasons: u.reasons })),
  });

  it('gives identical proposals, ids and reasons when run twice on the same data', async () => {
    await ctx.services.matching.runAll(null);
    const first = await snapshot();
    await ctx.services.matching.runAll(null);
    expect(await snapshot()).toEqual(first);
    expect(first.proposals.length).toBeGreaterThan(0);
  });
});

describe('regional fairness', () => {
  it('gives the last place to the child in a remote township over an urban one of equal urgency and risk', async () => {
    const projectId = await openProject(ctx, helper.actor, helper.orgId, reviewer, { title: '安全教育 · 正安县', needKinds: ['safety'], capacity: 1 });
    const urban = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId, { villageCode: '520324001001', birth: '20150301' }), { kind: 'safety', urgency: 3 });
    const remote = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId, { villageCode: '520324101202', birth: '20150301' }), { kind: 'safety', urgency: 3 });
    await ctx.services.matching.runAll(null);
    expect((await liveProposal(remote))?.projectId).toBe(projectId);
    expect(await liveProposal(urban)).toBeUndefined();
    const page = await (await browserFor(civil.email)).get(`/org/${civil.orgId}/matches`);
    const proposalCard = new RegExp(`<code>${await publicCode(remote)}</code>[\\s\\S]*?</ul>`).exec(page.text)![0];
    expect(proposalCard).toContain('孩子生活在乡镇，远离县城，关爱资源较少');
    const gap = new RegExp(`id="unmatched-${urban}"[\\s\\S]*?</ul>`).exec(page.text)![0];
    expect(gap).toContain('名额已分配给同样或更紧急、风险更高、等待更久的需求');
  });
});

describe('a pair turned down', () => {
  it('gives the declined place to the next need in the same run, and tells the declined need why', async () => {
    const projectId = await openProject(ctx, helper.actor, helper.orgId, reviewer, { title: '医疗救助 · 正安县', needKinds: ['medical'], capacity: 1 });
    const first = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId), { kind: 'medical', urgency: 4 });
    const second = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId), { kind: 'medical', urgency: 1 });
    await ctx.services.matching.runAll(null);
    const proposal = (await liveProposal(first))!;
    expect(proposal.projectId).toBe(projectId);
    expect(await liveProposal(second)).toBeUndefined();

    await ctx.services.matching.decline(helper.actor, helper.orgId, proposal.id, '本期名额已满', t);
    expect((await liveProposal(second))?.projectId).toBe(projectId);
    expect(await liveProposal(first)).toBeUndefined();
    const page = await (await browserFor(civil.email)).get(`/org/${civil.orgId}/matches`);
    const gap = new RegExp(`id="unmatched-${first}"[\\s\\S]*?</ul>`).exec(page.text)![0];
    expect(gap).toContain('项目此前已谢绝这条需求');
    // A full run agrees with what the incremental one did.
    await ctx.services.matching.runAll(null);
    expect((await liveProposal(second))?.projectId).toBe(projectId);
    expect(await liveProposal(first)).toBeUndefined();
  });
});

describe('incremental runs', () => {
  it('start from the previous run, unless another node stored one since', async () => {
    await ctx.services.matching.runAll(null);
    const child = () => registerChild(ctx, civil.actor, civil.orgId);
    const a = await publishNeed(ctx, civil.actor, civil.orgId, await child(), { kind: 'social' });
    expect((await ctx.services.matching.rematchFor({ needIds: [a] })).scope).toBe('incremental');
    // Another node's run: what is stored is no longer what this process last wrote.
    await db().insert(matchingRuns).values({ scope: 'incremental', needs: 0, projects: 0, proposals: 0, unmatched: 0, millis: 0 });
    expect((await ctx.services.matching.rematchFor({ needIds: [a] })).scope).toBe('full');
    const b = await publishNeed(ctx, civil.actor, civil.orgId, await child(), { kind: 'social' });
    expect((await ctx.services.matching.rematchFor({ needIds: [b] })).scope).toBe('incremental');
  });
});

describe('authorization: the project\'s organization answers, the need\'s organization confirms', () => {
  let proposalId: string;
  let needId: string;
  beforeAll(async () => {
    await openProject(ctx, helper.actor, helper.orgId, reviewer, { title: '心理疏导 · 正安县', needKinds: ['psychological'] });
    needId = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId), { kind: 'psychological' });
    await ctx.services.matching.rematchFor({ needIds: [needId] });
    proposalId = (await liveProposal(needId))!.id;
  });

  it('refuses acceptance by anyone but the project organization\'s admins and staff, and changes nothing', async () => {
    const tries: Array<[string, string]> = [
      [helper.caseworker.email, `/org/${helper.orgId}/proposals/${proposalId}/accept`],
      [civil.email, `/org/${civil.orgId}/proposals/${proposalId}/accept`],
      [civil.email, `/org/${helper.orgId}/proposals/${proposalId}/accept`],
      [otherHelper.email, `/org/${otherHelper.orgId}/proposals/${proposalId}/accept`],
      [otherHelper.email, `/org/${helper.orgId}/proposals/${proposalId}/accept`],
    ];
    for (const [email, url] of tries) expect([403, 404]).toContain((await (await browserFor(email)).post(url)).status);
    expect((await liveProposal(needId))?.status).toBe('proposed');
    expect(await needStatus(needId)).toBe('published');
  });

  it('lets the project organization\'s staff accept, and refuses confirmation by anyone but the need\'s organization', async () => {
    expect((await (await browserFor(helper.staff.email)).post(`/org/${helper.orgId}/proposals/${proposalId}/accept`)).status).toBe(303);
    expect(await needStatus(needId)).toBe('matched');
    for (const url of [`/org/${helper.orgId}/matches/${proposalId}/confirm`, `/org/${civil.orgId}/matches/${proposalId}/confirm`]) {
      expect([403, 404]).toContain((await (await browserFor(helper.email)).post(url)).status);
    }
    expect((await liveProposal(needId))?.status).toBe('accepted');
    expect(await db().select().from(helpRecords).where(eq(helpRecords.needId, needId))).toHaveLength(0);
  });

  it('refuses to start psychological support before the guardian consents, changing nothing; starts it once consent is recorded', async () => {
    const civilPage = await browserFor(civil.email);
    const refused = await civilPage.post(`/org/${civil.orgId}/matches/${proposalId}/confirm`);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('这项帮扶需要与孩子接触，开始前须记录监护人的有效同意');
    expect((await liveProposal(needId))?.status).toBe('accepted');
    expect(await needStatus(needId)).toBe('matched');
    expect(await db().select().from(helpRecords).where(eq(helpRecords.needId, needId))).toHaveLength(0);
    const consentPage = await civilPage.get(`/org/${civil.orgId}/volunteers/needs/${needId}/consent`);
    expect(consentPage.status).toBe(200);
    expect(consentPage.text).toContain('尚未记录监护人同意');
    const recorded = await civilPage.post(`/org/${civil.orgId}/volunteers/needs/${needId}/consent`, { guardianName: '王秀英', guardianRelation: 'mother', consentedOn: '2026-02-27', consentMethod: 'verbal' });
    expect(recorded.status).toBe(303);
    expect((await civilPage.get(`/org/${civil.orgId}/volunteers/needs/${needId}/consent`)).text).toContain('王秀英');
    expect((await civilPage.post(`/org/${civil.orgId}/matches/${proposalId}/confirm`)).status).toBe(303);
    expect(await needStatus(needId)).toBe('being_helped');
  });

  it('refuses a help consent dated in the future, and records the guardian withdrawing it without stopping help already running', async () => {
    const civilPage = await browserFor(civil.email);
    const consentUrl = `/org/${civil.orgId}/volunteers/needs/${needId}/consent`;
    const [consent] = await db().select().from(guardianConsents).where(eq(guardianConsents.needId, needId));
    const early = await civilPage.post(`${consentUrl}/${consent.id}/withdraw`, { withdrawnOn: '2026-02-26', withdrawalNote: '家长改变主意。' });
    expect(early.status).toBe(422);
    expect(early.text).toContain('撤回日期：不能早于同意日期 2026-02-27');
    expect((await civilPage.post(`${consentUrl}/${consent.id}/withdraw`, { withdrawnOn: '2026-03-01', withdrawalNote: '母亲希望暂停心理辅导。' })).status).toBe(303);
    const [withdrawn] = await db().select().from(guardianConsents).where(eq(guardianConsents.id, consent.id));
    expect(withdrawn.withdrawnOn).toBe('2026-03-01');
    expect((await civilPage.get(consentUrl)).text).toContain('已于 2026-03-01 撤回');
    const future = await civilPage.post(consentUrl, { guardianName: '王秀英', guardianRelation: 'mother', consentedOn: '2026-03-02', consentMethod: 'verbal' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('同意日期：不能是将来的日期');
    expect(await db().select().from(guardianConsents).where(eq(guardianConsents.needId, needId))).toHaveLength(1);
    expect((await db().select().from(helpRecords).where(eq(helpRecords.needId, needId)))[0].status).toBe('in_progress');
  });

  it('lets only the need\'s organization close the help', async () => {
    const [record] = await db().select().from(helpRecords).where(eq(helpRecords.needId, needId));
    const res = await (await browserFor(helper.email)).post(`/org/${helper.orgId}/help-records/${record.id}/close`, { outcome: 'met', evaluation: '帮扶机构自己不能给自己打分。' });
    expect(res.status).toBe(404);
    expect((await db().select().from(helpRecords).where(eq(helpRecords.id, record.id)))[0].status).toBe('in_progress');
  });
});

describe('accepting a proposal that became invalid', () => {
  let projectId: string;
  beforeAll(async () => {
    projectId = await openProject(ctx, helper.actor, helper.orgId, reviewer, { title: '生活保障 · 正安县', needKinds: ['living'], capacity: 3 });
  });

  it('refuses when the need was withdrawn meanwhile, says why, and changes nothing', async () => {
    const needId = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId), { kind: 'living' });
    await ctx.services.matching.rematchFor({ needIds: [needId] });
    const proposal = (await liveProposal(needId))!;
    await ctx.services.needs.withdraw(civil.actor, civil.orgId, needId, '家长已返乡', t);
    const res = await (await browserFor(helper.email)).post(`/org/${helper.orgId}/proposals/${proposal.id}/accept`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('这条匹配建议已失效，未做任何更改');
    expect(res.text).toContain('需求已不在待匹配状态');
    expect((await db().select().from(matchProposals).where(eq(matchProposals.id, proposal.id)))[0].status).toBe('proposed');
    expect(await needStatus(needId)).toBe('withdrawn');
    expect((await projectRow(projectId)).placesPromised).toBe(0);
  });

  it('refuses when another acceptance took the last place, and changes nothing', async () => {
    const needId = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId), { kind: 'living' });
    await ctx.services.matching.rematchFor({ needIds: [needId] });
    const proposal = (await liveProposal(needId))!;
    // As if other acceptances had just promised every place.
    await db().update(projects).set({ placesPromised: 3 }).where(eq(projects.id, projectId));
    const res = await (await browserFor(helper.email)).post(`/org/${helper.orgId}/proposals/${proposal.id}/accept`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('项目名额已满');
    expect((await db().select().from(matchProposals).where(eq(matchProposals.id, proposal.id)))[0].status).toBe('proposed');
    expect(await needStatus(needId)).toBe('published');
    expect((await projectRow(projectId)).placesPromised).toBe(3);
    await db().update(projects).set({ placesPromised: 0 }).where(eq(projects.id, projectId));
  });
});

describe('the full lifecycle, with overdue follow-ups', () => {
  let projectId: string;
  let first: string;
  let second: string;
  let civilPage: Browser;
  let helperPage: Browser;
  beforeAll(async () => {
    projectId = await openProject(ctx, helper.actor, helper.orgId, reviewer, { title: '助学金 · 正安县', needKinds: ['education'], capacity: 2 });
    first = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId), { kind: 'education', urgency: 4 });
    second = await publishNeed(ctx, civil.actor, civil.orgId, await registerChild(ctx, civil.actor, civil.orgId), { kind: 'education', urgency: 2 });
    await ctx.services.matching.rematchFor({ needIds: [first, second] });
    civilPage = await browserFor(civil.email);
    helperPage = await browserFor(helper.email);
  });

  it('goes proposed → accepted → confirmed: help starts, a place is taken, the first follow-up is due in 30 days (school aid needs no guardian consent)', async () => {
    const proposal = (await liveProposal(first))!;
    expect((await helperPage.post(`/org/${helper.orgId}/proposals/${proposal.id}/accept`)).status).toBe(303);
    expect(await projectRow(projectId)).toMatchObject({ placesPromised: 1, placesTaken: 0 });
    const page = await civilPage.get(`/org/${civil.orgId}/matches`);
    expect(page.text).toContain('项目方已接受，待确认');
    const noConsent = await civilPage.get(`/org/${civil.orgId}/volunteers/needs/${first}/consent`);
    expect(noConsent.text).toContain('这类需求的帮扶不与孩子接触，不需要监护人同意。');
    const refused = await civilPage.post(`/org/${civil.orgId}/volunteers/needs/${first}/consent`, { guardianName: '李明', guardianRelation: 'father', consentedOn: '2026-02-27', consentMethod: 'verbal' });
    expect(refused.status).toBe(422);
    expect(await db().select().from(guardianConsents).where(eq(guardianConsents.needId, first))).toHaveLength(0);
    expect((await civilPage.post(`/org/${civil.orgId}/matches/${proposal.id}/confirm`)).status).toBe(303);
    expect(await needStatus(first)).toBe('being_helped');
    expect(await projectRow(projectId)).toMatchObject({ placesPromised: 0, placesTaken: 1, status: 'open' });
    const [record] = await db().select().from(helpRecords).where(eq(helpRecords.needId, first));
    expect(record).toMatchObject({ status: 'in_progress', startOn: '2026-03-01', endOn: '2027-01-31', nextFollowUpOn: '2026-03-31' });
  });

  const recordOf = async (needId: string) => (await db().select().from(helpRecords).where(eq(helpRecords.needId, needId)))[0];
  const cardOf = (html: string, id: string) => new RegExp(`<li class="card help-record[^"]*" id="help-${id}"`).exec(html)?.[0] ?? '';

  it('flags the follow-up overdue to both organizations once its day has passed, and on the public evaluation', async () => {
    const record = await recordOf(first);
    const onTime = await civilPage.get(`/org/${civil.orgId}/matches`);
    expect(cardOf(onTime.text, record.id)).not.toContain('is-overdue');
    days(31);
    const overdue = await overdueNow();
    expect(overdue).toBeGreaterThanOrEqual(1);
    for (const screen of [await civilPage.get(`/org/${civil.orgId}/matches`), await helperPage.get(`/org/${helper.orgId}/proposals`)]) {
      expect(cardOf(screen.text, record.id)).toContain('is-overdue');
      expect(screen.text).toMatch(/有 \d+ 条帮扶记录的回访已逾期/);
    }
    const profile = await new Browser(ctx.app).get(`/organizations/${helper.orgId}`);
    expect(profile.text).toContain('社会组织评估');
    expect(profile.text).toContain(`逾期未回访</dt><dd>${overdue} 次`);
  });

  it('clears the flag when the project organization records the follow-up, and schedules the next one', async () => {
    const record = await recordOf(first);
    expect((await helperPage.post(`/org/${helper.orgId}/help-records/${record.id}/follow-ups`, { notes: '孩子按时上学，学习用品已送到。' })).status).toBe(303);
    expect((await recordOf(first)).nextFollowUpOn).toBe('2026-05-01');
    const list = await db().select().from(followUps).where(eq(followUps.helpRecordId, record.id)).orderBy(asc(followUps.dueOn));
    expect(list.map((f) => [f.dueOn, f.doneOn])).toEqual([['2026-03-31', '2026-04-01'], ['2026-05-01', null]]);
    expect(list[0].notes).not.toContain('学习用品'); // encrypted at rest
    const screen = await civilPage.get(`/org/${civil.orgId}/matches`);
    expect(cardOf(screen.text, record.id)).not.toContain('is-overdue');
    expect(screen.text).toContain('孩子按时上学，学习用品已送到。');
  });

  it('makes the need met only when the help closes as met; another outcome returns the need to matching', async () => {
    const [record] = await db().select().from(helpRecords).where(eq(helpRecords.needId, first));
    const bad = await civilPage.post(`/org/${civil.orgId}/help-records/${record.id}/close`, { outcome: 'great', evaluation: '' });
    expect(bad.status).toBe(422);
    expect(await needStatus(first)).toBe('being_helped');
    expect((await civilPage.post(`/org/${civil.orgId}/help-records/${record.id}/close`, { outcome: 'met', evaluation: '学费和住宿费已全部解决。' })).status).toBe(303);
    expect(await needStatus(first)).toBe('met');
    expect((await db().select().from(publishedNeeds).where(eq(publishedNeeds.needId, first)))[0].visible).toBe(false);

    await ctx.services.matching.rematchFor({ needIds: [second] });
    const proposal = (await liveProposal(second))!;
    await ctx.services.matching.accept(helper.actor, helper.orgId, proposal.id, t);
    await ctx.services.matching.confirm(civil.actor, civil.orgId, proposal.id, t);
    expect((await projectRow(projectId)).status).toBe('full');
    const [record2] = await db().select().from(helpRecords).where(eq(helpRecords.needId, second));
    await ctx.services.helpRecords.close(civil.actor, civil.orgId, record2.id, 'not_met', '家庭搬迁，帮扶中断。');
    expect(await needStatus(second)).toBe('published');
    const profile = await new Browser(ctx.app).get(`/organizations/${helper.orgId}`);
    expect(profile.text).toContain('已结案帮扶中 50% 满足了儿童的需求');
    expect(profile.text).toMatch(/从匹配建议到开始帮扶<\/dt><dd>平均 [\d.]+ 天/);
  });

  it('computes the evaluation in SQL from the help records of the organization\'s projects', async () => {
    const evaluation = await ctx.services.helpRecords.evaluation(helper.orgId);
    const mine = await db().select({ id: helpRecords.id }).from(helpRecords).innerJoin(projects, eq(projects.id, helpRecords.projectId)).where(eq(projects.organizationId, helper.orgId));
    expect(evaluation.helpRecords).toBe(mine.length);
    expect(evaluation.closed).toBe(2);
    expect(evaluation.metPercent).toBe(50);
    expect(evaluation.overdueFollowUps).toBe(await overdueNow());
  });
});

/** Follow-ups of help in progress whose day has passed undone, counted the plain way. */
async function overdueNow(): Promise<number> {
  const open = await db().select({ id: helpRecords.id }).from(helpRecords).innerJoin(projects, eq(projects.id, helpRecords.projectId)).where(and(eq(projects.organizationId, helper.orgId), eq(helpRecords.status, 'in_progress')));
  if (open.length === 0) return 0;
  const today = new Date(clock.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const rows = await db().select().from(followUps).where(inArray(followUps.helpRecordId, open.map((o) => o.id)));
  return rows.filter((f) => f.doneOn === null && f.dueOn < today).length;
}
