import { and, eq, like } from 'drizzle-orm';
import { expenditures, notificationPreferences, notifications, outbox } from '../../../server/db/schema';
import { Browser } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { PDF_BYTES, PNG_BYTES, postMultipart, project, startMoneyApp } from '../../support/money';

let ctx: Awaited<ReturnType<typeof startMoneyApp>>;
let orgId: string;
let projectId: string;
const people: Record<'recorder' | 'finance2' | 'admin' | 'staff', { id: string; email: string; browser: Browser }> = {} as never;
const projects: ReturnType<typeof project>[] = [];

const kindsOf = async (userId: string) => (await ctx.database.db.select({ kind: notifications.kind }).from(notifications).where(eq(notifications.userId, userId))).map((n) => n.kind).sort();
const unreadShown = async (b: Browser) => Number(/data-unread-count>(\d+)</.exec((await b.get('/notifications')).text)![1]);
const mailTo = (email: string, kind: string) => ctx.database.db.select().from(outbox).where(and(eq(outbox.to, email), eq(outbox.kind, `notification.${kind}`)));

async function recordSpending(description: string) {
  const res = await postMultipart(people.recorder.browser, `/org/${orgId}/expenditures`, { projectId, category: 'school_aid', spendingAmount: '120', spentOn: '2026-03-05', payeeType: 'school', spendingDescription: description }, [{ name: '发票.png', data: PNG_BYTES }]);
  expect(res.status).toBe(303);
  const [row] = await ctx.database.db.select().from(expenditures).where(eq(expenditures.description, description));
  return row.id;
}

beforeAll(async () => {
  ctx = await startMoneyApp({ projects, now: () => new Date('2026-03-10T02:00:00.000Z') });
  const db = ctx.database.db;
  orgId = (await makeOrg(db, { name: '春苗儿童关爱中心' })).id;
  const p = project(orgId, { title: '山区助学计划', startOn: '2026-02-01', endOn: '2026-12-31' });
  projectId = p.id;
  projects.push(p);
  const roles = { recorder: ['finance'], finance2: ['finance'], admin: ['admin'], staff: ['staff'] } as const;
  for (const [name, r] of Object.entries(roles)) {
    const user = await makeMember(db, orgId, [...r]);
    const browser = new Browser(ctx.app);
    await browser.logIn(user.email, PASSWORD);
    people[name as keyof typeof people] = { id: user.id, email: user.email, browser };
  }
  const gift = await postMultipart(people.recorder.browser, `/org/${orgId}/gifts`, { projectId, giftAmount: '1,000', method: 'bank_transfer', receivedOn: '2026-03-01', receiptNumber: 'CM-2026-0001', displayName: '黄先生', publicMessage: '' }, [{ name: '银行回单.pdf', data: PDF_BYTES }]);
  expect(gift.status).toBe(303);
}, 60_000);
afterAll(() => ctx.close());

describe('spending notifications', () => {
  it('asks the other finance and admin members to approve a recorded spending, never the recorder or staff', async () => {
    await recordSpending('春季学期助学金');
    expect(await kindsOf(people.finance2.id)).toEqual(['expenditure_to_approve']);
    expect(await kindsOf(people.admin.id)).toEqual(['expenditure_to_approve']);
    expect(await kindsOf(people.recorder.id)).toEqual([]);
    expect(await kindsOf(people.staff.id)).toEqual([]);
    const centre = await people.admin.browser.get('/notifications');
    expect(centre.text).toContain('有支出待第二人审批');
    expect(await unreadShown(people.admin.browser)).toBe(1);
  });

  it('mails the same notice to the outbox when no SMTP is configured, with the link to act on', async () => {
    const [mail] = await mailTo(people.finance2.email, 'expenditure_to_approve');
    expect(mail.subject).toBe('有支出待第二人审批');
    expect(mail.body).toContain(`http://carebridge.test/org/${orgId}/expenditures`);
    expect(await mailTo(people.recorder.email, 'expenditure_to_approve')).toHaveLength(0);
  });

  it('tells the recorder when the second person approves, and only the recorder', async () => {
    const [pending] = await ctx.database.db.select().from(expenditures).where(eq(expenditures.status, 'pending'));
    expect((await people.finance2.browser.post(`/org/${orgId}/expenditures/${pending.id}/approve`, { password: PASSWORD })).status).toBe(303);
    expect(await kindsOf(people.recorder.id)).toEqual(['expenditure_approved']);
    expect(await kindsOf(people.finance2.id)).toEqual(['expenditure_to_approve']);
    expect(await unreadShown(people.recorder.browser)).toBe(1);
    expect((await people.recorder.browser.get('/notifications')).text).toContain('您登记的支出已获批准并入账');
  });

  it('tells the recorder of a rejection', async () => {
    const id = await recordSpending('冬衣二十套，给留守儿童');
    expect((await people.admin.browser.post(`/org/${orgId}/expenditures/${id}/reject`, { reason: '发票抬头不符' })).status).toBe(303);
    expect(await kindsOf(people.recorder.id)).toEqual(['expenditure_approved', 'expenditure_rejected']);
    expect(await mailTo(people.recorder.email, 'expenditure_rejected')).toHaveLength(1);
  });

  it('counts unread down as notifications are read, one and then all', async () => {
    expect(await unreadShown(people.finance2.browser)).toBe(2);
    const page = await people.finance2.browser.get('/notifications');
    const first = /action="\/notifications\/([0-9a-f-]{36})\/read"/.exec(page.text)![1];
    const open = await people.finance2.browser.post(`/notifications/${first}/read`);
    expect(open.headers.location).toBe(`/org/${orgId}/expenditures`);
    expect(await unreadShown(people.finance2.browser)).toBe(1);
    await people.finance2.browser.post('/notifications/read-all');
    expect(await unreadShown(people.finance2.browser)).toBe(0);
  });
});

describe('the mail switch in the notification centre', () => {
  it('is on by default and refuses anything but on or off, naming the field, changing nothing', async () => {
    expect((await people.admin.browser.get('/notifications')).text).toContain('通知也会发送到您的电子邮箱。');
    const bad = await people.admin.browser.post('/notifications/mail', { mailNotifications: 'sometimes' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('通知邮件：请从给定选项中选择');
    expect(await ctx.database.db.select().from(notificationPreferences)).toHaveLength(0);
  });

  it('turns mail off for that person only: they still see the notification, but get no mail', async () => {
    const off = await people.admin.browser.post('/notifications/mail', { mailNotifications: 'off' });
    expect(off.status).toBe(303);
    const centre = await people.admin.browser.get('/notifications');
    expect(centre.text).toContain('已关闭通知邮件。通知仍会显示在通知中心。');
    expect(centre.text).toContain('开启通知邮件');
    const adminMailBefore = (await mailTo(people.admin.email, 'expenditure_to_approve')).length;
    const financeMailBefore = (await mailTo(people.finance2.email, 'expenditure_to_approve')).length;
    await recordSpending('课外读物一批，给村小');
    expect((await kindsOf(people.admin.id)).filter((k) => k === 'expenditure_to_approve')).toHaveLength(3);
    expect(await mailTo(people.admin.email, 'expenditure_to_approve')).toHaveLength(adminMailBefore);
    expect(await mailTo(people.finance2.email, 'expenditure_to_approve')).toHaveLength(financeMailBefore + 1);
  });

  it('turns mail back on', async () => {
    expect((await people.admin.browser.post('/notifications/mail', { mailNotifications: 'on' })).status).toBe(303);
    await recordSpending('文具一批，给初中学生');
    expect(await ctx.database.db.select().from(outbox).where(and(eq(outbox.to, people.admin.email), like(outbox.kind, 'notification.%')))).toHaveLength(3);
  });
});
