import request from 'supertest';
import { startTestApp, type TestContext } from '../../support/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await startTestApp();
});
afterAll(() => ctx.close());

it('refuses a NUL byte in a search with a clear message instead of a server error', async () => {
  const res = await request(ctx.app).get('/projects?q=%E8%BE%85%E5%AF%BC%00').set('Accept-Language', 'zh-CN');
  expect(res.status).toBe(422);
  expect(res.text).toContain('不允许的控制字符（NUL）');
});

it('still searches text without one', async () => {
  const res = await request(ctx.app).get('/projects?q=%E8%BE%85%E5%AF%BC');
  expect(res.status).toBe(200);
});
