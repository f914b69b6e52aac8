import { and, eq } from 'drizzle-orm';
import { auditEntries, memberships, organizations, outbox } from '../../../server/db/schema';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { creditCode, makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await startTestApp();
});
afterAll(() => ctx.close());

async function signedIn(email?: string) {
  const user = email ? undefined : await makeUser(ctx.database.db);
  const browser = new Browser(ctx.app);
  await browser.logIn(email ?? user!.email, PASSWORD);
  return { browser, user };
}

describe('applying and verification', () => {
  it('an applicant registers an organization, a platform admin verifies it, and it appears in the public directory', async () => {
    const { browser, user } = await signedIn();
    const code = creditCode();
    const applied = await browser.post('/organizations/apply', { name: '大山里的书屋公益', kind: 'charity', creditCode: code.toLowerCase(), description: '为山区小学建图书角。' });
    expect(applied.status).toBe(303);
    const [org] = await ctx.database.db.select().from(organizations).where(eq(organizations.creditCode, code));
    expect(org.status).toBe('pending');
    const workspace = await browser.get(applied.headers.location);
    expect(workspace.text).toContain('机构正在等待平台审核');
    expect((await new Browser(ctx.app).get('/organizations')).text).not.toContain('大山里的书屋公益');
    expect((await new Browser(ctx.app).get(`/organizations/${org.id}`)).status).toBe(404);

    const admin = await makeUser(ctx.database.db, { isPlatformAdmin: true });
    const { browser: reviewer } = await signedIn(admin.email);
    expect((await reviewer.get('/admin/organizations')).text).toContain('大山里的书屋公益');
    const verified = await reviewer.post(`/admin/organizations/${org.id}/review`, { decision: 'verify', note: '证照齐全' });
    expect(verified.status).toBe(303);
    expect((await reviewer.get('/admin/organizations')).text).toContain('已认证该机构');

    const directory = await new Browser(ctx.app).get('/organizations');
    expect(directory.text).toContain('大山里的书屋公益');
    const profile = await new Browser(ctx.app).get(`/organizations/${org.id}`);
    expect(profile.text).toContain('为山区小学建图书角。');
    expect(profile.text).not.toContain(user!.email);
    const audit = await ctx.database.db.select().from(auditEntries).where(and(eq(auditEntries.organizationId, org.id), eq(auditEntries.action, 'organization.verify')));
    expect(audit).toHaveLength(1);
    expect(audit[0].reason).toBe('证照齐全');

    const again = await reviewer.post(`/admin/organizations/${org.id}/review`, { decision: 'reject' });
    expect(again.status).toBe(422);
    expect(again.text).toContain('该申请已经审核过了');
  });

  it('names a wrong check character in the credit code and writes nothing', async () => {
    const { browser } = await signedIn();
    const before = (await ctx.database.db.select().from(organizations)).length;
    const res = await browser.post('/organizations/apply', { name: '校验位错误机构', kind: 'charity', creditCode: '91350100M000100Y44' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('统一社会信用代码：校验位不正确，请核对');
    expect(res.text).toContain('value="校验位错误机构"');
    expect((await ctx.database.db.select().from(organizations)).length).toBe(before);
  });

  it('refuses a credit code that is already registered', async () => {
    const existing = await makeOrg(ctx.database.db);
    const { browser } = await signedIn();
    const res = await browser.post('/organizations/apply', { name: '重复', kind: 'enterprise', creditCode: existing.creditCode });
    expect(res.status).toBe(409);
    expect(res.text).toContain('该统一社会信用代码已被注册');
  });

  it('does not let the admin of a pending organization invite anyone', async () => {
    const pending = await makeOrg(ctx.database.db, { status: 'pending' });
    const admin = await makeMember(ctx.database.db, pending.id, ['admin']);
    const { browser } = await signedIn(admin.email);
    const res = await browser.post(`/org/${pending.id}/invitations`, { email: 'x@example.cn', roles: ['staff'] });
    expect(res.status).toBe(403);
  });
});

describe('invitations', () => {
  it('an org admin invites a caseworker by link; the invitee signs up with that address and joins', async () => {
    const org = await makeOrg(ctx.database.db, { name: '春苗关爱中心' });
    const admin = await makeMember(ctx.database.db, org.id, ['admin']);
    const { browser } = await signedIn(admin.email);
    const sent = await browser.post(`/org/${org.id}/invitations`, { email: 'Director.Zhang@Example.cn', roles: ['caseworker'] });
    expect(sent.status).toBe(303);
    const page = await browser.get(`/org/${org.id}`);
    expect(page.text).toContain('已邀请 Director.Zhang@Example.cn');
    const [mail] = await ctx.database.db.select().from(outbox).where(eq(outbox.to, 'director.zhang@example.cn'));
    expect(mail.subject).toBe('邀请您加入春苗关爱中心');
    const link = /(\/invitations\/[\w-]+)/.exec(mail.body)![1];

    const invitee = new Browser(ctx.app);
    const preview = await invitee.get(link);
    expect(preview.text).toContain('春苗关爱中心');
    expect(preview.text).toContain('儿童主任');
    await invitee.post('/signup', { displayName: '张主任', email: 'director.zhang@example.cn', password: 'village director pass' });
    const accepted = await invitee.post(`${link}/accept`);
    expect(accepted.status).toBe(303);
    const account = await invitee.get('/account');
    expect(account.text).toContain('春苗关爱中心');
    expect(account.text).toContain('您已加入该机构');
    const [m] = await ctx.database.db.select().from(memberships).where(eq(memberships.organizationId, org.id));
    expect(m).toBeDefined();

    const reuse = await invitee.get(link);
    expect(reuse.status).toBe(404);
  });

  it('refuses an invitation accepted by someone signed in with another address', async () => {
    const org = await makeOrg(ctx.database.db);
    const admin = await makeMember(ctx.database.db, org.id, ['admin']);
    const actor = (await ctx.services.accounts.loadActor(admin.id))!;
    const { link } = await ctx.services.organizations.invite(actor, org.id, { email: 'right@example.cn', roles: ['finance'] }, (k) => k);
    const { browser } = await signedIn();
    const res = await browser.post(`${new URL(link).pathname}/accept`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('此邀请发给另一个电子邮箱');
  });

  it('a revoked invitation no longer works', async () => {
    const org = await makeOrg(ctx.database.db);
    const admin = await makeMember(ctx.database.db, org.id, ['admin']);
    const actor = (await ctx.services.accounts.loadActor(admin.id))!;
    const { link } = await ctx.services.organizations.invite(actor, org.id, { email: 'later@example.cn', roles: ['staff'] }, (k) => k);
    const path = new URL(link).pathname;
    const { id } = await ctx.services.organizations.invitationPreview(path.split('/').pop()!);
    const { browser } = await signedIn(admin.email);
    expect((await browser.post(`/org/${org.id}/invitations/${id}/revoke`)).status).toBe(303);
    expect((await new Browser(ctx.app).get(path)).status).toBe(404);
  });

  it('refuses a role the organization kind cannot have, and an empty role list', async () => {
    const gov = await makeOrg(ctx.database.db, { kind: 'government' });
    const admin = await makeMember(ctx.database.db, gov.id, ['admin']);
    const { browser } = await signedIn(admin.email);
    const finance = await browser.post(`/org/${gov.id}/invitations`, { email: 'f@example.cn', roles: ['finance'] });
    expect(finance.status).toBe(422);
    expect(finance.text).toContain('此类机构不能设置「财务」角色');
    const none = await browser.post(`/org/${gov.id}/invitations`, { email: 'f@example.cn' });
    expect(none.status).toBe(422);
    expect(none.text).toContain('角色：请至少选择一个角色');
  });
});

describe('member roles', () => {
  it('keeps at least one admin', async () => {
    const org = await makeOrg(ctx.database.db);
    const admin = await makeMember(ctx.database.db, org.id, ['admin']);
    const { browser } = await signedIn(admin.email);
    const res = await browser.post(`/org/${org.id}/members/${admin.id}/roles`, { roles: ['staff'] });
    expect(res.status).toBe(422);
    expect(res.text).toContain('机构至少需要一名管理员');
  });
});

describe('forms after a mistake', () => {
  it('re-renders the workspace with the invitation error next to the field, labels intact', async () => {
    const org = await makeOrg(ctx.database.db, { name: '表单重现机构' });
    const admin = await makeMember(ctx.database.db, org.id, ['admin']);
    const { browser } = await signedIn(admin.email);
    const res = await browser.post(`/org/${org.id}/invitations`, { email: 'not-an-email', roles: ['staff'] });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<h1>表单重现机构');
    expect(res.text).toContain('<p class="error-text" id="e-email">电子邮箱：请输入有效的电子邮箱地址</p>');
    expect(res.text).toMatch(/<label for="f-email">电子邮箱/);
    expect(res.text).not.toContain('[object Object]');
  });
});
