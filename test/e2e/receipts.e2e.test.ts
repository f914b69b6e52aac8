import { accessibilityProblems, demoBrowser, logIn, screenshot } from './support';

const demo = demoBrowser();

it('finance draws a box on a receipt, a second person confirms it, and the public report links the redacted copy', async () => {
  const { page, server } = demo;
  await logIn(page, server.url, 'finance@carebridge.demo');
  // The account page lists the finance member's organization (li#org-<id>).
  const orgId = (await page.locator('li[id^="org-"]').first().getAttribute('id'))?.slice('org-'.length);
  expect(orgId).toBeTruthy();
  await page.goto(`${server.url}/org/${orgId}/expenditures`);
  const posted = page.locator('article', { hasText: '春季学期助学金' });
  await posted.getByRole('link', { name: '遮盖后公开' }).click();
  await page.locator('.redact-page img').first().waitFor();
  await page.waitForFunction(() => (document.querySelector('.redact-page img') as HTMLImageElement | null)?.complete === true);
  expect(await accessibilityProblems(page)).toEqual([]);

  // Drag a box over the top-left quarter of page 1: the first row of the form fills in.
  const img = page.locator('.redact-page img').first();
  const box = (await img.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4, { steps: 5 });
  await page.mouse.up();
  const value = (n: string) => page.locator(`[name="boxes[0][${n}]"]`).inputValue();
  expect(Number(await value('x'))).toBeCloseTo(10, 0);
  expect(Number(await value('y'))).toBeCloseTo(20, 0);
  expect(Number(await value('w'))).toBeCloseTo(40, 0);
  expect(Number(await value('h'))).toBeCloseTo(20, 0);
  expect(await page.locator('.redact-page .redact-box').count()).toBe(1);
  await page.locator('[name="boxes[0][covers]"]').selectOption('name');
  await screenshot(page, 'receipts-marking');
  await page.getByRole('button', { name: '生成遮盖后的副本' }).click();
  await page.getByText('已生成遮盖后的副本，等待另一位负责人确认。').waitFor({ timeout: 60_000 });
  expect(await page.getByRole('button', { name: '确认无误并公开' }).count()).toBe(0);
  await page.getByRole('button', { name: '退出' }).click();

  await logIn(page, server.url, 'charity@carebridge.demo');
  await page.goto(`${server.url}/org/${orgId}/expenditures`);
  await page.locator('article', { hasText: '春季学期助学金' }).getByRole('link', { name: '遮盖后公开' }).click();
  await page.locator('img.redact-copy').first().waitFor();
  await screenshot(page, 'receipts-review');
  await page.getByRole('button', { name: '确认无误并公开' }).click();
  await page.waitForLoadState('domcontentloaded');
  await screenshot(page, 'receipts-confirmed');
  await page.getByText('遮盖已确认，副本已在资金使用报告中公开。').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: '退出' }).click();

  await page.goto(`${server.url}/funds/organizations/${orgId}`);
  const link = page.getByRole('link', { name: '查看凭证' });
  expect(await link.count()).toBe(1);
  expect(await page.getByText('凭证遮盖中').count()).toBeGreaterThan(0);
  const href = (await link.getAttribute('href'))!;
  const res = await fetch(`${server.url}${href}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  expect(res.headers.get('content-disposition')).toBe('inline; filename="receipt.pdf"');
  await screenshot(page, 'receipts-public-report');
});
