import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../server/db/client';
import { createLogger } from '../../../server/lib/logger';
import { makeOrg } from '../../support/factories';
import { ROOT, scratchDatabase, startServer } from '../../support/process';
import { TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, paidSession, signedEvent, startStripeStandIn, type StripeStandIn } from '../../support/stripe-standin';

/**
 * The real process (`npm start`'s server/index.ts under tsx) is killed with SIGKILL while webhooks are being
 * posted, then started again; Stripe's retries are replayed. Every gift is in the ledger exactly
 * once, none acknowledged before the kill is lost, and the exported ledger verifies offline with
 * scripts/verify-ledger.ts.
 */
const GIFTS = 80;

/** A donor's gift through the real form: returns the gift id the checkout was opened for. */
async function donate(base: string, orgId: string, amount: string, stripe: StripeStandIn): Promise<string> {
  const page = await fetch(`${base}/donate?organization=${orgId}`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  const before = stripe.requests.length;
  const res = await fetch(`${base}/donate`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: token, organizationId: orgId, giftAmount: amount, frequency: 'one_off', anonymous: 'on' }).toString(),
  });
  expect(res.status).toBe(303);
  return stripe.requests.slice(before).find((r) => r.path === '/v1/checkout/sessions')!.body.client_reference_id;
}

const deliver = (base: string, e: { payload: string; header: string }) =>
  fetch(`${base}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': e.header }, body: e.payload }).then(
    async (r) => ({ status: r.status, outcome: r.ok ? ((await r.json()) as { outcome: string }).outcome : null }),
    () => ({ status: 0, outcome: null }),
  );

let stripe: StripeStandIn;
let env: Record<string, string>;
let orgId: string;
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  scratch = await scratchDatabase('crash');
  // The organization that receives the gifts, written before the process owns the database.
  const handle = await openDatabase({ databaseUrl: scratch.env.DATABASE_URL, dataDir: scratch.dataDir, logger: createLogger('silent') });
  orgId = (await makeOrg(handle.db, { kind: 'charity', name: '断电测试机构' })).id;
  await handle.close();
  env = { ...scratch.env, SEED_DEMO: 'false', STRIPE_SECRET_KEY: TEST_SECRET_KEY, STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_API_BASE: stripe.url };
}, 60_000);
afterAll(async () => {
  await stripe.close();
  await scratch.cleanup();
});

it('loses and doubles no gift when the process is killed mid-posting and restarted', async () => {
  const first = await startServer(env);
  const amounts = Array.from({ length: GIFTS }, (_, i) => 1_001 + i);
  const giftIds: string[] = [];
  for (const fen of amounts) giftIds.push(await donate(first.base, orgId, (fen / 100).toFixed(2), stripe));
  const events = giftIds.map((id, i) => signedEvent('checkout.session.completed', paidSession(id, amounts[i], `pi_crash_${i}`)));

  // Eight deliveries in flight at a time, as Stripe sends them; the process is killed once a quarter
  // were acknowledged, with the next ones in the middle of being posted.
  const acknowledged = new Set<number>();
  let killed = false;
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const i = next++;
      const r = await deliver(first.base, events[i]);
      if (r.status === 200) acknowledged.add(i);
      if (!killed && acknowledged.size >= GIFTS / 4) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await first.exited;
  expect(killed).toBe(true);
  expect(acknowledged.size).toBeGreaterThan(0);
  expect(acknowledged.size).toBeLessThan(GIFTS);

  // Stripe retries what was not acknowledged; here everything is sent again, twice.
  const second = await startServer(env);
  try {
    for (let round = 0; round < 2; round += 1) {
      const results = await Promise.all(events.map((e) => deliver(second.base, e)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      if (round === 1) expect(new Set(results.map((r) => r.outcome))).toEqual(new Set(['duplicate']));
    }
    const exported = await fetch(`${second.base}/transparency/ledger.jsonl`);
    const text = await exported.text();
    const file = path.join(scratch.dataDir, 'ledger.jsonl');
    fs.writeFileSync(file, text);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const entries = lines.slice(1);
    expect(entries).toHaveLength(GIFTS);
    expect(new Set(entries.map((e: { reference: string }) => e.reference))).toEqual(new Set(giftIds));
    const held = entries.reduce((s: number, e: { postings: Array<{ account: string; amountFen: number }> }) => s + e.postings.filter((p) => p.account.endsWith(':general')).reduce((a, p) => a + p.amountFen, 0), 0);
    expect(held).toBe(amounts.reduce((s, a) => s + a, 0));

    const page = await (await fetch(`${second.base}/transparency`)).text();
    const head = /<code class="hash">([0-9a-f]{64})<\/code>/.exec(page)![1];
    expect(lines[0].head).toBe(head);
    const verify = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify-ledger.ts', file, '--expect-head', head], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: verify.status, out: verify.stdout + verify.stderr }).toMatchObject({ status: 0 });
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
}, 240_000);
