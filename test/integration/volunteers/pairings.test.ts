import { and, eq } from 'drizzle-orm';
import { auditEntries, checkIns, pairings, users, volunteerProfiles } from '../../../server/db/schema';
import { Browser } from '../../support/app';
import { makeUser, PASSWORD } from '../../support/factories';
import { activePairing, recordConsent, SECRETS, signUpAndJoin, PROFILE, VALID_VETTING, volunteerWorld, type VolunteerWorld } from './setup';

let w: VolunteerWorld;
beforeAll(async () => {
  w = await volunteerWorld();
}, 120_000);
afterAll(() => w.ctx.close());

const db = () => w.ctx.database.db;
const pairingRows = () => db().select().from(pairings);
const leaks = (html: string) => SECRETS.filter((s) => html.includes(s));

describe('signing up as a volunteer', () => {
  it('keeps the volunteer area to volunteers: an account without the capacity may only sign up', async () => {
    expect((await w.volunteer.get('/volunteer')).status).toBe(403);
    expect((await w.volunteer.get('/volunteer/hours')).status).toBe(403);
    expect((await w.volunteer.get('/volunteer/profile')).status).toBe(200);
    expect((await w.staff.get(`/org/${w.orgId}/volunteers/hours`)).status).toBe(200);
    expect((await new Browser(w.ctx.app).get('/volunteer')).status).toBe(303);
  });

  it('names what is missing in the profile and saves nothing', async () => {
    const res = await w.volunteer.post('/volunteer/profile', { ...PROFILE, skills: [], regionCode: '' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('可提供的帮助：请至少选择一项');
    expect(res.text).toContain('请填写所在县（区），或勾选“只做线上服务”');
    expect(await db().select().from(volunteerProfiles)).toHaveLength(0);
  });

  it('saves the profile, makes the account a volunteer and joins an organization', async () => {
    await signUpAndJoin(w);
    const [user] = await db().select().from(users).where(eq(users.id, w.volunteerId));
    expect(user.isVolunteer).toBe(true);
    const home = await w.volunteer.get('/volunteer');
    expect(home.status).toBe(200);
    expect(home.text).toContain('遵义市春苗儿童关爱中心');
    expect(home.text).toContain('尚未通过审核');
    const profile = await w.staff.get(`/org/${w.orgId}/volunteers/${w.volunteerId}`);
    expect(profile.text).toContain('大学时参加过支教');
    expect(profile.text).toContain('贵州省遵义市正安县');
  });
});

describe('a member who also volunteers', () => {
  it('joins their own organization but cannot vet themselves', async () => {
    expect((await w.staff.post('/volunteer/profile', { ...PROFILE, motivation: '机构同事，周末也想做志愿者。' })).status).toBe(303);
    expect((await w.staff.post('/volunteer/organizations', { organizationId: w.orgId })).status).toBe(303);
    const own = await w.staff.post(`/org/${w.orgId}/volunteers/${w.staffId}/vetting`, VALID_VETTING);
    expect(own.status).toBe(422);
    expect(own.text).toContain('不能审核自己的志愿者资格');
  });
});

describe('pairing a volunteer', () => {
  const request = (over: Record<string, string | string[]> = {}) =>
    w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/pairings`, { needIds: [w.needId], nickname: '小花', roleKind: 'companion', termMonths: '', checkInEvery: 'month', ...over });

  it('refuses an unvetted volunteer, listing every missing step, and changes nothing', async () => {
    const res = await request();
    expect(res.status).toBe(422);
    expect(res.text).toContain('该志愿者尚不能结对：尚未核验身份；没有无犯罪记录证明；尚未完成任何培训；尚未获得“陪伴志愿者（爱心家长）”岗位资格。未做任何更改。');
    expect(await pairingRows()).toHaveLength(0);
  });

  it('refuses vetting dated in the future, naming the field', async () => {
    const res = await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, { ...VALID_VETTING, identityVerifiedOn: '2026-06-02' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('身份核验日期：不能是将来的日期');
  });

  it('refuses a volunteer whose background check has expired', async () => {
    await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, { ...VALID_VETTING, backgroundCheckOn: '2025-01-10', backgroundCheckExpiresOn: '2026-01-10' });
    const res = await request();
    expect(res.status).toBe(422);
    expect(res.text).toContain('无犯罪记录证明已于 2026-01-10 过期');
    expect(await pairingRows()).toHaveLength(0);
  });

  it('refuses the child’s full name as nickname, and needs of two children', async () => {
    expect((await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, VALID_VETTING)).status).toBe(303);
    const named = await request({ nickname: '冉小花' });
    expect(named.status).toBe(422);
    expect(named.text).toContain('对孩子的称呼：称呼不能是儿童或监护人的全名');
    const two = await request({ needIds: [w.needId, w.otherChildNeedId] });
    expect(two.status).toBe(422);
    expect(two.text).toContain('一个结对只能包含同一名儿童的需求');
    expect(await pairingRows()).toHaveLength(0);
  });

  let pairingId: string;
  it('is requested by the organization, and the volunteer sees nothing until a caseworker approves', async () => {
    const res = await request();
    expect(res.status).toBe(303);
    pairingId = String(res.headers.location).split('/').pop()!;
    expect((await pairingRows())[0]).toMatchObject({ status: 'requested', termMonths: 12, checkInEvery: 'month' });
    expect((await w.volunteer.get(`/volunteer/pairings/${pairingId}`)).status).toBe(404);
    expect((await w.volunteer.get('/volunteer')).text).not.toContain('小花');
    // The need is held by the request: it cannot be paired twice.
    const again = await request({ nickname: '花花' });
    expect(again.status).toBe(422);
    expect(again.text).toContain('所选需求已在另一个结对中');
  });

  it('cannot be approved by staff, only by a caseworker, once the guardian has consented', async () => {
    expect((await w.staff.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/approve`)).status).toBe(403);
    await recordConsent(w, pairingId);
    const ok = await w.caseworker.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/approve`);
    expect(ok.status).toBe(303);
    expect((await pairingRows())[0]).toMatchObject({ status: 'active', startOn: '2026-06-01', endOn: '2027-06-01' });
    const audit = await db().select().from(auditEntries).where(and(eq(auditEntries.subjectId, pairingId), eq(auditEntries.action, 'pairing.approve')));
    expect(audit).toHaveLength(1);
  });

  it('shows the volunteer the nickname, the need’s public facts and the schedule, and nothing that identifies the child', async () => {
    const page = await w.volunteer.get(`/volunteer/pairings/${pairingId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('小花');
    expect(page.text).toContain('亲情陪伴');
    expect(page.text).toContain('正安县');
    expect(page.text).toMatch(/\d{1,2}-\d{1,2} 岁/);
    expect(page.text).toContain('下次联系');
    expect(page.text).toContain('2026-07-01');
    for (const path of [`/volunteer/pairings/${pairingId}`, '/volunteer', '/volunteer/hours', `/volunteer/organizations/${w.orgId}`]) {
      const res = await w.volunteer.get(path);
      expect(res.status).toBe(200);
      expect({ path, leaks: leaks(res.text) }).toEqual({ path, leaks: [] });
    }
  });

  it('lets the caseworker reach the child’s record from the pairing; staff see neither the link nor check-in notes', async () => {
    const cw = await w.caseworker.get(`/org/${w.orgId}/volunteers/pairings/${pairingId}`);
    expect(cw.text).toContain(`/org/${w.orgId}/children/${w.childId}`);
    const staff = await w.staff.get(`/org/${w.orgId}/volunteers/pairings/${pairingId}`);
    expect(staff.status).toBe(200);
    expect(staff.text).not.toContain(`/children/${w.childId}`);
    expect(staff.text).toContain('联系记录的内容只有儿童主任、督导员和机构管理员可见');
  });
});

describe('check-ins', () => {
  let pairingId: string;
  beforeAll(async () => {
    [{ id: pairingId }] = await db().select({ id: pairings.id }).from(pairings).where(eq(pairings.status, 'active'));
  });
  const checkIn = (over: Record<string, string> = {}) => w.volunteer.post(`/volunteer/pairings/${pairingId}/check-ins`, { occurredOn: '2026-06-01', mode: 'visit', minutes: '90', notes: '一起读了绘本，孩子很开心，说想学画画。', ...over });

  it('refuses a check-in in the future or before the pairing started', async () => {
    const future = await checkIn({ occurredOn: '2026-06-02' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('联系日期：不能是将来的日期');
    const before = await checkIn({ occurredOn: '2026-05-30' });
    expect(before.status).toBe(422);
    expect(before.text).toContain('不能早于结对开始日期 2026-06-01');
    expect(await db().select().from(checkIns)).toHaveLength(0);
  });

  it('records a check-in with its notes encrypted; the caseworker reads and reviews it', async () => {
    expect((await checkIn()).status).toBe(303);
    const [row] = await db().select().from(checkIns);
    expect(row.notes).not.toContain('绘本');
    const page = await w.caseworker.get(`/org/${w.orgId}/volunteers/pairings/${pairingId}`);
    expect(page.text).toContain('一起读了绘本');
    expect((await w.caseworker.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/check-ins/${row.id}/review`, { reviewNote: '很好' })).status).toBe(303);
    expect((await w.volunteer.get(`/volunteer/pairings/${pairingId}`)).text).toContain('儿童主任已阅');
  });

  it('flags a missed check-in to the organization after a week’s grace, until the volunteer checks in', async () => {
    w.clock.set('2026-07-08');
    expect(await w.ctx.services.pairings.missedCheckIns(w.orgId)).toEqual([]);
    w.clock.set('2026-07-09');
    const missed = await w.ctx.services.pairings.missedCheckIns(w.orgId);
    expect(missed).toMatchObject([{ pairingId, nickname: '小花', volunteerName: '林小雨', schedule: { dueOn: '2026-07-01', daysOverdue: 8, missedCount: 1 } }]);
    const overview = await w.staff.get(`/org/${w.orgId}/volunteers`);
    expect(overview.text).toContain('未按时进行的定期联系');
    expect(overview.text).toContain('应于 2026-07-01 联系，已逾期 8 天');
    expect((await checkIn({ occurredOn: '2026-07-09', mode: 'video', minutes: '40' })).status).toBe(303);
    expect(await w.ctx.services.pairings.missedCheckIns(w.orgId)).toEqual([]);
    expect((await w.staff.get(`/org/${w.orgId}/volunteers`)).text).not.toContain('未按时进行的定期联系');
  });
});

describe('suspension when the background check expires', () => {
  let pairingId: string;
  beforeAll(async () => {
    [{ id: pairingId }] = await db().select({ id: pairings.id }).from(pairings).where(eq(pairings.status, 'active'));
  });

  it('keeps the pairing on the check’s last day and suspends it on the scheduled run the day after, audited', async () => {
    w.clock.set('2026-08-31');
    expect(await w.ctx.services.pairings.suspendExpired()).toEqual([]);
    w.clock.set('2026-09-01');
    expect(await w.ctx.services.pairings.suspendExpired()).toMatchObject([{ pairingId, organizationId: w.orgId }]);
    expect((await pairingRows()).find((p) => p.id === pairingId)).toMatchObject({ status: 'suspended', statusReason: 'background_check_expired' });
    const audit = await db().select().from(auditEntries).where(and(eq(auditEntries.subjectId, pairingId), eq(auditEntries.action, 'pairing.suspend')));
    expect(audit).toHaveLength(1);
  });

  it('tells the volunteer, refuses check-ins, and resumes only with a new check', async () => {
    const page = await w.volunteer.get(`/volunteer/pairings/${pairingId}`);
    expect(page.text).toContain('您的无犯罪记录证明已过期，结对已自动停止');
    const refused = await w.volunteer.post(`/volunteer/pairings/${pairingId}/check-ins`, { occurredOn: '2026-09-01', mode: 'visit', minutes: '60', notes: '见面聊天。' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('结对当前为“已停止（审核过期）”，不能记录联系。');
    const resume = await w.staff.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/status`, { action: 'resume' });
    expect(resume.status).toBe(422);
    expect(resume.text).toContain('无犯罪记录证明已于 2026-08-31 过期');
    await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, { ...VALID_VETTING, backgroundCheckOn: '2026-08-25', backgroundCheckExpiresOn: '' });
    expect((await w.staff.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/status`, { action: 'resume' })).status).toBe(303);
    expect((await pairingRows()).find((p) => p.id === pairingId)!.status).toBe('active');
  });

  it('suspends on the read path too, without waiting for the timer', async () => {
    await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, { ...VALID_VETTING, backgroundCheckOn: '2025-08-25', backgroundCheckExpiresOn: '2026-08-30' });
    expect((await pairingRows()).find((p) => p.id === pairingId)!.status).toBe('suspended');
    await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, { ...VALID_VETTING, backgroundCheckOn: '2026-08-25', backgroundCheckExpiresOn: '' });
    await w.staff.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/status`, { action: 'resume' });
  });
});

describe('pausing, renewing and closing', () => {
  let pairingId: string;
  beforeAll(async () => {
    [{ id: pairingId }] = await db().select({ id: pairings.id }).from(pairings).where(eq(pairings.status, 'active'));
  });
  const change = (form: Record<string, string>) => w.staff.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/status`, form);

  it('pauses with a reason and renews for another term', async () => {
    expect((await change({ action: 'pause' })).status).toBe(422);
    expect((await change({ action: 'pause', reason: 'school_holiday' })).status).toBe(303);
    expect((await w.volunteer.get(`/volunteer/pairings/${pairingId}`)).text).toContain('结对已暂停');
    expect((await change({ action: 'renew' })).status).toBe(303);
    expect((await pairingRows()).find((p) => p.id === pairingId)).toMatchObject({ status: 'active', endOn: '2028-06-01', renewals: 1 });
  });

  it('closes only with a reason and a note; the volunteer no longer sees the pairing', async () => {
    const noNote = await change({ action: 'close', reason: 'need_met' });
    expect(noNote.status).toBe(422);
    expect(noNote.text).toContain('说明：必填');
    expect((await change({ action: 'close', reason: 'need_met', closingNote: '孩子适应了新学校，性格开朗了许多。' })).status).toBe(303);
    expect((await pairingRows()).find((p) => p.id === pairingId)).toMatchObject({ status: 'closed', statusReason: 'need_met' });
    expect((await w.volunteer.get(`/volunteer/pairings/${pairingId}`)).status).toBe(404);
    expect((await change({ action: 'resume' })).status).toBe(422);
  });

  it('refuses the person who asked for a pairing as its approver', async () => {
    expect(await activePairing(w, { nickname: '花花', vetting: { ...VALID_VETTING, backgroundCheckOn: '2026-08-25', backgroundCheckExpiresOn: '' } })).toMatch(/^[0-9a-f-]{36}$/);
    // The caseworker asks this time, so the caseworker cannot approve.
    const res = await w.caseworker.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/pairings`, { needIds: [w.otherChildNeedId], nickname: '阿明', roleKind: 'companion', checkInEvery: 'week' });
    expect(res.text.match(/alert-error[^<]*<|error-text[^<]*</g) ?? []).toEqual([]);
    expect(res.status).toBe(303);
    const other = String(res.headers.location).split('/').pop()!;
    const own = await w.caseworker.post(`/org/${w.orgId}/volunteers/pairings/${other}/approve`);
    expect(own.status).toBe(422);
    expect(own.text).toContain('结对须由提出申请者和志愿者本人以外的儿童主任或督导员批准');
  });
});

describe('another volunteer', () => {
  it('never sees someone else’s pairing', async () => {
    const [{ id }] = await db().select({ id: pairings.id }).from(pairings).where(eq(pairings.status, 'active'));
    const stranger = new Browser(w.ctx.app, { 'X-Forwarded-For': '198.51.100.77' });
    const u = await makeUser(db(), { isVolunteer: true });
    await stranger.logIn(u.email, PASSWORD);
    expect((await stranger.get(`/volunteer/pairings/${id}`)).status).toBe(404);
  });
});
