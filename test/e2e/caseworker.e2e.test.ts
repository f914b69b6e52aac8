import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildOfficialRoster, makeChild } from '../unit/children/roster-factory';
import { accessibilityProblems, demoBrowser, logIn, screenshot } from './support';

const demo = demoBrowser();

it('a caseworker imports a roster and submits a need, a supervisor approves it, and the public board shows it anonymized', async () => {
  const { page, server } = demo;
  await logIn(page, server.url, 'director@carebridge.demo');
  await page.getByRole('link', { name: '儿童台账' }).first().click();
  await page.getByRole('link', { name: '花名册导入 / 导出' }).click();
  expect(await accessibilityProblems(page)).toEqual([]);

  const children = Array.from({ length: 12 }, (_, i) => makeChild(9000 + i, { villageCode: '520324101201', childClass: '6', difficulty: '监护缺失型', risk: '二级' }));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'roster-')), '瑞溪镇留守儿童花名册.xlsx');
  fs.writeFileSync(file, await buildOfficialRoster(children));
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('button', { name: '上传并校验' }).click();
  await page.getByText('导入完成：共导入 12 名儿童。').waitFor({ timeout: 60_000 });
  await screenshot(page, 'caseworker-import-done');

  await page.goto(`${server.url}/account`);
  await page.getByRole('link', { name: '儿童台账' }).first().click();
  await page.getByLabel('按姓名查找').fill(children[0].name);
  await page.getByRole('button', { name: '查找' }).click();
  await page.getByRole('link', { name: children[0].name, exact: true }).first().click();
  expect(await page.locator('h1').innerText()).toContain(children[0].name);
  await page.getByLabel('需求类型').selectOption('tutoring');
  await page.getByLabel('紧急程度').selectOption('3');
  await page.getByLabel('需求描述').fill('父母在外务工，孩子英语基础薄弱，希望每周有一次线上课业辅导。');
  await page.getByRole('button', { name: '保存为草稿' }).click();
  await page.getByRole('button', { name: '提交审核' }).first().click();
  expect(await page.locator('.alert').first().innerText()).toMatch(/需求已提交/);
  await page.getByText('等待儿童督导员审核').first().waitFor();
  await page.getByRole('button', { name: '退出' }).click();

  // A second person publishes it: the township supervisor, from the queue of needs awaiting approval.
  await logIn(page, server.url, 'supervisor@carebridge.demo');
  await page.getByRole('link', { name: '待审核需求' }).first().click();
  expect(await accessibilityProblems(page)).toEqual([]);
  const card = page.locator('li.need-card', { hasText: '英语基础薄弱' });
  expect(await card.innerText()).not.toContain(children[0].name);
  await screenshot(page, 'supervisor-approval-queue');
  await card.getByRole('button', { name: '批准发布' }).click();
  const flash = await page.locator('.alert').first().innerText();
  expect(flash).toMatch(/已匿名发布|暂不公开/);
  const code = /公开编号 ([A-Z0-9]{2}-[A-Z0-9]{6})/.exec(flash)?.[1];

  await page.getByRole('button', { name: '退出' }).click();
  await page.goto(`${server.url}/needs?kind=tutoring&urgency=3`);
  expect(await accessibilityProblems(page)).toEqual([]);
  const board = await page.content();
  for (const c of children) {
    expect(board).not.toContain(c.name);
    expect(board).not.toContain(String(c.idNumber));
    expect(board).not.toContain(c.guardianPhone);
  }
  if (code) {
    await page.goto(`${server.url}/needs/${code}`);
    expect(await page.locator('main').innerText()).toContain('英语基础薄弱');
  }
  await screenshot(page, 'caseworker-public-board');
});

it('is usable by keyboard: the first Tab reaches the skip link, and the log-in form can be filled and sent without a mouse', async () => {
  const { page, server } = demo;
  const fresh = await (await demo.browser.newContext({ locale: 'zh-CN' })).newPage();
  await fresh.goto(`${server.url}/login`);
  await fresh.keyboard.press('Tab');
  expect(await fresh.evaluate(() => document.activeElement?.textContent?.trim())).toBe('跳到正文');
  await fresh.getByLabel('电子邮箱').focus();
  await fresh.keyboard.type('donor@carebridge.demo');
  await fresh.keyboard.press('Tab');
  await fresh.keyboard.type('carebridge-demo-2026');
  await fresh.keyboard.press('Enter');
  await fresh.waitForURL(/\/account/);
  expect(await fresh.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  await screenshot(fresh, 'keyboard-login');
});
