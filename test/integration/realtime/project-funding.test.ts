import type { Socket } from 'socket.io-client';
import { donations } from '../../../server/db/schema';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { PDF_BYTES } from '../../support/money';
import { openProject, orgWith, platformAdmin, t } from '../../support/matching';
import { collect, listen, settle, socketTo } from '../../support/server';

/**
 * A project's public page shows raised against goal, and every open page of that project
 * hears a gift the moment it is received — an offline gift recorded by finance, or a Stripe
 * payment confirmed by webhook — while pages of other projects hear nothing.
 */
// Started lately, so no quarterly disclosure is overdue: an overdue project takes no gifts.
const recentStart = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
let ctx: TestContext;
let server: Awaited<ReturnType<typeof listen>>;
let orgId: string;
let finance: Awaited<ReturnType<typeof orgWith>>['members'][number]['actor'];
let projectId: string;
let otherId: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  ctx = await startTestApp();
  server = await listen({ app: ctx.app, services: ctx.services, state: ctx.state, sessionMiddleware: ctx.sessionMiddleware });
  const charity = await orgWith(ctx, 'charity', '520324', [['admin'], ['finance']]);
  orgId = charity.org.id;
  finance = charity.members[1].actor;
  const reviewer = (await platformAdmin(ctx)).actor;
  projectId = await openProject(ctx, charity.members[0].actor, orgId, reviewer, { title: '春苗助学', fundingGoalFen: 500_000, startOn: recentStart, endOn: '2099-12-31' });
  otherId = await openProject(ctx, charity.members[0].actor, orgId, reviewer, { title: '心理陪伴', fundingGoalFen: 200_000, startOn: recentStart, endOn: '2099-12-31' });
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await server.close();
  await ctx.close();
});

async function watcher(room: string) {
  const socket = await socketTo(server.url);
  sockets.push(socket);
  expect(await socket.emitWithAck('watch', room)).toBe(true);
  return collect<{ room: string; values: Record<string, string> }>(socket, 'figures');
}

const offlineGift = (amountFen: number, receiptNumber: string) =>
  ctx.services.donations.recordOffline(finance, orgId, { projectId, giftAmount: amountFen, method: 'bank_transfer', receivedOn: '2026-03-01', receiptNumber, displayName: '黄先生', anonymous: false, publicMessage: null }, [{ buffer: PDF_BYTES, filename: '回单.pdf' }], t);

it('shows raised against the goal with a progress bar that names its live room', async () => {
  const page = await new Browser(ctx.app).get(`/projects/${projectId}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain(`data-live-room="project:${projectId}"`);
  expect(page.text).toMatch(/已筹 ¥<strong data-live-field="raised">0\.00<\/strong> \/ ¥5,000\.00/);
  expect(page.text).toMatch(/<progress max="100" value="0" data-live-field="percent"/);
});

it('pushes the new raised amount and bar to the project’s room after an offline gift, and nothing to another project’s room', async () => {
  const mine = await watcher(`project:${projectId}`);
  const other = await watcher(`project:${otherId}`);
  await offlineGift(120_000, 'CM-LIVE-1');
  await settle();
  expect(mine).toEqual([{ room: `project:${projectId}`, values: { raised: '1,200.00', percent: '24' } }]);
  expect(other).toEqual([]);
  const page = await new Browser(ctx.app).get(`/projects/${projectId}`);
  expect(page.text).toMatch(/data-live-field="raised">1,200\.00</);
  expect(page.text).toMatch(/<progress max="100" value="24"/);
});

it('pushes once when Stripe confirms a payment, and not again when the webhook is replayed', async () => {
  const mine = await watcher(`project:${projectId}`);
  const other = await watcher(`project:${otherId}`);
  const [pending] = await ctx.database.db
    .insert(donations)
    .values({ organizationId: orgId, projectId, displayName: '', anonymous: true, amountFen: 30_000, channel: 'stripe', status: 'pending', receiptCode: 'live-test-receipt-code-0001' })
    .returning();
  const event = { eventId: 'evt_live_1', eventType: 'checkout.session.completed', occurredAt: new Date(), type: 'checkout_paid' as const, donationId: pending.id, sessionId: 'cs_live_1', paymentId: 'pi_live_1', amountFen: 30_000, method: 'card' as const };
  expect(await ctx.services.donations.applyPaymentEvent(event)).toBe('received');
  expect(await ctx.services.donations.applyPaymentEvent(event)).toBe('duplicate');
  await settle();
  expect(mine).toEqual([{ room: `project:${projectId}`, values: { raised: '1,500.00', percent: '30' } }]);
  expect(other).toEqual([]);
});

it('sends nothing when the gift fails to be recorded', async () => {
  const mine = await watcher(`project:${projectId}`);
  await expect(offlineGift(5_000, 'CM-LIVE-1')).rejects.toThrow();
  await settle();
  expect(mine).toEqual([]);
});
