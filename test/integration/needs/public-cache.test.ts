import { Browser, startTestApp, type TestContext } from '../../support/app';
import { PDF_BYTES } from '../../support/money';
import { actorOf, openProject, orgWith, platformAdmin, publishNeed, registerChild, t } from '../../support/matching';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { PublicCache } from '../../../server/lib/public-cache';
import type { Actor } from '../../../server/lib/authorization';
import { translator } from '../../../server/lib/i18n';

/**
 * Public pages are answered from a few seconds' memory in production — their projections, and
 * for anonymous visitors the rendered HTML itself; a visitor must still see a new figure right
 * after the event that changes it, must never see another visitor's parts of a page (their CSRF
 * token, signed-in header or flash message), and a signed-in visitor must never be given the
 * anonymous page. The cache's clock is held by the test, so a page read after an event is inside
 * the TTL of the answer remembered before it: only the invalidation can make it show the new
 * figure; how many times the app rendered a view tells whether a page came from memory.
 */
let clock = 0;
let ctx: TestContext;
let orgId: string;
let caseworker: Actor;
const recentStart = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
const rendered: string[] = [];
const renders = (view: string) => rendered.filter((v) => v === view).length;

beforeAll(async () => {
  // k = 1: each published need is visible at once, so the board's total moves with every event.
  ctx = await startTestApp({ config: { kAnonymity: 1 }, publicCache: new PublicCache(60_000, () => clock) });
  const render = ctx.app.render;
  ctx.app.render = function (this: unknown, view: string, ...rest: unknown[]) {
    rendered.push(view);
    return (render as (...args: unknown[]) => void).apply(this, [view, ...rest]);
  } as typeof render;
  orgId = (await makeOrg(ctx.database.db, { kind: 'charity' })).id;
  caseworker = await actorOf(ctx, (await makeMember(ctx.database.db, orgId, ['caseworker', 'supervisor'])).id);
});
afterAll(() => ctx.close());

/** Moves the cache's clock past any hold an event set, and well inside the TTL. */
const later = () => (clock += 5_000);
const anonymous = (headers: Record<string, string> = {}) => new Browser(ctx.app, headers).get('/needs');
const boardTotal = async () => /data-live-field="total">(\d+)</.exec((await anonymous()).text)![1];

it('shows a newly published need and then its withdrawal on the board at once', async () => {
  const first = await publishNeed(ctx, caseworker, orgId, await registerChild(ctx, caseworker, orgId));
  later();
  const before = Number(await boardTotal());
  const rendersBefore = renders('needs/board');
  const again = await anonymous();
  expect(again.text).toContain(`data-live-field="total">${before}<`);
  // Answered from memory, with nothing to remember about a visitor who only reads: no session, no CSRF secret.
  expect(renders('needs/board')).toBe(rendersBefore);
  expect(again.headers['set-cookie']).toBeUndefined();

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
  const rendersBefore = renders('projects/show');
  expect(await page()).toMatch(/data-live-field="raised">0\.00</);
  expect(renders('projects/show')).toBe(rendersBefore);

  await ctx.services.donations.recordOffline(finance, charity.org.id, { projectId, giftAmount: 120_000, method: 'bank_transfer', receivedOn: '2026-03-01', receiptNumber: 'CACHE-1', displayName: '黄先生', anonymous: false, publicMessage: null }, [{ buffer: PDF_BYTES, filename: '回单.pdf' }], t);
  later();
  expect(await page()).toMatch(/data-live-field="raised">1,200\.00</);

  await ctx.services.projects.close(admin, charity.org.id, projectId, t);
  later();
  expect(await page()).toContain(t('projects.status.closed'));
});

it('never gives one visitor’s token, header or flash to another, and never the anonymous page to a signed-in visitor', async () => {
  const user = await makeUser(ctx.database.db, { displayName: '陈晓燕' });
  const signedIn = new Browser(ctx.app);
  await signedIn.logIn(user.email, PASSWORD);
  // A flash waits in the session for the next page: the board.
  await signedIn.post('/account', { displayName: '陈晓燕', asDonor: 'on' });
  const own = await signedIn.get('/needs');
  expect(own.text).toContain(t('accounts.account.saved'));
  expect(own.text).toContain('action="/logout"');
  const token = /name="_csrf" value="([^"]+)"/.exec(own.text)![1];

  // An anonymous visitor who holds a CSRF secret of their own (from the log-in page), and one with no cookie at all.
  const withSecret = new Browser(ctx.app);
  const loginPage = await withSecret.get('/login');
  const theirToken = /name="_csrf" value="([^"]+)"/.exec(loginPage.text)![1];
  for (const visitor of [withSecret, new Browser(ctx.app)]) {
    const html = (await visitor.get('/needs')).text;
    expect(html).not.toContain(t('accounts.account.saved'));
    expect(html).not.toContain('action="/logout"');
    expect(html).not.toContain('陈晓燕');
    expect(html).not.toContain(token);
    expect(html).not.toContain(theirToken);
    expect(html).not.toContain('name="_csrf"');
    expect(html).toContain('href="/login"');
  }

  // The anonymous board is now in memory; the signed-in visitor is still rendered their own.
  const before = renders('needs/board');
  const again = await signedIn.get('/needs');
  expect(renders('needs/board')).toBe(before + 1);
  expect(again.text).toContain('action="/logout"');
  expect(again.text).toContain(`value="${token}"`);
  expect(again.text).not.toContain(t('accounts.account.saved'));

  // The CSRF secret the anonymous visitor was given still works for the form they meant to use.
  const login = await withSecret.post('/login', { email: user.email, password: PASSWORD });
  expect(login.status).toBe(303);
});

it('keeps one page per language, however the language was chosen', async () => {
  later();
  const chinese = await anonymous();
  expect(chinese.text).toContain('<html lang="zh-CN">');
  const byHeader = await anonymous({ 'accept-language': 'en-GB,en;q=0.9' });
  expect(byHeader.text).toContain('<html lang="en">');
  expect(byHeader.text).toContain(translator('en')('nav.needs'));

  const chooser = new Browser(ctx.app);
  const switched = await chooser.get('/language?locale=en&back=%2Fneeds');
  expect(switched.status).toBe(303);
  expect(switched.headers.location).toBe('/needs');
  const before = renders('needs/board');
  const byCookie = await chooser.get('/needs');
  expect(byCookie.text).toContain('<html lang="en">');
  // The English page rendered for the Accept-Language visitor serves the cookie's choice too.
  expect(renders('needs/board')).toBe(before);
  expect((await anonymous()).text).toContain('<html lang="zh-CN">');

  // A filtered board is a page of its own, and its language form sends the visitor back to it.
  const filtered = await new Browser(ctx.app).get('/needs?kind=tutoring');
  expect(filtered.text).toContain('name="back" value="/needs?kind&#x3D;tutoring"');
});
