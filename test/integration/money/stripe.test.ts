import { eq } from 'drizzle-orm';
import request from 'supertest';
import { donations, ledgerEntries, paymentEvents } from '../../../server/db/schema';
import { ledgerTotals, verifyLedger } from '../../../server/ledger/ledger.rules';
import { Browser } from '../../support/app';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { project, startMoneyApp } from '../../support/money';
import { TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, paidSession, signedEvent, startStripeStandIn, type StripeStandIn } from '../../support/stripe-standin';

let stripe: StripeStandIn;
let ctx: Awaited<ReturnType<typeof startMoneyApp>>;
let orgId: string;
let projectId: string;
let finance: Browser;
const projects: ReturnType<typeof project>[] = [];

beforeAll(async () => {
  stripe = await startStripeStandIn();
  ctx = await startMoneyApp({ projects, config: { stripeSecretKey: TEST_SECRET_KEY, stripeWebhookSecret: TEST_WEBHOOK_SECRET, stripeApiBase: stripe.url } });
  const org = await makeOrg(ctx.database.db, { kind: 'charity', name: '春苗儿童关爱中心' });
  orgId = org.id;
  const p = project(orgId, { title: '乡村小学图书角' });
  projects.push(p);
  projectId = p.id;
  const f = await makeMember(ctx.database.db, orgId, ['finance']);
  finance = new Browser(ctx.app);
  await finance.logIn(f.email, PASSWORD);
});
afterAll(async () => {
  await ctx.close();
  await stripe.close();
});

const webhook = (event: { payload: string; header: string }) => request(ctx.app).post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', event.header).send(event.payload);

/** A donor gives through the form; returns the pending gift and the checkout request the stand-in saw. */
async function give(form: Record<string, string>, donor = new Browser(ctx.app)) {
  await donor.get(`/donate?organization=${orgId}`);
  const res = await donor.post('/donate', { organizationId: orgId, projectId, giftAmount: '200', frequency: 'one_off', displayName: '李女士', publicMessage: '加油', ...form });
  expect(res.status).toBe(303);
  const checkout = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions').at(-1)!;
  const [gift] = await ctx.database.db.select().from(donations).where(eq(donations.id, checkout.body.client_reference_id));
  return { res, gift, checkout };
}

const ledgerOf = async () => {
  const rows = await ctx.database.db.select().from(ledgerEntries).orderBy(ledgerEntries.sequence);
  return rows.map((r) => ({ sequence: r.sequence, prevHash: r.prevHash, hash: r.hash, id: r.txId, occurredAt: r.occurredAt, kind: r.kind as never, memo: r.memo, postings: r.postings, ...(r.reference ? { reference: r.reference } : {}), ...(r.reverses ? { reverses: r.reverses } : {}) }));
};

describe('Stripe Checkout', () => {
  it('sends the donor to a Checkout Session in yuan with card, Alipay and WeChat Pay; the gift waits for the webhook', async () => {
    const { res, gift, checkout } = await give({});
    expect(res.headers.location).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    expect(checkout.body).toMatchObject({
      mode: 'payment',
      'line_items[0][price_data][currency]': 'cny',
      'line_items[0][price_data][unit_amount]': '20000',
      'allowed_payment_method_types[0]': 'card',
      'allowed_payment_method_types[1]': 'alipay',
      'allowed_payment_method_types[2]': 'wechat_pay',
      'payment_method_options[wechat_pay][client]': 'web',
      'metadata[donationId]': gift.id,
    });
    expect(checkout.body.success_url).toBe(`http://carebridge.test/donations/${gift.receiptCode}?from=checkout`);
    expect(checkout.idempotencyKey).toBe(`checkout-${gift.id}`);
    expect(gift).toMatchObject({ status: 'pending', channel: 'stripe', amountFen: 20_000, stripeCheckoutSessionId: res.headers.location.split('/').pop() });
    expect(await ctx.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, gift.id))).toHaveLength(0);
  });

  it('posts the gift once when the signed checkout.session.completed arrives, and a replay changes nothing', async () => {
    const { gift } = await give({ giftAmount: '88.8' });
    const event = signedEvent('checkout.session.completed', paidSession(gift.id, 8880, 'pi_test_one'));
    const first = await webhook(event);
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('received');
    const again = await webhook(event);
    expect(again.body.outcome).toBe('duplicate');
    const [row] = await ctx.database.db.select().from(donations).where(eq(donations.id, gift.id));
    expect(row).toMatchObject({ status: 'succeeded', stripePaymentIntentId: 'pi_test_one', method: 'alipay' });
    expect(await ctx.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, gift.id))).toHaveLength(1);
    const receipt = await new Browser(ctx.app).get(`/donations/${gift.receiptCode}`);
    expect(receipt.text).toContain('已到账');
    expect(receipt.text).toContain('支付宝');
  });

  it('refuses a webhook whose signature does not verify, or that was signed with another secret, recording nothing', async () => {
    const { gift } = await give({});
    const forged = signedEvent('checkout.session.completed', paidSession(gift.id, 20_000, 'pi_forged'), { secret: 'whsec_someone_else' });
    expect((await webhook(forged)).status).toBe(403);
    const tampered = signedEvent('checkout.session.completed', paidSession(gift.id, 20_000, 'pi_x'));
    expect((await webhook({ payload: tampered.payload.replace('20000', '2'), header: tampered.header })).status).toBe(403);
    expect((await request(ctx.app).post('/webhooks/stripe').send({})).status).toBe(403);
    expect(await ctx.database.db.select().from(paymentEvents).where(eq(paymentEvents.eventId, forged.id))).toHaveLength(0);
    expect((await ctx.database.db.select().from(donations).where(eq(donations.id, gift.id)))[0].status).toBe('pending');
  });

  it('marks an expired checkout, and ignores a late expiry of a paid one', async () => {
    const { gift } = await give({});
    expect((await webhook(signedEvent('checkout.session.expired', { id: 'cs_x', object: 'checkout.session', metadata: { donationId: gift.id } }))).body.outcome).toBe('expired');
    const { gift: paid } = await give({});
    await webhook(signedEvent('checkout.session.completed', paidSession(paid.id, 20_000, 'pi_test_late')));
    expect((await webhook(signedEvent('checkout.session.expired', { id: 'cs_y', object: 'checkout.session', metadata: { donationId: paid.id } }))).body.outcome).toBe('not_pending');
    expect((await ctx.database.db.select().from(donations).where(eq(donations.id, paid.id)))[0].status).toBe('succeeded');
  });
});

describe('refunds and disputes', () => {
  it('reverses the gift in the ledger on a full refund asked by finance, through the Stripe refunds API', async () => {
    const { gift } = await give({ giftAmount: '50' });
    await webhook(signedEvent('checkout.session.completed', paidSession(gift.id, 5_000, 'pi_full_refund')));
    const page = await finance.get(`/org/${orgId}/gifts`);
    expect(page.status).toBe(200);
    const wrong = await finance.post(`/org/${orgId}/gifts/${gift.id}/refund`, { password: 'not the password' });
    expect(wrong.status).toBe(422);
    const res = await finance.post(`/org/${orgId}/gifts/${gift.id}/refund`, { password: PASSWORD });
    expect(res.status).toBe(303);
    const call = stripe.requests.filter((r) => r.path === '/v1/refunds').at(-1)!;
    expect(call.body).toMatchObject({ payment_intent: 'pi_full_refund', amount: '5000' });
    const entries = await ctx.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, gift.id));
    expect(entries.map((e) => e.kind).sort()).toEqual(['donation', 'reversal']);
    expect(entries.find((e) => e.kind === 'reversal')!.reverses).toBe(entries.find((e) => e.kind === 'donation')!.txId);
    const [row] = await ctx.database.db.select().from(donations).where(eq(donations.id, gift.id));
    expect(row).toMatchObject({ status: 'refunded', refundedFen: 5_000 });
    // Stripe's own refund.created event for the same refund arrives later: nothing moves twice.
    const refundId = stripe.requests.filter((r) => r.path === '/v1/refunds').length;
    const late = await webhook(signedEvent('refund.created', { id: `re_test_${refundId}`, object: 'refund', amount: 5_000, payment_intent: 'pi_full_refund', status: 'succeeded' }));
    expect(late.body.outcome).toBe('exceeds_gift');
    expect(await ctx.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, gift.id))).toHaveLength(2);
  });

  it('records a partial refund from the webhook once, whichever of refund.created and refund.updated comes, however often', async () => {
    const { gift } = await give({ giftAmount: '300' });
    await webhook(signedEvent('checkout.session.completed', paidSession(gift.id, 30_000, 'pi_partial')));
    const refund = { id: 're_partial_1', object: 'refund', amount: 10_000, payment_intent: 'pi_partial', status: 'succeeded' };
    for (const type of ['refund.created', 'refund.updated', 'refund.created']) await webhook(signedEvent(type, refund));
    const refunds = await ctx.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, 're_partial_1'));
    expect(refunds).toHaveLength(1);
    expect(refunds[0].kind).toBe('refund');
    expect((await ctx.database.db.select().from(donations).where(eq(donations.id, gift.id)))[0]).toMatchObject({ status: 'succeeded', refundedFen: 10_000 });
  });

  it('waits (409, so Stripe retries) when a refund arrives before the payment it refunds, then applies it in order', async () => {
    const { gift } = await give({ giftAmount: '120' });
    const early = await webhook(signedEvent('refund.created', { id: 're_early', object: 'refund', amount: 12_000, payment_intent: 'pi_out_of_order', status: 'succeeded' }));
    expect(early.status).toBe(409);
    await webhook(signedEvent('checkout.session.completed', paidSession(gift.id, 12_000, 'pi_out_of_order')));
    const retried = await webhook(signedEvent('refund.created', { id: 're_early', object: 'refund', amount: 12_000, payment_intent: 'pi_out_of_order', status: 'succeeded' }));
    expect(retried.body.outcome).toBe('refunded_in_full');
  });

  it('takes a disputed payment out of the fund and puts it back when the dispute is won, by reversal', async () => {
    const { gift } = await give({ giftAmount: '70' });
    await webhook(signedEvent('checkout.session.completed', paidSession(gift.id, 7_000, 'pi_disputed')));
    const dispute = { id: 'dp_1', object: 'dispute', amount: 7_000, payment_intent: 'pi_disputed', status: 'needs_response' };
    expect((await webhook(signedEvent('charge.dispute.created', dispute))).body.outcome).toBe('disputed');
    expect((await webhook(signedEvent('charge.dispute.created', dispute))).body.outcome).toBe('already_applied');
    expect((await ctx.database.db.select().from(donations).where(eq(donations.id, gift.id)))[0].disputedFen).toBe(7_000);
    expect((await webhook(signedEvent('charge.dispute.closed', { ...dispute, status: 'won' }))).body.outcome).toBe('dispute_won');
    expect((await webhook(signedEvent('charge.dispute.closed', { ...dispute, status: 'won' }))).body.outcome).toBe('already_applied');
    expect((await ctx.database.db.select().from(donations).where(eq(donations.id, gift.id)))[0].disputedFen).toBe(0);
    const totals = ledgerTotals(await ledgerOf(), { orgId });
    expect(totals.disputesFen).toBe(0);
  });
});

describe('monthly gifts', () => {
  it('opens a card subscription; each paid invoice is one gift in the ledger, exactly once', async () => {
    const donorUser = await makeUser(ctx.database.db, { isDonor: true, displayName: '王先生' });
    const donor = new Browser(ctx.app);
    await donor.logIn(donorUser.email, PASSWORD);
    const { gift, checkout } = await give({ frequency: 'monthly', giftAmount: '30' }, donor);
    expect(checkout.body).toMatchObject({ mode: 'subscription', 'line_items[0][price_data][recurring][interval]': 'month', 'allowed_payment_method_types[0]': 'card', 'subscription_data[metadata][donationId]': gift.id });
    expect(checkout.body['allowed_payment_method_types[1]']).toBeUndefined();
    const invoice = (n: number) => ({ id: `in_${n}`, object: 'invoice', amount_paid: 3_000, parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_1', metadata: { donationId: gift.id } } }, payments: { data: [{ payment: { payment_intent: `pi_inv_${n}` } }] } });
    // The first invoice can arrive before the checkout's own completion event.
    expect((await webhook(signedEvent('invoice.paid', invoice(1)))).body.outcome).toBe('received');
    expect((await webhook(signedEvent('checkout.session.completed', { id: 'cs_sub', object: 'checkout.session', mode: 'subscription', subscription: 'sub_1', metadata: { donationId: gift.id } }))).body.outcome).toBe('subscribed');
    expect((await webhook(signedEvent('invoice.paid', invoice(2)))).body.outcome).toBe('received');
    expect((await webhook(signedEvent('invoice.paid', invoice(2)))).body.outcome).toBe('already_applied');
    const months = await ctx.database.db.select().from(donations).where(eq(donations.stripeSubscriptionId, 'sub_1'));
    expect(months).toHaveLength(2);
    expect(months.every((m) => m.status === 'succeeded' && m.amountFen === 3_000 && m.donorUserId === donorUser.id)).toBe(true);
    const history = await donor.get('/account/gifts');
    expect(history.status).toBe(200);
    expect(history.text.match(/按月捐赠/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the whole ledger verifiable after all of the above', async () => {
    expect(verifyLedger(await ledgerOf()).ok).toBe(true);
  });
});
