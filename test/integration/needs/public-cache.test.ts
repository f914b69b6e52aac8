import { Browser, startTestApp, type TestContext } from '../../support/app';
import { PDF_BYTES } from '../../support/money';
import { actorOf, openProject, orgWith, platformAdmin, publishNeed, registerChild, t } from '../../support/matching';
import { makeMember, makeOrg } from '../../support/factories';
import { PublicCache } from '../../../server/lib/public-cache';
import type { Actor } from '../../../server/lib/authorization';

/**
 * Public pages are answered from a few seconds' memory in production; a visitor must still see a
 * new figure right after the event that changes it. The cache's clock is held by the test, so a
 * page read after an event is inside the TTL of the answer remembered before it: only the
 * invalidation can make it show the new figure.
 */
let clock = 0;
let ctx: TestContext;
let orgId: string;
let caseworker: Actor;
const recentStart = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  // k = 1: each published need is visible at once, so the board's total moves with every event.
  ctx = await startTestApp({ config: { kAnonymity: 1 }, publicCache: new PublicCache(60_000, () => clock) });
  orgId = (await makeOrg(ctx.database.db, { kind: 'charity' })).id;
  caseworker = await actorOf(ctx, (await makeMember(ctx.database.db, orgId, ['caseworker', 'supervisor'])).id);
});
afterAll(() => ctx.close());

/** Moves the cache's clock past any hold an event set, and well inside the TTL. */
const later = () => (clock += 5_000);
const boardTotal = async () => /data-live-field="total">(\d+)</.exec((await new Browser(ctx.app).get('/needs')).text)![1];

it('shows a newly published need and then its withdrawal on the board at once', async () => {
  const first = await publishNeed(ctx, caseworker, orgId, await registerChild(ctx, caseworker, orgId));
  later();
  const before = Number(await boardTotal());
  expect(await boardTotal()).toBe(String(before));

  const second = await publishNeed(ctx, caseworker, orgId, await registerChild(ctx, caseworker, orgId));
  later();
  expect(await boardTotal()).toBe(String(before + 1));

  await ctx.services.needs.withdraw(caseworker, orgId, second, '家长已返乡', t);
  later();
  expect(await boardTotal()).toBe(String(before));
  await ctx.services.needs.withdraw(caseworker, orgId, first, '家长已返乡', t);
  later();
  expect(await boardTotal()).toBe(String(before - 1));
});

it('shows a gift’s new raised figure and a closed project’s status on its page at once', async () => {
  const charity = await orgWith(ctx, 'charity', '520324', [['admin'], ['finance']]);
  const [admin, finance] = charity.members.map((m) => m.actor);
  const projectId = await openProject(ctx, admin, charity.org.id, (await platformAdmin(ctx)).actor, { title: '春苗助学', fundingGoalFen: 500_000, startOn: recentStart, endOn: '2099-12-31' });
  later();
  const page = async () => (await new Browser(ctx.app).get(`/projects/${projectId}`)).text;
  expect(await page()).toMatch(/data-live-field="raised">0\.00</);

  await ctx.services.donations.recordOffline(finance, charity.org.id, { projectId, giftAmount: 120_000, method: 'bank_transfer', receivedOn: '2026-03-01', receiptNumber: 'CACHE-1', displayName: '黄先生', anonymous: false, publicMessage: null }, [{ buffer: PDF_BYTES, filename: '回单.pdf' }], t);
  later();
  expect(await page()).toMatch(/data-live-field="raised">1,200\.00</);

  await ctx.services.projects.close(admin, charity.org.id, projectId, t);
  later();
  expect(await page()).toContain(t('projects.status.closed'));
});
