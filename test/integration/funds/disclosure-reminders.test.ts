import { Browser } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { project, startMoneyApp } from '../../support/money';

/**
 * The disclosure reminder source: 30 and 7 days before a project's disclosure falls due, and once
 * it is overdue, its organization's admins and finance are told — each notice under a stable key.
 */
let ctx: Awaited<ReturnType<typeof startMoneyApp>>;
let clock = new Date('2026-03-20T02:00:00.000Z');
let orgId: string;
const projects: ReturnType<typeof project>[] = [];
const year = project('', { title: '助学一年', startOn: '2026-02-01', endOn: '2027-01-31' });
const spring = project('', { title: '春季心理陪伴', startOn: '2026-02-01', endOn: '2026-05-31', status: 'closed' });
const draft = project('', { title: '还在起草', startOn: '2026-02-01', endOn: '2026-03-31', status: 'draft' });
let finance: Browser;
let staff: Browser;

beforeAll(async () => {
  ctx = await startMoneyApp({ projects, now: () => clock });
  const org = await makeOrg(ctx.database.db, { kind: 'charity' });
  orgId = org.id;
  for (const p of [year, spring, draft]) projects.push({ ...p, organizationId: orgId });
  const f = await makeMember(ctx.database.db, orgId, ['finance']);
  const s = await makeMember(ctx.database.db, orgId, ['staff']);
  finance = new Browser(ctx.app);
  await finance.logIn(f.email, PASSWORD);
  staff = new Browser(ctx.app);
  await staff.logIn(s.email, PASSWORD);
});
afterAll(() => ctx.close());

const remindersAt = async (iso: string) => {
  clock = new Date(iso);
  return ctx.services.funds.disclosureReminders(clock);
};
const keys = async (iso: string) => (await remindersAt(iso)).map((r) => r.key).sort();

it('reminds nobody more than 30 days before a disclosure is due', async () => {
  // The year-long project's first quarterly disclosure is due 1 May; the spring project's full report 31 August.
  expect(await keys('2026-03-20T02:00:00.000Z')).toEqual([]);
});

it('gives the 30-day, 7-day and overdue notices under stable keys, to admins and finance', async () => {
  const month = await remindersAt('2026-04-01T02:00:00.000Z');
  expect(month).toEqual([
    { key: `disclosure:${year.id}:quarterly-2026-05-01:30`, audience: { organizationId: orgId, roles: ['finance', 'admin'] }, kind: 'report_due', params: { project: '助学一年', disclosureKind: 'quarterly', due: '2026-05-01', daysOverdue: 0 }, link: `/org/${orgId}/disclosures` },
  ]);
  expect(await keys('2026-04-02T02:00:00.000Z')).toEqual([`disclosure:${year.id}:quarterly-2026-05-01:30`]);
  expect(await keys('2026-04-24T02:00:00.000Z')).toEqual([`disclosure:${year.id}:quarterly-2026-05-01:7`]);
  const late = await remindersAt('2026-05-02T02:00:00.000Z');
  expect(late.map((r) => [r.key, r.kind, r.params.daysOverdue])).toEqual([[`disclosure:${year.id}:quarterly-2026-05-01:overdue`, 'report_overdue', 1]]);
});

it('reaches finance, not staff, when the runner sends it', async () => {
  const [r] = await remindersAt('2026-05-02T02:00:00.000Z');
  await ctx.services.notifications.notify(r.audience, r.kind, r.params, r.link);
  expect((await finance.get('/notifications')).text).toContain('项目信息公开已逾期');
  expect((await staff.get('/notifications')).text).not.toContain('项目信息公开已逾期');
});

it('starts a new series once the disclosure is published, and reminds a closed project of its full report', async () => {
  await finance.get(`/org/${orgId}/disclosures`);
  expect((await finance.post(`/org/${orgId}/disclosures`, { disclosureKind: 'quarterly', projectId: year.id, periodStart: '2026-02-01', periodEnd: '2026-04-30' })).status).toBe(303);
  expect(await keys('2026-05-03T02:00:00.000Z')).toEqual([]);
  // Next quarterly for the year project: 3 months after the 2 May publication; the spring project's full report: 31 August.
  expect(await keys('2026-08-01T02:00:00.000Z')).toEqual([`disclosure:${spring.id}:final-2026-08-31:30`, `disclosure:${year.id}:quarterly-2026-08-02:7`].sort());
});
