import { count, eq } from 'drizzle-orm';
import { donations, ledgerEntries } from '../../../server/db/schema';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { PASSWORD } from '../../support/factories';
import { openProject, orgWith, platformAdmin } from '../../support/matching';
import { PDF_BYTES, postMultipart } from '../../support/money';
import { TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, startStripeStandIn, type StripeStandIn } from '../../support/stripe-standin';

/**
 * A project late with its disclosure (Charity Law: every 3 months for a project longer than 6)
 * takes no new gifts, online or offline, and leaves the public list and search; its own pages
 * stay reachable and say why. Publishing the owed disclosure lifts all of it at once.
 */
let ctx: TestContext;
let stripe: StripeStandIn;
let clock = new Date('2026-01-20T02:00:00.000Z');
let orgId: string;
let projectId: string;
let finance: Browser;
const TITLE = '山区儿童课业辅导';

beforeAll(async () => {
  stripe = await startStripeStandIn();
  ctx = await startTestApp({ now: () => clock, config: { stripeSecretKey: TEST_SECRET_KEY, stripeWebhookSecret: TEST_WEBHOOK_SECRET, stripeApiBase: stripe.url } });
  const { org, members } = await orgWith(ctx, 'charity', '520324', [['admin', 'staff'], ['finance']]);
  orgId = org.id;
  projectId = await openProject(ctx, members[0].actor, orgId, (await platformAdmin(ctx)).actor, { title: TITLE, startOn: '2026-02-01', endOn: '2027-01-31' });
  finance = new Browser(ctx.app);
  await finance.logIn(members[1].user.email, PASSWORD);
});
afterAll(async () => {
  await ctx.close();
  await stripe.close();
});

const checkouts = () => stripe.requests.filter((r) => r.path === '/v1/checkout/sessions').length;
const giftCount = async () => (await ctx.database.db.select({ n: count() }).from(donations))[0].n;
const entryCount = async () => (await ctx.database.db.select({ n: count() }).from(ledgerEntries))[0].n;
const donorGives = (donor = new Browser(ctx.app)) => donor.post('/donate', { organizationId: orgId, projectId, giftAmount: '200', frequency: 'one_off', displayName: '李女士' });

const offlineGift = (receiptNumber: string) =>
  postMultipart(finance, `/org/${orgId}/gifts`, { projectId, giftAmount: '500', method: 'bank_transfer', receivedOn: '2026-04-20', receiptNumber, displayName: '黄先生' }, [{ name: '银行回单.pdf', data: PDF_BYTES }]);

it('takes gifts and is listed while its quarterly disclosure is not yet late', async () => {
  clock = new Date('2026-04-30T02:00:00.000Z');
  expect((await new Browser(ctx.app).get('/projects')).text).toContain(TITLE);
  const res = await donorGives();
  expect(res.status).toBe(303);
  expect(res.headers.location).toMatch(/^https:\/\/checkout\.stripe\.com\//);
});

describe('once the quarterly disclosure (due 1 May) is late', () => {
  beforeAll(() => {
    clock = new Date('2026-05-03T02:00:00.000Z');
  });

  it('refuses an online gift with a clear message in Chinese and English, storing nothing and opening no payment', async () => {
    const [gifts, sessions] = [await giftCount(), checkouts()];
    const zh = await donorGives();
    expect(zh.status).toBe(422);
    expect(zh.text).toContain('该项目的季度公开已逾期 2 天：在公开之前暂停接受新的捐赠');
    const en = await donorGives(new Browser(ctx.app, { 'Accept-Language': 'en' }));
    expect(en.status).toBe(422);
    expect(en.text).toContain('This project is 2 days late with its quarterly disclosure: it takes no new gifts until it is published.');
    expect(await giftCount()).toBe(gifts);
    expect(checkouts()).toBe(sessions);
  });

  it('refuses the donation form for the project and leaves it out of the form’s choices', async () => {
    const form = await new Browser(ctx.app).get(`/donate?organization=${orgId}&project=${projectId}`);
    expect(form.status).toBe(422);
    expect(form.text).toContain('季度公开已逾期 2 天');
    const general = await new Browser(ctx.app).get(`/donate?organization=${orgId}`);
    expect(general.status).toBe(200);
    expect(general.text).not.toContain(`value="${projectId}"`);
  });

  it('refuses an offline gift recorded by finance, posting nothing to the ledger', async () => {
    const [gifts, entries] = [await giftCount(), await entryCount()];
    const res = await offlineGift('LATE-0001');
    expect(res.status).toBe(422);
    expect(res.text).toContain('季度公开已逾期 2 天');
    expect(await giftCount()).toBe(gifts);
    expect(await entryCount()).toBe(entries);
    expect(await ctx.database.db.select().from(donations).where(eq(donations.receiptNumber, 'LATE-0001'))).toHaveLength(0);
  });

  it('leaves the public project list and search, but its own pages stay and say why', async () => {
    const visitor = new Browser(ctx.app);
    expect((await visitor.get('/projects')).text).not.toContain(TITLE);
    expect((await visitor.get(`/projects?q=${encodeURIComponent('课业辅导')}`)).text).not.toContain(TITLE);
    const page = await visitor.get(`/projects/${projectId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('季度公开已逾期 2 天：在公开之前，本项目暂停接受新的捐赠，也不出现在公开项目列表中。');
    const report = await visitor.get(`/funds/projects/${projectId}`);
    expect(report.status).toBe(200);
    expect(report.text).toContain('id="gift-lockout"');
    expect(report.text).not.toContain(`/donate?organization=${orgId}&amp;project=${projectId}`);
  });
});

it('lifts the lock-out at once when the owed disclosure is published', async () => {
  clock = new Date('2026-05-04T02:00:00.000Z');
  const published = await finance.post(`/org/${orgId}/disclosures`, { disclosureKind: 'quarterly', projectId, periodStart: '2026-02-01', periodEnd: '2026-04-30', disclosureNote: '第一季度' });
  expect(published.status).toBe(303);
  const visitor = new Browser(ctx.app);
  expect((await visitor.get('/projects')).text).toContain(TITLE);
  expect((await visitor.get(`/projects/${projectId}`)).text).not.toContain('id="gift-lockout"');
  const report = await visitor.get(`/funds/projects/${projectId}`);
  expect(report.text).not.toContain('id="gift-lockout"');
  expect(report.text).toContain(`/donate?organization=${orgId}&amp;project=${projectId}`);
  const sessions = checkouts();
  expect((await donorGives()).status).toBe(303);
  expect(checkouts()).toBe(sessions + 1);
  expect((await offlineGift('ONTIME-0001')).status).toBe(303);
  expect(await ctx.database.db.select().from(donations).where(eq(donations.receiptNumber, 'ONTIME-0001'))).toHaveLength(1);
});
