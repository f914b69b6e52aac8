import { and, eq, inArray } from 'drizzle-orm';
import { matchProposals, notifications, outbox, sentReminders } from '../../../server/db/schema';
import type { Actor } from '../../../server/lib/authorization';
import { startTestApp, type TestContext } from '../../support/app';
import { consentToHelp, openProject, orgWith, platformAdmin, publishNeed, registerChild, t } from '../../support/matching';

let ctx: TestContext;
let clock = new Date('2026-03-01T04:00:00Z');
const db = () => ctx.database.db;

interface Person { id: string; actor: Actor; email: string }
let childSide: { orgId: string; caseworker: Person; caseworker2: Person; admin: Person };
let projectSide: { orgId: string; admin: Person; staff: Person; caseworker: Person };
const needIds: string[] = [];

const kindsOf = async (p: Person) => (await db().select({ kind: notifications.kind }).from(notifications).where(eq(notifications.userId, p.id)).orderBy(notifications.createdAt)).map((r) => r.kind);
const countOf = async (p: Person, kind: string) => (await kindsOf(p)).filter((k) => k === kind).length;
const proposalFor = async (needId: string) => (await db().select().from(matchProposals).where(and(eq(matchProposals.needId, needId), inArray(matchProposals.status, ['proposed', 'accepted']))))[0];

beforeAll(async () => {
  ctx = await startTestApp({ now: () => clock });
  const c = await orgWith(ctx, 'government', '520324', [['caseworker'], ['caseworker'], ['admin']]);
  const person = (m: (typeof c.members)[number]): Person => ({ id: m.user.id, actor: m.actor, email: m.user.email });
  childSide = { orgId: c.org.id, caseworker: person(c.members[0]), caseworker2: person(c.members[1]), admin: person(c.members[2]) };
  const h = await orgWith(ctx, 'charity', '520300', [['admin'], ['staff'], ['caseworker']]);
  projectSide = { orgId: h.org.id, admin: person(h.members[0]), staff: person(h.members[1]), caseworker: person(h.members[2]) };
  const reviewer = (await platformAdmin(ctx)).actor;
  // Six months at most, so no disclosure falls due (or is reminded of) while these tests run.
  await openProject(ctx, projectSide.admin.actor, projectSide.orgId, reviewer, { title: '课业辅导 · 正安县', capacity: 10, endOn: '2026-07-31' });
  for (let i = 0; i < 3; i++) needIds.push(await publishNeed(ctx, childSide.caseworker.actor, childSide.orgId, await registerChild(ctx, childSide.caseworker.actor, childSide.orgId)));
}, 60_000);
afterAll(() => ctx.close());

describe('answers to match proposals', () => {
  it('proposals reach the project’s admin and staff, not its caseworker nor the child’s side', async () => {
    expect(await countOf(projectSide.admin, 'match_proposed')).toBeGreaterThan(0);
    expect(await countOf(projectSide.staff, 'match_proposed')).toBeGreaterThan(0);
    expect(await countOf(projectSide.caseworker, 'match_proposed')).toBe(0);
    expect(await countOf(childSide.caseworker, 'match_proposed')).toBe(0);
  });

  it('a declined proposal tells the child’s caseworkers and admin', async () => {
    const p = await proposalFor(needIds[1]);
    await ctx.services.matching.decline(projectSide.staff.actor, projectSide.orgId, p.id, '本期名额已有安排', t);
    for (const person of [childSide.caseworker, childSide.caseworker2, childSide.admin]) expect(await countOf(person, 'match_declined')).toBe(1);
    for (const person of [projectSide.admin, projectSide.staff]) expect(await countOf(person, 'match_declined')).toBe(0);
    const [n] = await db().select().from(notifications).where(and(eq(notifications.userId, childSide.caseworker.id), eq(notifications.kind, 'match_declined')));
    expect(n.link).toBe(`/org/${childSide.orgId}/matches`);
  });

  it('an accepted proposal asks the child’s side to confirm; confirming tells the project side that help starts', async () => {
    const p = await proposalFor(needIds[0]);
    await ctx.services.matching.accept(projectSide.admin.actor, projectSide.orgId, p.id, t);
    expect(await countOf(childSide.caseworker2, 'match_accepted')).toBe(1);
    expect(await countOf(projectSide.admin, 'match_accepted')).toBe(0);
    await consentToHelp(ctx, childSide.caseworker.actor, childSide.orgId, needIds[0]);
    await ctx.services.matching.confirm(childSide.caseworker.actor, childSide.orgId, p.id, t);
    expect(await countOf(projectSide.admin, 'match_confirmed')).toBe(1);
    expect(await countOf(projectSide.staff, 'match_confirmed')).toBe(1);
    expect(await countOf(projectSide.caseworker, 'match_confirmed')).toBe(0);
    expect(await countOf(childSide.caseworker, 'match_confirmed')).toBe(0);
    const mail = await db().select().from(outbox).where(and(eq(outbox.to, projectSide.staff.email), eq(outbox.kind, 'notification.match_confirmed')));
    expect(mail.map((m) => m.subject)).toEqual(['匹配已确认，帮扶开始']);
  });

  it('a withdrawn proposal tells the project side', async () => {
    const p = await proposalFor(needIds[2]);
    await ctx.services.matching.accept(projectSide.admin.actor, projectSide.orgId, p.id, t);
    await ctx.services.matching.withdraw(childSide.caseworker2.actor, childSide.orgId, p.id, '孩子已随父母外出', t);
    expect(await countOf(projectSide.admin, 'match_withdrawn')).toBe(1);
    expect(await countOf(projectSide.staff, 'match_withdrawn')).toBe(1);
    expect(await countOf(childSide.caseworker2, 'match_withdrawn')).toBe(0);
  });
});

describe('overdue follow-up reminders', () => {
  const run = (iso: string) => ctx.services.reminders.run(new Date(iso));
  const overdueCounts = async () => Promise.all([childSide.caseworker, childSide.caseworker2, childSide.admin, projectSide.admin, projectSide.staff, projectSide.caseworker].map((p) => countOf(p, 'follow_up_overdue')));

  it('sends nothing on the day the follow-up is due', async () => {
    // Help confirmed 2026-03-01: the first follow-up is due 30 days later, 2026-03-31.
    expect((await run('2026-03-31T04:00:00Z')).sent).toBe(0);
  });

  it('tells both organizations once it is overdue: the child’s caseworkers and admin, the project’s admin and staff', async () => {
    const unreadBefore = await ctx.services.notifications.unreadCount(projectSide.staff.actor);
    expect((await run('2026-04-01T04:00:00Z')).sent).toBe(2);
    expect(await overdueCounts()).toEqual([1, 1, 1, 1, 1, 0]);
    expect(await ctx.services.notifications.unreadCount(projectSide.staff.actor)).toBe(unreadBefore + 1);
    const [n] = await db().select().from(notifications).where(and(eq(notifications.userId, projectSide.staff.id), eq(notifications.kind, 'follow_up_overdue')));
    expect(n.params).toMatchObject({ dueOn: '2026-03-31' });
  });

  it('sends nothing new on later runs, even two at once', async () => {
    const [a, b] = await Promise.all([run('2026-04-02T04:00:00Z'), run('2026-04-02T04:00:00Z')]);
    expect(a.sent + b.sent).toBe(0);
    expect((await run('2026-04-10T04:00:00Z')).sent).toBe(0);
    expect(await overdueCounts()).toEqual([1, 1, 1, 1, 1, 0]);
    expect(await db().select().from(sentReminders)).toHaveLength(2);
  });

  it('reminds of the next follow-up only when that one is overdue too', async () => {
    clock = new Date('2026-04-10T04:00:00Z');
    const [{ helpRecordId }] = (await ctx.services.helpRecords.forOrganization(projectSide.staff.actor, projectSide.orgId, 'project')).records.map((r) => ({ helpRecordId: r.id }));
    await ctx.services.helpRecords.recordFollowUp(projectSide.staff.actor, projectSide.orgId, helpRecordId, '孩子数学作业按时完成，成绩有进步。');
    expect((await run('2026-05-10T04:00:00Z')).sent).toBe(0);
    expect((await run('2026-05-11T04:00:00Z')).sent).toBe(2);
    expect(await overdueCounts()).toEqual([2, 2, 2, 2, 2, 0]);
  });

  it('a source that fails does not stop the others', async () => {
    ctx.services.reminders.add(async () => {
      throw new Error('disclosure source down');
    });
    ctx.services.reminders.add(async () => [{ key: 'test:report_due:1', audience: { userIds: [projectSide.admin.id] }, kind: 'report_due', params: {}, link: '/notifications' }]);
    const result = await run('2026-05-12T04:00:00Z');
    expect(result).toMatchObject({ sent: 1, failedSources: 1 });
    expect(await countOf(projectSide.admin, 'report_due')).toBe(1);
    expect((await run('2026-05-13T04:00:00Z')).sent).toBe(0);
  });
});
