import { and, eq, sql } from 'drizzle-orm';
import { auditEntries, checkIns, guardianConsents, guardianContacts, pairings } from '../../../server/db/schema';
import { Browser } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { CHILD, recordConsent, signUpAndJoin, VALID_VETTING, VERBAL_CONSENT, volunteerWorld, type VolunteerWorld } from './setup';

let w: VolunteerWorld;
let pairingId: string;
let finance: Browser;
let otherCaseworker: Browser;
let otherOrgId: string;
beforeAll(async () => {
  w = await volunteerWorld();
  await signUpAndJoin(w);
  await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, VALID_VETTING);
  const res = await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/pairings`, { needIds: [w.needId], nickname: '小花', roleKind: 'companion', checkInEvery: 'month' });
  pairingId = String(res.headers.location).split('/').pop()!;
  const db = w.ctx.database.db;
  const logIn = async (email: string, n: number) => {
    const b = new Browser(w.ctx.app, { 'X-Forwarded-For': `198.51.100.${n}` });
    await b.logIn(email, PASSWORD);
    return b;
  };
  finance = await logIn((await makeMember(db, w.orgId, ['finance'])).email, 20);
  const other = await makeOrg(db, { name: '另一家关爱机构' });
  otherOrgId = other.id;
  otherCaseworker = await logIn((await makeMember(db, other.id, ['caseworker', 'admin'])).email, 21);
}, 120_000);
afterAll(() => w.ctx.close());

const db = () => w.ctx.database.db;
const pairing = async () => (await db().select().from(pairings).where(eq(pairings.id, pairingId)))[0];
const consentRows = () => db().select().from(guardianConsents);
const pairingPage = () => `/org/${w.orgId}/volunteers/pairings/${pairingId}`;
const auditOf = (action: string) => db().select().from(auditEntries).where(eq(auditEntries.action, action));
// A minimal PDF as a scanner writes one: what matters is the bytes, not the name.
const SIGNED_FORM = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** Posts the consent form as the browser does: multipart, with the page's CSRF token. */
async function postConsentForm(fields: Record<string, string>, file?: { name: string; data: Buffer }) {
  const page = await w.caseworker.get(pairingPage());
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  let req = w.caseworker.agent.post(`${pairingPage()}/consent`).set('X-Forwarded-For', '198.51.100.3').field('_csrf', token);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  if (file) req = req.attach('consentForm', file.data, file.name);
  return req;
}

describe('no pairing starts without the guardian’s consent', () => {
  it('refuses approval while no consent is recorded, and changes nothing', async () => {
    const res = await w.caseworker.post(`${pairingPage()}/approve`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('尚未记录监护人对此结对的有效同意，不能开始或恢复结对。请先在“监护人同意”中记录。未做任何更改。');
    expect(await pairing()).toMatchObject({ status: 'requested', startOn: null });
    expect(await auditOf('pairing.approve')).toHaveLength(0);
    expect((await w.caseworker.get(pairingPage())).text).toContain('尚未记录监护人同意');
  });

  it('refuses a consent dated in the future, a form said but not uploaded, or a file that is not a PDF, JPEG or PNG; stores nothing', async () => {
    const future = await w.caseworker.post(`${pairingPage()}/consent`, { ...VERBAL_CONSENT, consentedOn: '2026-06-02' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('同意日期：不能是将来的日期');
    const noFile = await w.caseworker.post(`${pairingPage()}/consent`, { ...VERBAL_CONSENT, consentMethod: 'form' });
    expect(noFile.status).toBe(422);
    expect(noFile.text).toContain('同意书文件：选择“签字同意书”时须上传同意书文件');
    const wrongType = await postConsentForm({ ...VERBAL_CONSENT, consentMethod: 'form' }, { name: '同意书.pdf', data: Buffer.from('<html>not a scan</html>') });
    expect(wrongType.status).toBe(422);
    expect(wrongType.text).toContain('同意书文件：');
    const noName = await w.caseworker.post(`${pairingPage()}/consent`, { ...VERBAL_CONSENT, guardianName: '' });
    expect(noName.status).toBe(422);
    expect(noName.text).toContain('监护人姓名：');
    expect(await consentRows()).toHaveLength(0);
  });

  it('lets only caseworkers and supervisors record consent', async () => {
    expect((await w.staff.post(`${pairingPage()}/consent`, VERBAL_CONSENT)).status).toBe(403);
    expect((await w.admin.post(`${pairingPage()}/consent`, VERBAL_CONSENT)).status).toBe(403);
    expect((await otherCaseworker.post(`/org/${otherOrgId}/volunteers/pairings/${pairingId}/consent`, VERBAL_CONSENT)).status).toBe(404);
    expect(await consentRows()).toHaveLength(0);
  });

  it('records a signed form with the guardian’s name encrypted at rest, then approval succeeds', async () => {
    const res = await postConsentForm({ guardianName: CHILD.guardianName, guardianRelation: 'grandmother', consentedOn: '2026-05-30', consentMethod: 'form' }, { name: `${CHILD.guardianName}同意书.pdf`, data: SIGNED_FORM });
    expect(res.status).toBe(303);
    const [row] = await consentRows();
    expect(row).toMatchObject({ purpose: 'pairing', pairingId, childId: w.childId, relation: 'grandmother', consentedOn: '2026-05-30', method: 'form', formMimeType: 'application/pdf', witnessUserId: null });
    expect(row.guardianName).not.toContain(CHILD.guardianName);
    // Nowhere in the database — not the consent, not the audit trail, not the sessions — is the name in plain text.
    const tables = await db().execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
    const names = ((tables as { rows?: Array<{ table_name: string }> }).rows ?? (tables as unknown as Array<{ table_name: string }>)).map((r) => r.table_name);
    expect(names).toContain('guardian_consents');
    for (const table of names) {
      const found = await db().execute(sql`select count(*)::int as n from ${sql.identifier(table)} t where t::text like ${'%' + CHILD.guardianName + '%'}`);
      const n = ((found as { rows?: Array<{ n: number }> }).rows ?? (found as unknown as Array<{ n: number }>))[0].n;
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    expect(await auditOf('consent.record')).toHaveLength(1);
    expect((await w.caseworker.post(`${pairingPage()}/approve`)).status).toBe(303);
    expect(await pairing()).toMatchObject({ status: 'active', startOn: '2026-06-01' });
  });

  it('refuses a second consent while one is in force', async () => {
    const res = await w.caseworker.post(`${pairingPage()}/consent`, VERBAL_CONSENT);
    expect(res.status).toBe(409);
    expect(res.text).toContain('已有一份有效的监护人同意，无需重复记录。未做任何更改。');
    expect(await consentRows()).toHaveLength(1);
  });
});

describe('who sees the consent', () => {
  let consentId: string;
  beforeAll(async () => {
    [{ id: consentId }] = await consentRows();
  });
  const formUrl = () => `/org/${w.orgId}/volunteers/consents/${consentId}/form`;

  it('shows the caseworker and the admin the guardian, relation and date, with the form as a download; each read audited', async () => {
    const before = (await auditOf('consent.view')).length;
    for (const b of [w.caseworker, w.admin]) {
      const page = await b.get(pairingPage());
      expect(page.text).toContain(CHILD.guardianName);
      expect(page.text).toContain('祖母/外祖母');
      expect(page.text).toContain('2026-05-30');
      expect(page.text).toContain(formUrl());
    }
    expect(await auditOf('consent.view')).toHaveLength(before + 2);
    const file = await w.caseworker.get(formUrl());
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['content-disposition']).toContain('consent-2026-05-30.pdf');
    expect(file.headers['content-disposition']).not.toContain(encodeURIComponent(CHILD.guardianName));
    expect(Buffer.from(file.body as Buffer).equals(SIGNED_FORM)).toBe(true);
    expect(await auditOf('consent.form_view')).toHaveLength(1);
  });

  it('never shows the guardian’s name or the form to the volunteer, to staff, to finance, to another organization or to anyone signed out', async () => {
    const staffPage = await w.staff.get(pairingPage());
    expect(staffPage.status).toBe(200);
    expect(staffPage.text).not.toContain(CHILD.guardianName);
    expect(staffPage.text).not.toContain(formUrl());
    expect(staffPage.text).toContain('监护人同意有效');
    expect(staffPage.text).toContain('监护人同意的详情（姓名、同意书）只有儿童主任、督导员和机构管理员可见');
    for (const path of [`/volunteer/pairings/${pairingId}`, '/volunteer', `/volunteer/organizations/${w.orgId}`]) {
      const res = await w.volunteer.get(path);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(CHILD.guardianName);
      expect(res.text).not.toContain('监护人同意');
    }
    expect((await finance.get(pairingPage())).status).toBe(403);
    for (const b of [w.volunteer, w.staff, finance]) expect((await b.get(formUrl())).status).toBe(403);
    expect((await otherCaseworker.get(formUrl())).status).toBe(403);
    expect((await otherCaseworker.get(`/org/${otherOrgId}/volunteers/consents/${consentId}/form`)).status).toBe(404);
    expect((await otherCaseworker.get(`/org/${otherOrgId}/evidence/${consentId}`)).status).toBe(404);
    expect((await otherCaseworker.get(pairingPage())).status).toBe(403);
    expect((await otherCaseworker.get(`/org/${otherOrgId}/volunteers/pairings/${pairingId}`)).status).toBe(404);
    const anonymous = new Browser(w.ctx.app);
    for (const path of [formUrl(), pairingPage()]) {
      const res = await anonymous.get(path);
      expect(res.status).toBe(303);
      expect(res.text ?? '').not.toContain(CHILD.guardianName);
    }
    expect(await auditOf('consent.form_view')).toHaveLength(1);
  });
});

describe('check-ins and the caseworker’s contact with the guardian', () => {
  it('stores who was present at a check-in and shows it to the organization', async () => {
    const res = await w.volunteer.post(`/volunteer/pairings/${pairingId}/check-ins`, { occurredOn: '2026-06-01', mode: 'visit', minutes: '60', notes: '第一次见面，一起读绘本。', guardianPresent: 'on' });
    expect(res.status).toBe(303);
    const none = await w.volunteer.post(`/volunteer/pairings/${pairingId}/check-ins`, { occurredOn: '2026-06-01', mode: 'phone', minutes: '20', notes: '电话聊了学校的事。' });
    expect(none.status).toBe(303);
    const rows = await db().select().from(checkIns).where(eq(checkIns.pairingId, pairingId));
    expect(rows.map((r) => [r.mode, r.guardianPresent, r.caseworkerPresent]).sort()).toEqual([
      ['phone', false, false],
      ['visit', true, false],
    ]);
    const page = await w.staff.get(pairingPage());
    expect(page.text).toContain('监护人在场');
    expect(page.text).toContain('监护人和儿童主任都不在场');
  });

  it('puts the caseworker’s monthly contact with the guardian on the schedule and flags it when missed', async () => {
    expect((await w.caseworker.get(pairingPage())).text).toContain('下次应联系监护人：2026-07-01');
    w.clock.set('2026-07-09');
    const late = await w.staff.get(pairingPage());
    expect(late.text).toContain('应于 2026-07-01 联系监护人，已逾期 8 天');
    expect(await w.ctx.services.guardian.missedContacts(w.orgId)).toMatchObject([{ pairingId, nickname: '小花', schedule: { dueOn: '2026-07-01', daysOverdue: 8 } }]);
    const overview = await w.staff.get(`/org/${w.orgId}/volunteers`);
    expect(overview.text).toContain('未按时进行的监护人联系');
    const future = await w.caseworker.post(`${pairingPage()}/guardian-contacts`, { contactOn: '2026-07-10', contactMode: 'phone', contactNote: '奶奶说孩子最近很开心。' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('联系日期：不能是将来的日期');
    expect((await w.staff.post(`${pairingPage()}/guardian-contacts`, { contactOn: '2026-07-09', contactMode: 'phone', contactNote: '奶奶说孩子最近很开心。' })).status).toBe(403);
    expect(await db().select().from(guardianContacts)).toHaveLength(0);
    expect((await w.caseworker.post(`${pairingPage()}/guardian-contacts`, { contactOn: '2026-07-09', contactMode: 'phone', contactNote: '奶奶说孩子最近很开心。' })).status).toBe(303);
    const [row] = await db().select().from(guardianContacts);
    expect(row).toMatchObject({ pairingId, occurredOn: '2026-07-09', mode: 'phone' });
    expect(row.note).not.toContain('奶奶');
    const after = await w.caseworker.get(pairingPage());
    expect(after.text).toContain('下次应联系监护人：2026-08-09');
    expect(await w.ctx.services.guardian.missedContacts(w.orgId)).toEqual([]);
    expect((await w.staff.get(`/org/${w.orgId}/volunteers`)).text).not.toContain('未按时进行的监护人联系');
    expect(after.text).toContain('奶奶说孩子最近很开心。');
    const staff = await w.staff.get(pairingPage());
    expect(staff.text).not.toContain('奶奶说孩子最近很开心。');
    expect(staff.text).not.toContain('联系监护人，已逾期');
    expect((await w.volunteer.get(`/volunteer/pairings/${pairingId}`)).text).not.toContain('联系监护人');
  });
});

describe('withdrawing consent', () => {
  let consentId: string;
  beforeAll(async () => {
    [{ id: consentId }] = await consentRows();
  });
  const withdrawUrl = () => `${pairingPage()}/consent/${consentId}/withdraw`;

  it('refuses a withdrawal by staff or dated before the consent, and changes nothing', async () => {
    expect((await w.staff.post(withdrawUrl(), { withdrawnOn: '2026-07-09', withdrawalNote: '家长改变主意。' })).status).toBe(403);
    const early = await w.caseworker.post(withdrawUrl(), { withdrawnOn: '2026-05-01', withdrawalNote: '家长改变主意。' });
    expect(early.status).toBe(422);
    expect(early.text).toContain('撤回日期：不能早于同意日期 2026-05-30');
    expect((await consentRows())[0].withdrawnOn).toBeNull();
    expect((await pairing()).status).toBe('active');
  });

  it('pauses the pairing at once, audited, and the volunteer sees only that it is paused', async () => {
    const res = await w.caseworker.post(withdrawUrl(), { withdrawnOn: '2026-07-09', withdrawalNote: '祖母担心外人来家里，暂不同意。' });
    expect(res.status).toBe(303);
    expect(await pairing()).toMatchObject({ status: 'paused', statusReason: 'consent_withdrawn' });
    const [row] = await consentRows();
    expect(row.withdrawnOn).toBe('2026-07-09');
    expect(row.withdrawalNote).not.toContain('祖母');
    const paused = await db().select().from(auditEntries).where(and(eq(auditEntries.subjectId, pairingId), eq(auditEntries.action, 'pairing.pause')));
    expect(paused).toMatchObject([{ reason: 'consent_withdrawn' }]);
    const page = await w.volunteer.get(`/volunteer/pairings/${pairingId}`);
    expect(page.text).toContain('结对已暂停，暂不安排联系。');
    for (const secret of ['祖母担心', '撤回', '监护人同意', CHILD.guardianName]) expect(page.text).not.toContain(secret);
    const checkIn = await w.volunteer.post(`/volunteer/pairings/${pairingId}/check-ins`, { occurredOn: '2026-07-09', mode: 'visit', minutes: '60', notes: '见面聊天。' });
    expect(checkIn.status).toBe(422);
    const org = await w.caseworker.get(pairingPage());
    expect(org.text).toContain('监护人撤回同意，已暂停');
    expect(org.text).toContain('祖母担心外人来家里，暂不同意。');
  });

  it('does not resume until a new consent is recorded', async () => {
    const refused = await w.staff.post(`${pairingPage()}/status`, { action: 'resume' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('尚未记录监护人对此结对的有效同意');
    expect((await pairing()).status).toBe('paused');
    const renew = await w.staff.post(`${pairingPage()}/status`, { action: 'renew' });
    expect(renew.status).toBe(422);
    expect((await pairing()).status).toBe('paused');
    await recordConsent(w, pairingId, { consentedOn: '2026-07-09', guardianRelation: 'grandmother' });
    const [fresh] = (await consentRows()).filter((c) => c.withdrawnOn === null);
    expect(fresh).toMatchObject({ method: 'verbal', consentedOn: '2026-07-09' });
    expect(fresh.witnessUserId).not.toBeNull();
    expect((await w.caseworker.get(pairingPage())).text).toContain('见证人：');
    expect((await w.staff.post(`${pairingPage()}/status`, { action: 'resume' })).status).toBe(303);
    expect(await pairing()).toMatchObject({ status: 'active', statusReason: null });
  });
});
