import { eq } from 'drizzle-orm';
import { outbox, sessions, users } from '../../../server/db/schema';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeUser, PASSWORD } from '../../support/factories';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await startTestApp();
});
afterAll(() => ctx.close());

const countUsers = async () => (await ctx.database.db.select().from(users)).length;

describe('sign-up', () => {
  it('creates an account, signs the person in and shows their account page in Chinese', async () => {
    const browser = new Browser(ctx.app);
    const res = await browser.post('/signup', { displayName: '林小雨', email: 'Lin.XiaoYu@Example.cn ', password: 'a long enough passphrase', asVolunteer: 'on' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    const page = await browser.get('/account');
    expect(page.status).toBe(200);
    expect(page.text).toContain('欢迎加入关爱桥，林小雨！');
    expect(page.text).toContain('lin.xiaoyu@example.cn');
    const [user] = await ctx.database.db.select().from(users).where(eq(users.email, 'lin.xiaoyu@example.cn'));
    expect(user.isVolunteer).toBe(true);
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('names each bad field in Chinese, keeps what was typed (but not the password) and writes nothing', async () => {
    const before = await countUsers();
    const browser = new Browser(ctx.app);
    const res = await browser.post('/signup', { displayName: '', email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('电子邮箱：请输入有效的电子邮箱地址');
    expect(res.text).toContain('姓名或昵称：必填');
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).not.toContain('value="short"');
    expect(await countUsers()).toBe(before);
  });

  it('answers in English when the browser asks for it', async () => {
    const browser = new Browser(ctx.app, { 'Accept-Language': 'en-GB,en;q=0.9' });
    const res = await browser.post('/signup', { displayName: 'Li', email: 'li@example.cn', password: 'short' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Password: must be at least 10 characters');
    expect(res.text).toContain('<html lang="en">');
  });

  it('refuses an address that already has an account', async () => {
    const existing = await makeUser(ctx.database.db);
    const res = await new Browser(ctx.app).post('/signup', { displayName: '重复', email: existing.email.toUpperCase(), password: 'another fine passphrase' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('该电子邮箱已注册');
  });
});

describe('log-in and log-out', () => {
  it('gives a new session id at log-in, and log-out ends the session', async () => {
    const user = await makeUser(ctx.database.db);
    const browser = new Browser(ctx.app);
    // An anonymous session exists first (set by a flash), so fixation would be possible without rotation.
    await browser.post('/password/forgot', { email: 'nobody@example.cn' });
    await browser.post('/language', { locale: 'zh-CN', back: '/' });
    const before = (await ctx.database.db.select({ sid: sessions.sid }).from(sessions)).map((s) => s.sid);
    const res = await browser.logIn(user.email, PASSWORD);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/cb\.sid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const mine = await ctx.database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(mine).toHaveLength(1);
    expect(before).not.toContain(mine[0].sid);
    expect((await browser.get('/account')).status).toBe(200);

    await browser.post('/logout');
    expect(await ctx.database.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
    const after = await browser.get('/account');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login?next=%2Faccount');
  });

  it('says the e-mail or password is wrong without saying which', async () => {
    const user = await makeUser(ctx.database.db);
    const wrongPassword = await new Browser(ctx.app).post('/login', { email: user.email, password: 'not the password' });
    const noSuchUser = await new Browser(ctx.app).post('/login', { email: 'ghost@example.cn', password: 'not the password' });
    expect(wrongPassword.status).toBe(422);
    expect(noSuchUser.status).toBe(422);
    expect(wrongPassword.text).toContain('电子邮箱或密码不正确');
    expect(noSuchUser.text).toContain('电子邮箱或密码不正确');
  });

  it('only follows same-site paths after log-in', async () => {
    const user = await makeUser(ctx.database.db);
    const res = await new Browser(ctx.app).post('/login', { email: user.email, password: PASSWORD, next: '//evil.example/phish' });
    expect(res.headers.location).toBe('/account');
  });
});

describe('lock-out', () => {
  it('locks an account after 5 failures, even with the right password, from any IP', async () => {
    const user = await makeUser(ctx.database.db);
    for (let i = 0; i < 5; i++) {
      const res = await new Browser(ctx.app, { 'X-Forwarded-For': `10.0.0.${i}` }).post('/login', { email: user.email, password: 'wrong password!' });
      expect(res.status).toBe(422);
    }
    const locked = await new Browser(ctx.app).post('/login', { email: user.email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    expect(locked.text).toContain('登录失败次数过多');
  });

  it('locks an IP after 20 failures across accounts, while other IPs still get in', async () => {
    const victim = await makeUser(ctx.database.db);
    const sprayer = { 'X-Forwarded-For': '203.0.113.9' };
    for (let i = 0; i < 20; i++) {
      const res = await new Browser(ctx.app, sprayer).post('/login', { email: `spray${i}@example.cn`, password: 'guess guess guess' });
      expect(res.status).toBe(422);
    }
    expect((await new Browser(ctx.app, sprayer).post('/login', { email: victim.email, password: PASSWORD })).status).toBe(429);
    expect((await new Browser(ctx.app, { 'X-Forwarded-For': '198.51.100.7' }).post('/login', { email: victim.email, password: PASSWORD })).status).toBe(303);
  });
});

describe('CSRF', () => {
  it('rejects a state-changing form without the token and changes nothing', async () => {
    const before = await countUsers();
    const res = await new Browser(ctx.app).postForged('/signup', { displayName: '攻击者', email: 'csrf@example.cn', password: 'a long enough passphrase' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('表单已过期或来源无法验证');
    expect(await countUsers()).toBe(before);
  });

  it('rejects a token from another browser', async () => {
    const mine = new Browser(ctx.app);
    const page = await mine.get('/signup');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await new Browser(ctx.app).postForged('/signup', { _csrf: token, displayName: 'x', email: 'csrf2@example.cn', password: 'a long enough passphrase' });
    expect(res.status).toBe(403);
  });
});

describe('passwords', () => {
  it('changes the password after checking the current one and signs out other devices', async () => {
    const user = await makeUser(ctx.database.db);
    const laptop = new Browser(ctx.app);
    const phone = new Browser(ctx.app);
    await laptop.logIn(user.email, PASSWORD);
    await phone.logIn(user.email, PASSWORD);
    const wrong = await laptop.post('/account/password', { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('当前密码：当前密码不正确');
    const ok = await laptop.post('/account/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    expect(ok.status).toBe(303);
    expect((await laptop.get('/account')).status).toBe(200);
    expect((await phone.get('/account')).status).toBe(303);
    await new Browser(ctx.app).logIn(user.email, 'a brand new passphrase');
  });

  it('resets a forgotten password through a one-time link written to the outbox', async () => {
    const user = await makeUser(ctx.database.db);
    const browser = new Browser(ctx.app);
    const sent = await browser.post('/password/forgot', { email: user.email });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('重设密码的链接已发送');
    const [mail] = await ctx.database.db.select().from(outbox).where(eq(outbox.to, user.email));
    expect(mail.kind).toBe('password_reset');
    const link = /http:\/\/carebridge\.test(\/password\/reset\/[\w-]+)/.exec(mail.body)![1];

    expect((await browser.get(link)).status).toBe(200);
    const done = await browser.post(link, { newPassword: 'reset passphrase 2026' });
    expect(done.status).toBe(303);
    await new Browser(ctx.app).logIn(user.email, 'reset passphrase 2026');
    const again = await browser.get(link);
    expect(again.status).toBe(410);
    expect(again.text).toContain('重设链接无效或已过期');
  });

  it('answers the same for an unknown address and sends nothing', async () => {
    const before = (await ctx.database.db.select().from(outbox)).length;
    const res = await new Browser(ctx.app).post('/password/forgot', { email: 'nobody-here@example.cn' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('重设密码的链接已发送');
    expect((await ctx.database.db.select().from(outbox)).length).toBe(before);
  });
});
