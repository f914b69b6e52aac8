import express from 'express';
import cookieParser from 'cookie-parser';
import request from 'supertest';
import { csrfProtection } from '../../../server/lib/csrf';
import { PublicCache } from '../../../server/lib/public-cache';
import { acceptsGzip, publicPageCache } from '../../../server/lib/public-page-cache';

/**
 * The cache shares a render only when nothing in it is the visitor's own. The app's public pages
 * have no such part today (tested in test/integration/needs/public-pages.test.ts); these pages
 * do, so they show that a page that gains one is rendered for each visitor rather than shared.
 */
function site(cache: PublicCache) {
  const renders: Record<string, number> = {};
  const app = express();
  app.use(cookieParser());
  app.use((req, _res, next) => {
    req.locale = 'zh-CN';
    next();
  });
  app.use(publicPageCache(cache, { sessionCookie: 'cb.sid', pages: [/^\/page\/\w+$/] }));
  app.use(csrfProtection({ secret: 'x'.repeat(32), secure: false }));
  const page = (name: string, body: (req: express.Request, res: express.Response) => void) =>
    app.get(`/page/${name}`, (req, res) => {
      renders[name] = (renders[name] ?? 0) + 1;
      body(req, res);
    });
  page('plain', (_req, res) => res.send('<p>公示</p>'));
  page('form', (_req, res) => res.send(`<input name="_csrf" value="${res.locals.csrfToken}">`));
  page('cookie', (_req, res) => res.cookie('seen', '1').send('<p>hi</p>'));
  page('missing', (_req, res) => res.status(404).send('<p>none</p>'));
  page('slow', (_req, res) => setTimeout(() => res.send('<p>slow</p>'), 50));
  return { app, renders };
}

it('answers an anonymous page from one render, and renders again after an invalidation', async () => {
  const cache = new PublicCache(60_000, () => 0);
  const { app, renders } = site(cache);
  const first = await request(app).get('/page/plain');
  const second = await request(app).get('/page/plain');
  expect(second.text).toBe('<p>公示</p>');
  expect(second.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(second.headers.etag).toBe(first.headers.etag);
  expect(renders.plain).toBe(1);
  expect((await request(app).get('/page/plain').set('if-none-match', first.headers.etag)).status).toBe(304);
  cache.invalidate();
  await request(app).get('/page/plain');
  expect(renders.plain).toBe(2);
});

it('lets concurrent first visitors wait for one render', async () => {
  const { app, renders } = site(new PublicCache(60_000, () => 0));
  const pages = await Promise.all(Array.from({ length: 5 }, () => request(app).get('/page/slow')));
  expect(pages.map((p) => p.text)).toEqual(Array(5).fill('<p>slow</p>'));
  expect(renders.slow).toBe(1);
});

it('renders for each visitor a page that printed a CSRF token, set a cookie or was not a 200', async () => {
  const { app, renders } = site(new PublicCache(60_000, () => 0));
  const tokens = new Set<string>();
  // Visitors who already hold a CSRF secret (no cookie is set for them)…
  for (const secret of ['a'.repeat(43), 'b'.repeat(43)]) {
    const res = await request(app).get('/page/form').set('cookie', `cb.csrf=${secret}`);
    expect(res.headers['set-cookie']).toBeUndefined();
    tokens.add(/value="([^"]+)"/.exec(res.text)![1]);
  }
  // …and a cookieless one, given a secret of their own: each gets the token that goes with theirs.
  const res = await request(app).get('/page/form');
  expect(res.headers['set-cookie']?.[0]).toMatch(/^cb\.csrf=/);
  tokens.add(/value="([^"]+)"/.exec(res.text)![1]);
  expect(tokens.size).toBe(3);
  for (let i = 0; i < 2; i++) expect((await request(app).get('/page/cookie')).headers['set-cookie']?.[0]).toMatch(/^seen=1/);
  for (let i = 0; i < 2; i++) expect((await request(app).get('/page/missing')).status).toBe(404);
  expect(renders).toMatchObject({ form: 3, cookie: 2, missing: 2 });
});

it('never answers a visitor holding a session cookie from memory', async () => {
  const { app, renders } = site(new PublicCache(60_000, () => 0));
  await request(app).get('/page/plain');
  await request(app).get('/page/plain').set('cookie', 'cb.sid=s%3Aabc');
  expect(renders.plain).toBe(2);
});

it('is not there without a cache (development and tests)', async () => {
  const app = express();
  let renders = 0;
  app.use(publicPageCache(undefined, { sessionCookie: 'cb.sid', pages: [/^\/$/] }));
  app.get('/', (_req, res) => res.send(`<p>${++renders}</p>`));
  await request(app).get('/');
  expect((await request(app).get('/')).text).toBe('<p>2</p>');
});

it('sends the kept page gzipped to a browser that asks for it, and plain to one that does not', async () => {
  const cache = new PublicCache(60_000, () => 0);
  const { app, renders } = site(cache);
  await request(app).get('/page/plain');
  const zipped = await request(app).get('/page/plain').set('accept-encoding', 'gzip, deflate, br');
  expect(zipped.headers['content-encoding']).toBe('gzip');
  expect(zipped.headers.vary).toMatch(/Accept-Encoding/);
  // supertest decompresses: the visitor reads the same page.
  expect(zipped.text).toBe('<p>公示</p>');
  // supertest asks for gzip unless told otherwise; an empty header is a client that names no encoding.
  for (const refused of ['', 'identity', 'gzip;q=0, identity']) {
    const plain = await request(app).get('/page/plain').set('accept-encoding', refused);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe('<p>公示</p>');
  }
  expect(renders.plain).toBe(1);
});

it('reads Accept-Encoding as HTTP does: named or by "*", refused only with q=0', () => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['', false],
    ['gzip, deflate, br', true],
    ['GZIP', true],
    ['br;q=1.0, gzip;q=0.5', true],
    ['br', false],
    ['identity', false],
    ['gzip;q=0', false],
    ['gzip; q=0.0, br', false],
    ['*', true],
    ['*;q=0, gzip', true],
    ['gzip;q=0, *', false],
    ['xgzip, br', false],
  ];
  for (const [header, expected] of cases) expect([header, acceptsGzip(header)]).toEqual([header, expected]);
});
