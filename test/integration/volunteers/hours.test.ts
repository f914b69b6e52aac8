import { and, eq } from 'drizzle-orm';
import { auditEntries, hourLogs, outbox, projectRoles, projects, roleApplications, volunteerConcerns, volunteerMessages } from '../../../server/db/schema';
import { pdfText } from '../../support/pdf-text';
import { Browser } from '../../support/app';
import { activePairing, signUpAndJoin, volunteerWorld, type VolunteerWorld } from './setup';

let w: VolunteerWorld;
let pairingId: string;
let projectId: string;
let roleId: string;
beforeAll(async () => {
  w = await volunteerWorld();
  await signUpAndJoin(w);
  pairingId = await activePairing(w);
  w.clock.set('2026-06-20');
  // A help project of the organization with two volunteer roles (written directly: the projects area is not under test).
  const [project] = await db()
    .insert(projects)
    .values({ organizationId: w.orgId, title: '山花伴读计划', description: '每周陪伴阅读', needKinds: ['companionship', 'tutoring'], regionCodes: ['520324'], minAge: 6, maxAge: 14, capacity: 20, startOn: '2026-05-01', endOn: '2027-05-01', status: 'open' })
    .returning();
  projectId = project.id;
  const roles = await db()
    .insert(projectRoles)
    .values([
      { projectId, title: '每周数学辅导', roleKind: 'tutor', cadence: '每周一次', requiredSkills: ['math'], slots: 1 },
      { projectId, title: '心理辅导员', roleKind: 'counselor', cadence: '每月两次', requiredSkills: [], slots: 2 },
    ])
    .returning();
  roleId = roles[0].id;
}, 120_000);
afterAll(() => w.ctx.close());

const db = () => w.ctx.database.db;
const logs = () => db().select().from(hourLogs);
const logHours = (over: Record<string, string> = {}) => w.volunteer.post('/volunteer/hours', { pairingId, workedOn: '2026-06-13', startTime: '09:00', hours: '2', task: '陪孩子读书、做手工', ...over });

describe('hour logs', () => {
  it('logs hours against a pairing', async () => {
    expect((await logHours()).status).toBe(303);
    expect(await logs()).toMatchObject([{ status: 'pending', minutes: 120, startMinute: 540, regionCode: expect.stringMatching(/^5203/) }]);
  });

  it('refuses a future day, an overlap and more than 24 hours in a day, with clear messages, changing nothing', async () => {
    const future = await logHours({ workedOn: '2026-06-21' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('服务日期：不能记录将来的日期');
    const overlap = await logHours({ startTime: '10:30', hours: '1' });
    expect(overlap.status).toBe(422);
    expect(overlap.text).toContain('开始时间：与您已有的 09:00–11:00 的记录时间重叠');
    const crowded = await logHours({ startTime: '', hours: '23' });
    expect(crowded.status).toBe(422);
    expect(crowded.text).toContain('时长（小时）：当天已记录 2 小时，一天合计不能超过 24 小时');
    const midnight = await logHours({ startTime: '23:00', hours: '2', workedOn: '2026-06-14' });
    expect(midnight.status).toBe(422);
    expect(midnight.text).toContain('不能跨过午夜');
    expect(await logs()).toHaveLength(1);
  });

  it('logs an activity of the organization (not a pairing) that touches but does not overlap', async () => {
    expect((await logHours({ pairingId: '', organizationId: w.orgId, activity: '六一儿童节游园会', startTime: '11:00', hours: '3' })).status).toBe(303);
    expect(await logs()).toHaveLength(2);
  });

  it('is approved or rejected (with a reason) by the organization; the volunteer sees the decision', async () => {
    const [first, second] = (await logs()).sort((a, b) => a.minutes - b.minutes);
    const noReason = await w.staff.post(`/org/${w.orgId}/volunteers/hours/${second.id}/decision`, { decision: 'reject' });
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('不通过时请写明原因');
    expect((await w.staff.post(`/org/${w.orgId}/volunteers/hours/${first.id}/decision`, { decision: 'approve' })).status).toBe(303);
    expect((await w.caseworker.post(`/org/${w.orgId}/volunteers/hours/${second.id}/decision`, { decision: 'reject', decisionNote: '当天活动已由机构统一记录' })).status).toBe(303);
    const again = await w.staff.post(`/org/${w.orgId}/volunteers/hours/${first.id}/decision`, { decision: 'reject', decisionNote: '重复' });
    expect(again.status).toBe(422);
    const mine = await w.volunteer.get('/volunteer/hours');
    expect(mine.text).toContain('已确认 2 小时，待审核 0 小时');
    expect(mine.text).toContain('当天活动已由机构统一记录');
  });

  it('frees a rejected log’s time for a new log, here against one of the organization’s projects', async () => {
    expect((await logHours({ pairingId: '', organizationId: w.orgId, projectId, activity: '游园会（补记）', startTime: '11:00', hours: '3' })).status).toBe(303);
    const [log] = (await logs()).filter((l) => l.status === 'pending');
    await w.staff.post(`/org/${w.orgId}/volunteers/hours/${log.id}/decision`, { decision: 'approve' });
  });

  it('totals approved hours per volunteer and region on the organization’s page', async () => {
    const page = await w.staff.get(`/org/${w.orgId}/volunteers/hours`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('合计 5 小时，2 条记录');
    expect(page.text).toContain('林小雨: 5 小时');
    const totals = await w.ctx.services.volunteerHours.totals(w.orgId, (k) => k);
    expect(totals.total).toEqual({ minutes: 300, hours: '5', logs: 2 });
    expect(totals.byVolunteer).toMatchObject([{ key: w.volunteerId, minutes: 300 }]);
    expect(totals.byProject).toMatchObject([{ key: projectId, label: '山花伴读计划', minutes: 180 }]);
    expect(page.text).toContain('山花伴读计划: 3 小时');
    expect(totals.byRegion.reduce((s, r) => s + r.minutes, 0)).toBe(300);
  });
});

describe('certificates', () => {
  let code: string;
  it('issues a certificate of approved hours with a verification code, as a Chinese PDF', async () => {
    const res = await w.volunteer.post('/volunteer/certificates', { organizationId: w.orgId });
    expect(res.status).toBe(303);
    const page = await w.volunteer.get('/volunteer/hours');
    code = /<code>(VC-[A-Z0-9-]+)<\/code>/.exec(page.text)![1];
    const id = /\/volunteer\/certificates\/([0-9a-f-]{36})\/certificate\.pdf/.exec(page.text)![1];
    const pdf = await w.volunteer.agent.get(`/volunteer/certificates/${id}/certificate.pdf`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const body = pdf.body as Buffer;
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    const { text } = pdfText(body);
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain('志愿服务证明');
    expect(flat).toContain('林小雨');
    expect(flat).toContain('遵义市春苗儿童关爱中心');
    expect(flat).toContain('5小时');
    expect(flat).toContain(code);
    expect(flat).toContain(`/certificates/${code}`);
  });

  it('can be checked by anyone on the public page, with the name masked; unknown codes are not found', async () => {
    const anyone = new Browser(w.ctx.app);
    const page = await anyone.get(`/certificates/${code.toLowerCase().replace(/-/g, ' ')}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('这是一份有效的志愿服务证明');
    expect(page.text).toContain('林*雨');
    expect(page.text).not.toContain('林小雨');
    expect(page.text).toContain('遵义市春苗儿童关爱中心');
    expect(page.text).toContain('5 小时');
    expect((await anyone.get('/certificates/VC-2345-6789-AB')).status).toBe(404);
    expect((await anyone.get('/certificates/not-a-code')).status).toBe(404);
    const lookup = await anyone.get(`/certificates?code=${code}`);
    expect(lookup.status).toBe(303);
  });

  it('cannot be downloaded by anyone but its volunteer', async () => {
    const page = await w.volunteer.get('/volunteer/hours');
    const id = /\/volunteer\/certificates\/([0-9a-f-]{36})\/certificate\.pdf/.exec(page.text)![1];
    expect((await w.staff.get(`/volunteer/certificates/${id}/certificate.pdf`)).status).toBe(403);
  });

  it('is refused when there are no approved hours', async () => {
    const other = await w.ctx.services.volunteerHours.issueCertificate((await w.ctx.services.accounts.loadActor(w.volunteerId))!, '00000000-0000-4000-8000-000000000000').catch((e: Error) => e.message);
    expect(other).toBe('volunteers.certificate.no_hours');
  });
});

describe('messages between volunteer and organization', () => {
  it('refuses a message carrying a phone number or a WeChat id, shows what was found, stores nothing and audits the attempt', async () => {
    const phone = await w.volunteer.post(`/volunteer/organizations/${w.orgId}/messages`, { messageBody: '小花奶奶说可以直接打 13912345678 联系。' });
    expect(phone.status).toBe(422);
    expect(phone.text).toContain('含有联系方式 「13912345678」（电话号码）');
    const wechat = await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/messages`, { messageBody: '有事加我微信 chunmiao_2026' });
    expect(wechat.status).toBe(422);
    expect(wechat.text).toContain('「chunmiao_2026」（微信号）');
    expect(await db().select().from(volunteerMessages)).toHaveLength(0);
    const refused = await db().select().from(auditEntries).where(eq(auditEntries.action, 'message.contact_refused'));
    expect(refused).toHaveLength(2);
    expect(JSON.stringify(refused)).not.toContain('13912345678');
  });

  it('delivers a clean message both ways, encrypted at rest', async () => {
    expect((await w.volunteer.post(`/volunteer/organizations/${w.orgId}/messages`, { messageBody: '下周六上午想带小花去县图书馆，可以吗？' })).status).toBe(303);
    expect((await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/messages`, { messageBody: '可以，儿童主任会陪同。' })).status).toBe(303);
    const rows = await db().select().from(volunteerMessages);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.body).join()).not.toContain('图书馆');
    expect((await w.staff.get(`/org/${w.orgId}/volunteers/${w.volunteerId}`)).text).toContain('县图书馆');
    expect((await w.volunteer.get(`/volunteer/organizations/${w.orgId}`)).text).toContain('儿童主任会陪同');
  });
});

describe('report a concern', () => {
  it('goes to the organization’s admins, encrypted, audited when reported and when read; mail carries no detail', async () => {
    const res = await w.volunteer.post(`/volunteer/organizations/${w.orgId}/concerns`, { pairingId, concern: '孩子手臂上有淤青，说是被邻居推倒的，我很担心。' });
    expect(res.status).toBe(303);
    const [row] = await db().select().from(volunteerConcerns);
    expect(row.body).not.toContain('淤青');
    expect(await db().select().from(auditEntries).where(and(eq(auditEntries.action, 'concern.report'), eq(auditEntries.subjectId, row.id)))).toHaveLength(1);
    const mail = await db().select().from(outbox).where(eq(outbox.kind, 'volunteer_concern'));
    expect(mail.map((m) => m.to)).toEqual([w.adminEmail]);
    expect(mail[0].body).not.toContain('淤青');
    expect((await w.staff.get(`/org/${w.orgId}/volunteers/concerns`)).status).toBe(403);
    const page = await w.admin.get(`/org/${w.orgId}/volunteers/concerns`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('孩子手臂上有淤青');
    expect(page.text).toContain('小花');
    expect(await db().select().from(auditEntries).where(eq(auditEntries.action, 'concern.view'))).toHaveLength(1);
  });
});

describe('opportunities', () => {
  it('shows the roles that fit the volunteer, and lets them apply once', async () => {
    const page = await w.volunteer.get('/volunteer/opportunities');
    expect(page.status).toBe(200);
    expect(page.text).toContain('每周数学辅导');
    expect(page.text).toContain('就在您所在的县');
    // The volunteer offers no psychological support: the counselor role does not fit.
    expect(page.text).not.toContain('心理辅导员</h2>');
    expect((await w.volunteer.post(`/volunteer/opportunities/${roleId}/apply`, { applicationMessage: '周末有空' })).status).toBe(303);
    expect((await w.volunteer.post(`/volunteer/opportunities/${roleId}/apply`, {})).status).toBe(409);
    expect((await w.volunteer.get('/volunteer/opportunities')).text).toContain('已申请');
  });

  it('lets the organization accept the application, within the role’s slots', async () => {
    const overview = await w.staff.get(`/org/${w.orgId}/volunteers`);
    expect(overview.text).toContain('每周数学辅导');
    const [app] = await db().select().from(roleApplications);
    expect((await w.staff.post(`/org/${w.orgId}/volunteers/applications/${app.id}/decision`, { decision: 'accept' })).status).toBe(303);
    expect((await db().select().from(roleApplications))[0].status).toBe('accepted');
    expect((await w.volunteer.get('/volunteer/opportunities')).text).not.toContain('每周数学辅导');
  });
});
