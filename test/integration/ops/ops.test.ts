import { Browser, startTestApp, type TestContext } from '../../support/app';

describe('health, readiness and error pages', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await startTestApp();
  });
  afterAll(() => ctx.close());

  it('answers /healthz and /readyz while the database is up', async () => {
    const browser = new Browser(ctx.app);
    expect((await browser.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await browser.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  it('serves the home page in Chinese with security headers', async () => {
    const res = await new Browser(ctx.app).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('每一个孩子，都不该被遗漏');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('switches to English from the footer and remembers it', async () => {
    const browser = new Browser(ctx.app);
    const footer = (await browser.get('/organizations')).text;
    // The footer's form is a GET with no token, so that a public page carries nothing per visitor.
    expect(footer).toContain('<form method="get" action="/language" class="language-form">');
    expect(footer).toContain('name="back" value="/organizations"');
    const res = await browser.get('/language?back=%2Forganizations&locale=en');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/organizations');
    const page = await browser.get('/organizations');
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain('Verified organizations');
    // Never back to another site; and the form posted with a token, as before, still works.
    expect((await browser.get('/language?locale=zh-CN&back=%2F%2Fevil.example')).headers.location).toBe('/');
    const posted = await browser.post('/language', { locale: 'zh-CN', back: '/organizations' });
    expect(posted.headers.location).toBe('/organizations');
    expect((await browser.get('/organizations')).text).toContain('<html lang="zh-CN">');
  });

  it('answers an unknown route with a 404 page in the user’s language, and JSON to JSON clients', async () => {
    const page = await new Browser(ctx.app).get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.text).toContain('页面不存在');
    const json = await new Browser(ctx.app, { Accept: 'application/json', 'Accept-Language': 'en' }).get('/no/such/page');
    expect(json.status).toBe(404);
    expect(json.body.error.message).toBe('We could not find that page or record.');
  });

  it('answers a malformed id with 404, not a database error', async () => {
    expect((await new Browser(ctx.app).get('/organizations/not-a-uuid')).status).toBe(404);
  });

  it('rejects oversized bodies with a clear 413', async () => {
    const browser = new Browser(ctx.app);
    await browser.get('/signup');
    const res = await browser.post('/signup', { displayName: 'x'.repeat(300_000) });
    expect(res.status).toBe(413);
    expect(res.text).toContain('提交的内容过大');
  });

  it('when the database goes away: /readyz says 503, pages give a 500 with a request id and no stack trace', async () => {
    const own = await startTestApp();
    await own.database.close();
    const ready = await new Browser(own.app).get('/readyz');
    expect(ready.status).toBe(503);
    const res = await new Browser(own.app).get('/');
    expect(res.status).toBe(500);
    expect(res.text).toContain('服务器错误');
    expect(res.text).toContain(res.headers['x-request-id']);
    expect(res.text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
  });
});
