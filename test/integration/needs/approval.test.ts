import { and, eq } from 'drizzle-orm';
import { auditEntries, needReviews, needs, publishedNeeds } from '../../../server/db/schema';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { actorOf, registerChild, t } from '../../support/matching';
import { seedChildren } from '../../../server/demo/county';
import type { Actor } from '../../../server/lib/authorization';

/** Two-person publication of needs: a caseworker submits, a supervisor who is someone else approves or returns. */

let ctx: TestContext;
let orgId: string;
let director: Actor;
let directorBrowser: Browser;
let supervisorBrowser: Browser;
let supervisor: Actor;
let childId: string;
let n = 0;

const browserFor = async (email: string) => {
  n++;
  const b = new Browser(ctx.app, { 'X-Forwarded-For': `198.51.100.${n}` });
  await b.logIn(email, PASSWORD);
  return b;
};

beforeAll(async () => {
  ctx = await startTestApp();
  const db = ctx.database.db;
  orgId = (await makeOrg(db, { kind: 'charity' })).id;
  const directorUser = await makeMember(db, orgId, ['caseworker']);
  const supervisorUser = await makeMember(db, orgId, ['supervisor', 'caseworker']);
  director = await actorOf(ctx, directorUser.id);
  supervisor = await actorOf(ctx, supervisorUser.id);
  directorBrowser = await browserFor(directorUser.email);
  supervisorBrowser = await browserFor(supervisorUser.email);
  // A published county around the child, so that an approved need is shown rather than held back.
  await seedChildren(db, ctx.services.children, { organizationId: orgId, createdBy: directorUser.id, countyCode: '520324', count: 200, publish: 200, seed: 17 });
  await ctx.services.needs.reanonymize();
  childId = await registerChild(ctx, director, orgId, { birth: '20140301' });
});
afterAll(() => ctx.close());

async function draft(author: Actor, description = '孩子父母在外务工，数学基础较弱，需要每周一次课业辅导。'): Promise<string> {
  const { id } = await ctx.services.needs.create(author, orgId, childId, { needKind: 'tutoring', needDescription: description, urgency: 3, amount: 120_000, quantity: null, startOn: null, endOn: null });
  return id;
}
const statusOf = async (needId: string) => (await ctx.database.db.query.needs.findFirst({ where: eq(needs.id, needId) }))!.status;
const publicRow = async (needId: string) => ctx.database.db.query.publishedNeeds.findFirst({ where: eq(publishedNeeds.needId, needId) });
const actions = async (needId: string) => (await ctx.database.db.select().from(auditEntries).where(and(eq(auditEntries.subjectType, 'need'), eq(auditEntries.subjectId, needId)))).map((a) => a.action);
const recordPath = `/org/:org/children/:child`;
const record = () => recordPath.replace(':org', orgId).replace(':child', childId);

describe('submitting a need', () => {
  it('puts it in the supervisor’s queue, awaiting approval, and publishes nothing yet', async () => {
    const needId = await draft(director);
    const res = await directorBrowser.post(`${record()}/needs/${needId}/submit`);
    expect(res.status).toBe(303);
    expect(await statusOf(needId)).toBe('awaiting_approval');
    expect(await publicRow(needId)).toBeUndefined();
    const page = await directorBrowser.get(record());
    expect(page.text).toContain('待审核');
    expect(page.text).toContain('等待儿童督导员审核');
    const queue = await supervisorBrowser.get(`/org/${orgId}/needs/approvals`);
    expect(queue.status).toBe(200);
    expect(queue.text).toContain('数学基础较弱');
    expect(queue.text).toContain(`/org/${orgId}/needs/${needId}/approve`);
    // The tuple that would be published, and never the child's name.
    expect(queue.text).toMatch(/将公开的儿童信息/);
    expect(queue.text).toContain('正安县');
    expect(queue.text).not.toMatch(/测试儿童\d+/);
    expect(await actions(needId)).toEqual(['need.create', 'need.submit']);
  });

  it('refuses to submit a need twice', async () => {
    const needId = await draft(director);
    await ctx.services.needs.submit(director, orgId, needId, t);
    await expect(ctx.services.needs.submit(director, orgId, needId, t)).rejects.toMatchObject({ messageKey: 'needs.status.cannot_submit' });
  });
});

describe('approving', () => {
  it('publishes the need as before (public code, on the board) and records who approved and when', async () => {
    const needId = await draft(director);
    await ctx.services.needs.submit(director, orgId, needId, t);
    const res = await supervisorBrowser.post(`/org/${orgId}/needs/${needId}/approve`);
    expect(res.status).toBe(303);
    const after = await supervisorBrowser.get(res.headers.location);
    expect(after.text).toContain('需求已匿名发布');
    expect(await statusOf(needId)).toBe('published');
    const pub = (await publicRow(needId))!;
    expect(pub.visible).toBe(true);
    expect((await new Browser(ctx.app).get(`/needs/${pub.publicCode}`)).status).toBe(200);
    const [review] = await ctx.database.db.select().from(needReviews).where(eq(needReviews.needId, needId));
    expect(review).toMatchObject({ kind: 'publication', requestedBy: director.userId, decision: 'approved', decidedBy: supervisor.userId });
    expect(review.decidedAt).toBeInstanceOf(Date);
    expect(await actions(needId)).toEqual(['need.create', 'need.submit', 'need.publish']);
  });

  it('shows an empty queue once everything is decided', async () => {
    const other = await makeOrg(ctx.database.db, { kind: 'charity' });
    const lonely = await browserFor((await makeMember(ctx.database.db, other.id, ['supervisor'])).email);
    const page = await lonely.get(`/org/${other.id}/needs/approvals`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('没有等待审核的需求。');
  });
});

describe('returning', () => {
  it('sends the need back to draft with a note the author reads on the child’s record', async () => {
    const needId = await draft(director);
    await ctx.services.needs.submit(director, orgId, needId, t);
    const empty = await supervisorBrowser.post(`/org/${orgId}/needs/${needId}/return`, { note: '' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('审核意见');
    expect(await statusOf(needId)).toBe('awaiting_approval');
    const res = await supervisorBrowser.post(`/org/${orgId}/needs/${needId}/return`, { note: '请写明每周辅导的时间段。' });
    expect(res.status).toBe(303);
    expect((await supervisorBrowser.get(res.headers.location)).text).toContain('已退回');
    expect(await statusOf(needId)).toBe('draft');
    expect(await publicRow(needId)).toBeUndefined();
    const page = await directorBrowser.get(record());
    expect(page.text).toContain('审核退回：');
    expect(page.text).toContain('请写明每周辅导的时间段。');
    // The note may quote what identified the child: it is stored encrypted.
    const [review] = await ctx.database.db.select().from(needReviews).where(eq(needReviews.needId, needId));
    expect(review.note).not.toContain('辅导');
    expect(await actions(needId)).toEqual(['need.create', 'need.submit', 'need.return']);
    // The author rewrites the draft and submits it again; the note no longer shows.
    const revised = await directorBrowser.post(`${record()}/needs/${needId}/revise`, { needDescription: '孩子数学基础较弱，需要每周六上午一次课业辅导。' });
    expect(revised.status).toBe(303);
    expect((await directorBrowser.post(`${record()}/needs/${needId}/submit`)).status).toBe(303);
    const again = await directorBrowser.get(record());
    expect(again.text).toContain('每周六上午');
    expect(again.text).not.toContain('请写明每周辅导的时间段。');
    expect((await supervisorBrowser.get(`/org/${orgId}/needs/approvals`)).text).toContain('每周六上午');
    // Awaiting approval, the text cannot change under the supervisor's eyes.
    const late = await directorBrowser.post(`${record()}/needs/${needId}/revise`, { needDescription: '改成别的内容，不应生效。' });
    expect(late.status).toBe(422);
    expect(late.text).toContain('只有草稿可以修改');
    expect((await directorBrowser.get(record())).text).not.toContain('改成别的内容');
  });
});

describe('four-eyes', () => {
  it('refuses a supervisor approving their own need, in Chinese and English, and changes nothing', async () => {
    const needId = await draft(supervisor);
    expect((await supervisorBrowser.post(`${record()}/needs/${needId}/submit`)).status).toBe(303);
    const queue = await supervisorBrowser.get(`/org/${orgId}/needs/approvals`);
    expect(queue.text).not.toContain(`/org/${orgId}/needs/${needId}/approve`);
    expect(queue.text).toContain('这是您提交或登记的需求');
    const res = await supervisorBrowser.post(`/org/${orgId}/needs/${needId}/approve`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('不能审核自己提交或登记的需求');
    const english = await browserFor(supervisor.email);
    await english.post('/language', { locale: 'en' });
    const en = await english.post(`/org/${orgId}/needs/${needId}/return`, { note: '自己退回自己' });
    expect(en.status).toBe(422);
    expect(en.text).toContain('You cannot approve a need you submitted or wrote');
    expect(await statusOf(needId)).toBe('awaiting_approval');
    expect(await publicRow(needId)).toBeUndefined();
    expect(await actions(needId)).toEqual(['need.create', 'need.submit']);
  });

  it('refuses the need’s author even when someone else submitted it', async () => {
    const needId = await draft(supervisor);
    await ctx.services.needs.submit(director, orgId, needId, t);
    await expect(ctx.services.needs.approve(supervisor, orgId, needId, t)).rejects.toMatchObject({ messageKey: 'needs.review.own' });
    expect(await statusOf(needId)).toBe('awaiting_approval');
  });

  it('is also a database constraint: a review cannot be decided by whoever asked for it', async () => {
    const needId = await draft(director);
    await ctx.services.needs.submit(director, orgId, needId, t);
    const err = await ctx.database.db
      .update(needReviews)
      .set({ decision: 'approved', decidedBy: director.userId, decidedAt: new Date() })
      .where(eq(needReviews.needId, needId))
      .then(() => null, (e: Error & { cause?: Error }) => e);
    expect(String(err?.cause?.message ?? err?.message)).toMatch(/need_reviews_four_eyes_chk/);
    expect(await statusOf(needId)).toBe('awaiting_approval');
  });

  it('refuses a plain caseworker and another organization’s supervisor, and changes nothing', async () => {
    const needId = await draft(director);
    await ctx.services.needs.submit(director, orgId, needId, t);
    const colleague = await browserFor((await makeMember(ctx.database.db, orgId, ['caseworker'])).email);
    expect((await colleague.post(`/org/${orgId}/needs/${needId}/approve`)).status).toBe(403);
    const other = await makeOrg(ctx.database.db, { kind: 'charity' });
    const stranger = await makeMember(ctx.database.db, other.id, ['supervisor', 'caseworker']);
    const strangerBrowser = await browserFor(stranger.email);
    expect((await strangerBrowser.post(`/org/${orgId}/needs/${needId}/approve`)).status).toBe(403);
    expect((await strangerBrowser.get(`/org/${orgId}/needs/approvals`)).status).toBe(403);
    // In their own organization's name the need is simply not there.
    await expect(ctx.services.needs.approve(await actorOf(ctx, stranger.id), other.id, needId, t)).rejects.toMatchObject({ messageKey: 'errors.not_found' });
    expect(await statusOf(needId)).toBe('awaiting_approval');
  });
});
