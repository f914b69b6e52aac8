import type { Browser, Page } from 'playwright-core';
import { paidSession, signedEvent, startStripeStandIn, TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, type StripeStandIn } from '../support/stripe-standin';
import { accessibilityProblems, launchBrowser, logIn, logOut, screenshot, startServer, type RunningServer } from './support';

// The journeys people make through the product, on the demo county, one server for all of them.
let server: RunningServer;
let stripe: StripeStandIn;
let browser: Browser;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  server = await startServer({ STRIPE_SECRET_KEY: TEST_SECRET_KEY, STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_API_BASE: stripe.url });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await stripe?.close();
});

async function freshPage(): Promise<Page> {
  return (await browser.newContext({ locale: 'zh-CN' })).newPage();
}

/** The caseworker records the guardian's verbal consent, witnessed by them, on the page in view. */
async function recordVerbalConsent(page: Page): Promise<void> {
  await page.getByLabel('监护人姓名').fill('王秀兰');
  await page.getByLabel('与儿童关系').selectOption({ label: '祖母/外祖母' });
  await page.getByLabel('同意日期').fill(today());
  await page.getByLabel('口头同意（儿童主任见证）').check();
  await page.getByRole('button', { name: '记录同意' }).click();
  await expect(page.locator('.alert').first().innerText()).resolves.toContain('已记录监护人同意。');
}

const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); // the day in China

it('a donor gives to a project online and sees the gift in the project’s fund-use report', async () => {
  const page = await freshPage();
  // Stripe Checkout is another site: the browser is shown a stand-in page there, and Stripe's webhook is sent as Stripe would.
  await page.route('https://checkout.stripe.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<html lang="zh-CN"><body><h1>Stripe Checkout (stand-in)</h1></body></html>' }));
  await logIn(page, server.url, 'donor@carebridge.demo');
  await page.getByRole('link', { name: '帮扶项目' }).first().click();
  await page.getByRole('link', { name: /春苗课业辅导/ }).click();
  const projectTitle = (await page.locator('h1').innerText()).trim();
  await page.getByRole('link', { name: '我要捐赠' }).click();
  expect(await accessibilityProblems(page)).toEqual([]);
  await page.getByLabel('捐赠金额（元）').fill('268');
  await page.getByLabel('显示的姓名').fill('黄先生');
  await page.getByLabel('公开留言').fill('愿孩子们学业进步');
  await page.getByRole('button', { name: '去支付' }).click();
  await page.waitForURL(/checkout\.stripe\.com/);

  const session = stripe.requests.find((r) => r.path === '/v1/checkout/sessions')!;
  expect(session.body['line_items[0][price_data][unit_amount]']).toBe('26800');
  const donationId = session.body['metadata[donationId]'];
  const event = signedEvent('checkout.session.completed', paidSession(donationId, 26800, 'pi_e2e_donor'));
  const hook = await fetch(`${server.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': event.header }, body: event.payload });
  expect(hook.status).toBe(200);

  await page.goto(session.body.success_url);
  const receipt = await page.locator('main').innerText();
  expect(receipt).toContain('¥268.00');
  expect(receipt).toContain('已到账');
  await page.getByRole('link', { name: projectTitle.replace(/\s*开放中.*$/, '') }).first().click();
  await page.waitForURL(/\/funds\/projects\//);
  const report = await page.locator('main').innerText();
  expect(report).toContain('¥268.00');
  expect(report).toMatch(/捐赠笔数\s*1/);
  expect(await accessibilityProblems(page)).toEqual([]);
  await screenshot(page, 'donor-fund-use-report');
});

it('a charity publishes a project, a reviewer opens it, the charity accepts a proposed need and the caseworker confirms it', async () => {
  const page = await freshPage();
  await logIn(page, server.url, 'charity@carebridge.demo');
  await page.getByRole('link', { name: '本机构的帮扶项目' }).click();
  await page.getByRole('link', { name: '发布新项目' }).click();
  expect(await accessibilityProblems(page)).toEqual([]);
  await page.getByLabel('项目名称').fill('周末课业辅导 · 正安县');
  await page.getByLabel('简介').fill('大学生志愿者每周末为留守儿童辅导作业，每月与儿童主任一起回访。');
  await page.getByLabel('课业辅导').check();
  await page.getByLabel('服务地区（区划代码）').fill('520324');
  await page.getByLabel('最小年龄').fill('6');
  await page.getByLabel('最大年龄').fill('17');
  await page.getByLabel('名额（儿童人数）').fill('3');
  await page.getByLabel('每名儿童预算（元）').fill('600');
  await page.getByLabel('筹款目标（元）').fill('1800');
  await page.getByLabel('开始日期').fill(today());
  await page.getByLabel('结束日期').fill(`${Number(today().slice(0, 4)) + 1}${today().slice(4)}`);
  await page.getByRole('button', { name: '保存为草稿' }).click();
  await page.getByRole('button', { name: /提交审核/ }).click();
  await expect(page.locator('.alert').first().innerText()).resolves.toMatch(/审核/);
  await logOut(page);

  await logIn(page, server.url, 'admin@carebridge.demo');
  await page.goto(`${server.url}/admin/projects`);
  const card = page.locator('article, section, li').filter({ hasText: '周末课业辅导 · 正安县' }).last();
  await card.getByRole('button', { name: '通过并公开' }).click();
  await logOut(page);

  await logIn(page, server.url, 'charity@carebridge.demo');
  await page.getByRole('link', { name: '匹配建议与帮扶记录' }).click();
  const proposal = page.locator('li, article').filter({ hasText: '项目：周末课业辅导 · 正安县' }).first();
  const code = /公开编号 ([A-Z0-9]{2}-[A-Z0-9]{6})/.exec(await proposal.innerText())![1];
  await proposal.getByRole('button', { name: '接受' }).click();
  await expect(page.locator('.alert').first().innerText()).resolves.toMatch(/接受/);
  await screenshot(page, 'charity-accepted-proposal');
  await logOut(page);

  // The proposed need belongs to the civil-affairs bureau (正安县): its caseworker confirms, and help starts.
  await logIn(page, server.url, 'director@carebridge.demo');
  await page.getByRole('link', { name: '需求匹配与帮扶' }).click();
  // Tutoring meets the child: the guardian's consent comes first, and confirming without it is refused.
  let match = page.locator('li, article, tr').filter({ hasText: code }).first();
  await match.getByRole('button', { name: /确认/ }).click();
  await expect(page.locator('.alert').first().innerText()).resolves.toContain('须记录监护人的有效同意');
  match = page.locator('li, article, tr').filter({ hasText: code }).first();
  await match.getByRole('link', { name: '监护人同意' }).click();
  await recordVerbalConsent(page);
  await page.goto(`${server.url}/account`);
  await page.getByRole('link', { name: '需求匹配与帮扶' }).click();
  match = page.locator('li, article, tr').filter({ hasText: code }).first();
  await match.getByRole('button', { name: /确认/ }).click();
  await expect(page.locator('.alert').first().innerText()).resolves.toMatch(/确认|帮扶/);
  expect(await page.locator('main').innerText()).toContain(code);
  await screenshot(page, 'caseworker-confirmed-help');
});

it('a volunteer signs up, is vetted and paired, logs hours that are approved, and downloads a certificate', async () => {
  const page = await freshPage();
  const email = `volunteer-${Date.now()}@example.cn`;
  await page.goto(`${server.url}/signup`);
  expect(await accessibilityProblems(page)).toEqual([]);
  await page.getByLabel('姓名或昵称').fill('李明');
  await page.getByLabel('电子邮箱').fill(email);
  await page.getByLabel('密码').fill('e2e-volunteer-password');
  await page.getByLabel('我想做志愿者').check();
  await page.getByRole('button', { name: '注册' }).click();
  await page.goto(`${server.url}/volunteer/profile`);
  await page.getByLabel('课业辅导').first().check();
  await page.getByLabel('亲情陪伴').first().check();
  await page.getByLabel('所在地区划代码').fill('520324');
  await page.getByLabel('参与动机').fill('我在县城读师范，想每周陪一个孩子写作业。');
  await page.getByRole('button', { name: '保存' }).click();
  await page.goto(`${server.url}/volunteer`);
  await page.getByLabel('加入机构').selectOption({ label: '遵义市春苗儿童关爱中心' });
  await page.getByRole('button', { name: '加入' }).click();
  await logOut(page);

  // The charity vets the volunteer and asks for a pairing; a caseworker other than the requester approves it.
  await logIn(page, server.url, 'staff@carebridge.demo');
  await page.getByRole('link', { name: '志愿者管理' }).click();
  await page.getByRole('link', { name: '李明' }).click();
  await page.getByLabel('身份核验日期').fill(today());
  await page.getByLabel('无犯罪记录证明开具日期').fill(today());
  await page.getByLabel('已完成的培训').fill(`${today()} 儿童保护基础培训`);
  await page.getByLabel('陪伴志愿者（爱心家长）').check();
  await page.getByRole('button', { name: '保存审核记录' }).click();
  await expect(page.locator('main').innerText()).resolves.toContain('已通过审核');
  await page.locator('input[name="needIds"]').first().check();
  await page.getByLabel('对孩子的称呼').fill('小月');
  await page.locator('select[name="roleKind"]').selectOption({ label: '陪伴志愿者（爱心家长）' });
  await page.getByRole('button', { name: '提交结对申请' }).click();
  await expect(page.locator('main').innerText()).resolves.toContain('小月');
  await logOut(page);

  await logIn(page, server.url, 'charity@carebridge.demo');
  await page.getByRole('link', { name: '志愿者管理' }).click();
  await page.getByRole('link', { name: '小月' }).first().click();
  await recordVerbalConsent(page);
  await page.getByRole('button', { name: '批准结对' }).click();
  await expect(page.locator('main').innerText()).resolves.toContain('进行中');
  await logOut(page);

  await logIn(page, server.url, email, 'e2e-volunteer-password');
  await page.goto(`${server.url}/volunteer`);
  expect(await page.locator('main').innerText()).toContain('小月');
  await page.getByRole('link', { name: '服务时长' }).first().click();
  await page.getByLabel('结对').selectOption({ label: '小月 · 遵义市春苗儿童关爱中心' });
  await page.getByLabel('服务日期').fill(today());
  await page.getByLabel('时长（小时）').fill('2.5');
  await page.getByLabel('服务内容').fill('上门陪伴，辅导数学作业');
  await page.getByRole('button', { name: '提交' }).first().click();
  expect(await page.locator('main').innerText()).toContain('待审核');
  await logOut(page);

  await logIn(page, server.url, 'staff@carebridge.demo');
  await page.getByRole('link', { name: '志愿者管理' }).click();
  await page.getByRole('link', { name: /服务时长审核/ }).click();
  const row = page.locator('tr, li, article').filter({ hasText: '上门陪伴，辅导数学作业' }).first();
  await row.getByRole('button', { name: /确认|通过|批准/ }).first().click();
  await logOut(page);

  await logIn(page, server.url, email, 'e2e-volunteer-password');
  await page.goto(`${server.url}/volunteer/hours`);
  expect(await page.locator('main').innerText()).toContain('已确认 2.5 小时');
  await page.getByRole('button', { name: '开具证明' }).click();
  const issued = await page.locator('.alert').first().innerText();
  const code = /验证码 (\S+?)。/.exec(issued)![1];
  const href = await page.locator('a[href$="/certificate.pdf"]').first().getAttribute('href');
  const pdf = await page.request.get(`${server.url}${href}`);
  expect(pdf.headers()['content-type']).toContain('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  // Anyone holding the certificate can check it, without an account.
  const stranger = await freshPage();
  await stranger.goto(`${server.url}/certificates/${code}`);
  expect(await stranger.locator('main').innerText()).toContain('这是一份有效的志愿服务证明。');
  await screenshot(stranger, 'volunteer-certificate-check');
});

it('a government user reads the county dashboard, drills down to a township and exports it', async () => {
  const page = await freshPage();
  await logIn(page, server.url, 'minzheng@carebridge.demo');
  await page.getByRole('link', { name: /数据看板/ }).first().click();
  expect(await accessibilityProblems(page)).toEqual([]);
  await page.getByRole('link', { name: '贵州省' }).click();
  await page.getByRole('link', { name: '遵义市' }).click();
  await page.getByRole('link', { name: '正安县' }).click();
  const county = await page.locator('main').innerText();
  expect(county).toContain('正安县');
  expect(county).toMatch(/登记儿童\s*420/);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: '导出 Excel' }).click();
  expect((await download).suggestedFilename()).toMatch(/\.xlsx$/);
  await screenshot(page, 'government-dashboard');
});
