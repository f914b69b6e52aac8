import { and, eq } from 'drizzle-orm';
import { auditEntries, helpRecords, needReviews, needs, pairingNeeds, pairings, publishedNeeds } from '../../../server/db/schema';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { actorOf, helpFixture, publishNeed, registerChild, t } from '../../support/matching';
import type { Actor } from '../../../server/lib/authorization';

/** Withdrawing a need that is being helped takes two people; any other need is withdrawn in one step. */

let ctx: TestContext;
let orgId: string;
let admin: Actor;
let director: Actor;
let supervisor: Actor;
let directorBrowser: Browser;
let supervisorBrowser: Browser;

beforeAll(async () => {
  ctx = await startTestApp();
  const db = ctx.database.db;
  orgId = (await makeOrg(db, { kind: 'charity' })).id;
  admin = await actorOf(ctx, (await makeMember(db, orgId, ['admin'])).id);
  const directorUser = await makeMember(db, orgId, ['caseworker']);
  const supervisorUser = await makeMember(db, orgId, ['supervisor', 'caseworker']);
  director = await actorOf(ctx, directorUser.id);
  supervisor = await actorOf(ctx, supervisorUser.id);
  directorBrowser = new Browser(ctx.app, { 'X-Forwarded-For': '198.51.100.1' });
  await directorBrowser.logIn(directorUser.email, PASSWORD);
  supervisorBrowser = new Browser(ctx.app, { 'X-Forwarded-For': '198.51.100.2' });
  await supervisorBrowser.logIn(supervisorUser.email, PASSWORD);
});
afterAll(() => ctx.close());

const needRow = async (needId: string) => (await ctx.database.db.query.needs.findFirst({ where: eq(needs.id, needId) }))!;
const publicRow = async (needId: string) => ctx.database.db.query.publishedNeeds.findFirst({ where: eq(publishedNeeds.needId, needId) });
/** A need under way with a project: accepted by it and confirmed, so a help record is live. */
async function helpedNeed(): Promise<string> {
  const { helpRecordId } = await helpFixture(ctx, { orgId, admin, caseworker: director });
  return (await ctx.database.db.query.helpRecords.findFirst({ where: eq(helpRecords.id, helpRecordId) }))!.needId;
}

it('withdraws a need that is not being helped in one step', async () => {
  const needId = await publishNeed(ctx, director, orgId, await registerChild(ctx, director, orgId));
  expect(await ctx.services.needs.withdraw(director, orgId, needId, '家长已返乡', t)).toEqual({ withdrawn: true });
  expect((await needRow(needId)).status).toBe('withdrawn');
  expect(await publicRow(needId)).toBeUndefined();
});

it('only asks to withdraw a need being helped, until another supervisor approves', async () => {
  const needId = await helpedNeed();
  const need = await needRow(needId);
  expect(need.status).toBe('being_helped');
  const res = await directorBrowser.post(`/org/${orgId}/children/${need.childId}/needs/${needId}/withdraw`, { reason: '孩子随父母迁往外省' });
  expect(res.status).toBe(303);
  const record = await directorBrowser.get(res.headers.location);
  expect(record.text).toContain('撤回申请已提交');
  expect(record.text).toContain('撤回申请等待儿童督导员批准');
  expect((await needRow(needId)).status).toBe('being_helped');
  expect(await publicRow(needId)).toBeDefined();
  await expect(ctx.services.needs.withdraw(director, orgId, needId, '再申请一次', t)).rejects.toMatchObject({ messageKey: 'needs.review.already_requested' });

  const queue = await supervisorBrowser.get(`/org/${orgId}/needs/approvals`);
  expect(queue.text).toContain('撤回申请');
  expect(queue.text).toContain('孩子随父母迁往外省');
  const approved = await supervisorBrowser.post(`/org/${orgId}/needs/${needId}/approve`);
  expect(approved.status).toBe(303);
  expect((await supervisorBrowser.get(approved.headers.location)).text).toContain('已批准撤回');
  expect((await needRow(needId)).status).toBe('withdrawn');
  expect(await publicRow(needId)).toBeUndefined();
  const entries = await ctx.database.db.select().from(auditEntries).where(and(eq(auditEntries.subjectType, 'need'), eq(auditEntries.subjectId, needId)));
  expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['need.withdraw_request', 'need.withdraw']));
  expect(entries.find((e) => e.action === 'need.withdraw')).toMatchObject({ actorUserId: supervisor.userId, reason: '孩子随父母迁往外省', detail: { requestedBy: director.userId, approvedBy: supervisor.userId } });
});

it('refuses a supervisor approving their own withdrawal request; a returned request leaves the need as it was', async () => {
  const needId = await helpedNeed();
  expect(await ctx.services.needs.withdraw(supervisor, orgId, needId, '督导员自己申请撤回', t)).toEqual({ withdrawn: false });
  await expect(ctx.services.needs.approve(supervisor, orgId, needId, t)).rejects.toMatchObject({ messageKey: 'needs.review.own' });
  expect((await needRow(needId)).status).toBe('being_helped');
  const second = await actorOf(ctx, (await makeMember(ctx.database.db, orgId, ['supervisor'])).id);
  await ctx.services.needs.returnToAuthor(second, orgId, needId, '帮扶仍在进行，请先与项目方沟通。');
  expect((await needRow(needId)).status).toBe('being_helped');
  const views = await ctx.services.needs.forChild(director, orgId, (await needRow(needId)).childId);
  expect(views.find((v) => v.id === needId)).toMatchObject({ openReview: null, returnedWhat: 'withdrawal', returnNote: '帮扶仍在进行，请先与项目方沟通。', withdrawable: true });
});

it('counts a live volunteer pairing as being helped, and a closed one not', async () => {
  const needId = await publishNeed(ctx, director, orgId, await registerChild(ctx, director, orgId), { kind: 'companionship' });
  const volunteer = await makeUser(ctx.database.db, { isVolunteer: true });
  const [pairing] = await ctx.database.db
    .insert(pairings)
    .values({ organizationId: orgId, volunteerUserId: volunteer.id, roleKind: 'companion', nickname: '乐乐', status: 'active', startOn: '2026-01-01', endOn: '2027-01-01', requestedBy: director.userId, decidedBy: supervisor.userId, decidedAt: new Date() })
    .returning();
  await ctx.database.db.insert(pairingNeeds).values({ pairingId: pairing.id, needId });
  expect(await ctx.services.needs.withdraw(director, orgId, needId, '结对志愿者已联系家长', t)).toEqual({ withdrawn: false });
  expect((await needRow(needId)).status).toBe('published');
  await ctx.services.needs.returnToAuthor(supervisor, orgId, needId, '结对仍在进行。');
  await ctx.database.db.update(pairings).set({ status: 'closed', closedAt: new Date() }).where(eq(pairings.id, pairing.id));
  expect(await ctx.services.needs.withdraw(director, orgId, needId, '结对已结束，家长已返乡', t)).toEqual({ withdrawn: true });
  expect((await ctx.database.db.select().from(needReviews).where(eq(needReviews.needId, needId))).map((r) => [r.kind, r.decision])).toEqual(
    expect.arrayContaining([['publication', 'approved'], ['withdrawal', 'returned']]),
  );
});
