import { and, eq } from 'drizzle-orm';
import { hourLogs, memberships, notifications, outbox, sentReminders, users } from '../../../server/db/schema';
import { activePairing, signUpAndJoin, volunteerWorld, type VolunteerWorld } from '../volunteers/setup';

let w: VolunteerWorld;
let ids: { admin: string; staff: string; caseworker: string; volunteer: string };
beforeAll(async () => {
  w = await volunteerWorld();
  await signUpAndJoin(w);
  const [admin] = await db().select({ id: users.id }).from(users).where(eq(users.email, w.adminEmail));
  const caseworker = (await db().select().from(memberships).where(eq(memberships.organizationId, w.orgId))).find((m) => m.roles.includes('caseworker'))!;
  ids = { admin: admin.id, staff: w.staffId, caseworker: caseworker.userId, volunteer: w.volunteerId };
}, 120_000);
afterAll(() => w.ctx.close());

const db = () => w.ctx.database.db;
/** Each person's notifications as kinds, oldest first. */
async function received(): Promise<Record<keyof typeof ids, string[]>> {
  const rows = await db().select({ userId: notifications.userId, kind: notifications.kind, createdAt: notifications.createdAt }).from(notifications).orderBy(notifications.createdAt);
  const out = {} as Record<keyof typeof ids, string[]>;
  for (const [name, id] of Object.entries(ids) as Array<[keyof typeof ids, string]>) out[name] = rows.filter((r) => r.userId === id).map((r) => r.kind);
  return out;
}
const unreadOf = async (userId: string) => w.ctx.services.notifications.unreadCount((await w.ctx.services.accounts.loadActor(userId))!);

let pairingId: string;

describe('pairing notifications', () => {
  it('asks the caseworkers to approve a requested pairing, not the staff member who asked, nor the volunteer', async () => {
    pairingId = await activePairing(w);
    const got = await received();
    expect(got.caseworker).toEqual(['pairing_requested']);
    expect(got.staff).toEqual(['pairing_approved']);
    expect(got.volunteer).toEqual(['pairing_approved']);
    expect(got.admin).toEqual([]);
    const [request] = await db().select().from(notifications).where(and(eq(notifications.userId, ids.caseworker), eq(notifications.kind, 'pairing_requested')));
    expect(request.link).toBe(`/org/${w.orgId}/volunteers/pairings/${pairingId}`);
  });

  it('tells the volunteer on their own page and the requester on the organization’s; the approver hears nothing of their own approval', async () => {
    const page = await w.volunteer.get('/notifications');
    expect(page.text).toContain('结对已获批准');
    const [mine] = await db().select().from(notifications).where(eq(notifications.userId, ids.volunteer));
    expect(mine.link).toBe(`/volunteer/pairings/${pairingId}`);
    expect((await received()).caseworker.filter((k) => k === 'pairing_approved')).toEqual([]);
  });

  it('tells the requester and the volunteer of a declined request', async () => {
    const res = await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/pairings`, { needIds: [w.otherChildNeedId], nickname: '小军', roleKind: 'companion', termMonths: '12', checkInEvery: 'month' });
    expect(res.status).toBe(303);
    const id = String(res.headers.location).split('/').pop()!;
    expect((await w.caseworker.post(`/org/${w.orgId}/volunteers/pairings/${id}/decline`, { closingNote: '孩子近期转学，暂缓结对' })).status).toBe(303);
    const got = await received();
    expect(got.staff).toEqual(['pairing_approved', 'pairing_declined']);
    expect(got.volunteer).toEqual(['pairing_approved', 'pairing_declined']);
    expect(got.caseworker).toEqual(['pairing_requested', 'pairing_requested']);
    const mail = await db().select().from(outbox).where(eq(outbox.kind, 'notification.pairing_declined'));
    expect(mail).toHaveLength(2);
    expect(mail.every((m) => m.subject === '结对申请未获批准')).toBe(true);
  });
});

describe('hour log notifications', () => {
  it('asks the organization’s coordinators to approve logged hours, never the volunteer who logged them', async () => {
    w.clock.set('2026-06-20');
    const before = await unreadOf(ids.admin);
    expect((await w.volunteer.post('/volunteer/hours', { pairingId, workedOn: '2026-06-13', startTime: '09:00', hours: '2', task: '陪孩子读书、做手工' })).status).toBe(303);
    const got = await received();
    for (const coordinator of [got.admin, got.staff, got.caseworker]) expect(coordinator.at(-1)).toBe('hours_to_approve');
    expect(got.volunteer).not.toContain('hours_to_approve');
    expect(await unreadOf(ids.admin)).toBe(before + 1);
    expect((await w.admin.get('/notifications')).text).toContain('有志愿服务时长待审核');
  });

  it('tells the volunteer when hours are approved, and when they are rejected', async () => {
    const [first] = await db().select().from(hourLogs);
    expect((await w.staff.post(`/org/${w.orgId}/volunteers/hours/${first.id}/decision`, { decision: 'approve' })).status).toBe(303);
    expect((await w.volunteer.post('/volunteer/hours', { pairingId, workedOn: '2026-06-14', startTime: '09:00', hours: '1', task: '辅导数学作业' })).status).toBe(303);
    const [second] = await db().select().from(hourLogs).where(eq(hourLogs.status, 'pending'));
    expect((await w.caseworker.post(`/org/${w.orgId}/volunteers/hours/${second.id}/decision`, { decision: 'reject', decisionNote: '当天已由机构统一记录' })).status).toBe(303);
    const got = await received();
    expect(got.volunteer).toEqual(['pairing_approved', 'pairing_declined', 'hours_approved', 'hours_rejected']);
    expect(got.staff.filter((k) => k.startsWith('hours_') && k !== 'hours_to_approve')).toEqual([]);
    const page = await w.volunteer.get('/notifications');
    expect(page.text).toContain('志愿服务时长已通过审核');
    expect(page.text).toContain('志愿服务时长未通过审核');
  });
});

describe('missed check-in reminders', () => {
  const run = (day: string) => w.ctx.services.reminders.run(new Date(`${day}T04:00:00Z`));
  const missedOf = async () => (await received()).caseworker.filter((k) => k === 'check_in_missed').length + (await received()).volunteer.filter((k) => k === 'check_in_missed').length;

  it('sends nothing while the check-in is only due (within the grace period)', async () => {
    // Approved 2026-06-01, monthly: due 2026-07-01, missed after the 7-day grace.
    expect((await run('2026-07-08')).sent).toBe(0);
    expect(await missedOf()).toBe(0);
  });

  it('tells the pairing’s caseworkers and the volunteer once the check-in is missed, and only once', async () => {
    const before = await received();
    expect((await run('2026-07-10')).sent).toBe(2);
    const got = await received();
    expect(got.caseworker.slice(before.caseworker.length)).toEqual(['check_in_missed']);
    expect(got.volunteer.slice(before.volunteer.length)).toEqual(['check_in_missed']);
    expect(got.staff).toEqual(before.staff);
    expect(got.admin).toEqual(before.admin);
    const again = await run('2026-07-11');
    expect(again.sent).toBe(0);
    expect(again.due).toBe(2);
    expect(await missedOf()).toBe(2);
    expect(await db().select().from(sentReminders)).toHaveLength(2);
  });

  it('reminds again only when a new due day is missed after the volunteer checks in', async () => {
    w.clock.set('2026-07-12');
    expect((await w.volunteer.post(`/volunteer/pairings/${pairingId}/check-ins`, { occurredOn: '2026-07-12', mode: 'visit', minutes: '60', notes: '一起读了绘本，孩子很开心。' })).status).toBe(303);
    expect((await run('2026-07-20')).sent).toBe(0);
    expect((await run('2026-08-20')).sent).toBe(2);
    expect(await missedOf()).toBe(4);
  });
});
