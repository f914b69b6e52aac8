import { eq } from 'drizzle-orm';
import request from 'supertest';
import { donations, ledgerEntries, paymentEvents } from '../../../server/db/schema';
import { ledgerTotals, verifyLedger, type SealedEntry } from '../../../server/ledger/ledger.rules';
import { makeOrg } from '../../support/factories';
import { project, startMoneyApp } from '../../support/money';
import { TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, paidSession, signedEvent, startStripeStandIn, type StripeStandIn } from '../../support/stripe-standin';

/**
 * Totals stay exact under load: 200 gifts to one project paid at the same moment, then every
 * one of their webhooks delivered five more times (1,000 replays), all at once.
 */
let stripe: StripeStandIn;
let ctx: Awaited<ReturnType<typeof startMoneyApp>>;
let orgId: string;
let projectId: string;
const projects: ReturnType<typeof project>[] = [];
const GIFTS = 200;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  ctx = await startMoneyApp({ projects, config: { stripeSecretKey: TEST_SECRET_KEY, stripeWebhookSecret: TEST_WEBHOOK_SECRET, stripeApiBase: stripe.url } });
  orgId = (await makeOrg(ctx.database.db, { kind: 'charity' })).id;
  const p = project(orgId);
  projects.push(p);
  projectId = p.id;
});
afterAll(async () => {
  await ctx.close();
  await stripe.close();
});

async function chainFromDb(): Promise<SealedEntry[]> {
  const rows = await ctx.database.db.select().from(ledgerEntries).orderBy(ledgerEntries.sequence);
  return rows.map((r) => ({ sequence: r.sequence, prevHash: r.prevHash, hash: r.hash, id: r.txId, occurredAt: r.occurredAt, kind: r.kind as SealedEntry['kind'], memo: r.memo, postings: r.postings, ...(r.reference ? { reference: r.reference } : {}), ...(r.reverses ? { reverses: r.reverses } : {}) }));
}

const post = (e: { payload: string; header: string }) => request(ctx.app).post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', e.header).send(e.payload);

/**
 * Delivers an event as Stripe does: a response other than 2xx is retried later. Under a burst on a
 * PostgreSQL server, a request can wait longer for a pool connection than the pool allows (every
 * posting queues on the ledger's append lock) and answer 500; the retry then applies it once.
 */
async function deliver(e: { payload: string; header: string }) {
  for (let attempt = 1; ; attempt += 1) {
    const res = await post(e);
    if (res.status === 200 || attempt === 5) return Object.assign(res, { attempts: attempt });
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

it(`posts ${GIFTS} gifts paid at once to one project with exact totals and an unforked chain; 1,000 replays change nothing`, async () => {
  // Amounts 1.01 … 3.00 yuan: every gift differs, so a lost or doubled one shows in the total.
  const amounts = Array.from({ length: GIFTS }, (_, i) => 101 + i);
  const started = await Promise.all(amounts.map((fen) => ctx.services.donations.donate(null, { organizationId: orgId, projectId, giftAmount: fen, frequency: 'one_off', displayName: null, anonymous: true, publicMessage: null }, 'zh-CN')));
  expect(started).toHaveLength(GIFTS);
  const gifts = await ctx.database.db.select().from(donations).where(eq(donations.projectId, projectId));
  expect(gifts).toHaveLength(GIFTS);

  const events = gifts.map((g, i) => signedEvent('checkout.session.completed', paidSession(g.id, g.amountFen, `pi_load_${i}`, g.stripeCheckoutSessionId!)));
  const first = await Promise.all(events.map(deliver));
  expect(first.map((r) => r.status)).toEqual(events.map(() => 200));
  expect(first.filter((r) => r.body.outcome === 'received')).toHaveLength(GIFTS);

  // Every event five more times, in a shuffled order, 200 in flight at a time.
  const replays = events.flatMap((e) => Array.from({ length: 5 }, () => e)).sort(() => Math.random() - 0.5);
  expect(replays).toHaveLength(1_000);
  const outcomes: string[] = [];
  for (let i = 0; i < replays.length; i += 200) {
    const batch = await Promise.all(replays.slice(i, i + 200).map(deliver));
    outcomes.push(...batch.map((r) => (r.status === 200 ? r.body.outcome : `status ${r.status}`)));
  }
  expect(new Set(outcomes)).toEqual(new Set(['duplicate']));

  const expected = amounts.reduce((s, a) => s + a, 0);
  const chain = await chainFromDb();
  expect(chain).toHaveLength(GIFTS);
  const verification = verifyLedger(chain);
  expect(verification.problems).toEqual([]);
  expect(chain.map((e) => e.sequence)).toEqual(Array.from({ length: GIFTS }, (_, i) => i + 1));
  expect(ledgerTotals(chain, { orgId, projectId }).heldFen).toBe(expected);
  const report = await ctx.services.funds.projectReport(projectId);
  expect(report.figures.donationsFen).toBe(expected);
  expect(report.giftCount).toBe(GIFTS);
  expect(await ctx.database.db.select().from(paymentEvents)).toHaveLength(GIFTS);
}, 120_000);
