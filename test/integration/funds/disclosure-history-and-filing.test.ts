import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { Browser } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { ledgerTotals, parseSealedEntry, type SealedEntry } from '../../../server/ledger/ledger.rules';
import { expenditures } from '../../../server/db/schema';
import { eq } from 'drizzle-orm';
import { PNG_BYTES, postMultipart, project, startMoneyApp } from '../../support/money';

/**
 * Published figures are never edited: a correction is a new disclosure naming what changed and
 * why, the corrected one stays visible marked superseded. And a project's disclosure exports as
 * the spreadsheet the national charity information platform asks for, its figures the ledger's.
 */
let ctx: Awaited<ReturnType<typeof startMoneyApp>>;
let clock = new Date('2026-03-01T02:00:00.000Z');
let orgId: string;
let finance: Browser;
let finance2: Browser;
const projects: ReturnType<typeof project>[] = [];
const spring = project('', { title: '春季助学行动', startOn: '2026-01-01', endOn: '2026-04-30' });

beforeAll(async () => {
  ctx = await startMoneyApp({ projects, now: () => clock });
  const org = await makeOrg(ctx.database.db, { kind: 'charity', name: '山花公益服务中心' });
  orgId = org.id;
  spring.organizationId = orgId;
  projects.push(spring);
  const [f1, f2] = [await makeMember(ctx.database.db, orgId, ['finance']), await makeMember(ctx.database.db, orgId, ['finance'])];
  finance = new Browser(ctx.app);
  await finance.logIn(f1.email, PASSWORD);
  finance2 = new Browser(ctx.app);
  await finance2.logIn(f2.email, PASSWORD);
});
afterAll(() => ctx.close());

const gift = (receiptNumber: string, giftAmount: string, receivedOn: string) =>
  postMultipart(finance, `/org/${orgId}/gifts`, { projectId: spring.id, giftAmount, method: 'bank_transfer', receivedOn, receiptNumber, displayName: '王女士' }, [{ name: '回单.png', data: PNG_BYTES }]);

async function spend(category: string, spendingAmount: string, spentOn: string) {
  const res = await postMultipart(finance, `/org/${orgId}/expenditures`, { projectId: spring.id, category, spendingAmount, spentOn, payeeType: 'school', spendingDescription: `${category} 支出` }, [{ name: '发票.png', data: PNG_BYTES }]);
  expect(res.status).toBe(303);
  const pending = (await ctx.database.db.select().from(expenditures).where(eq(expenditures.status, 'pending')))[0];
  expect((await finance2.post(`/org/${orgId}/expenditures/${pending.id}/approve`, { password: PASSWORD })).status).toBe(303);
}

async function ledgerEntries(): Promise<SealedEntry[]> {
  const res = await new Browser(ctx.app).get('/transparency/ledger.jsonl');
  return res.text.trim().split('\n').slice(1).map((l) => {
    const p = parseSealedEntry(JSON.parse(l));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    return p.entry;
  });
}

let quarterlyId: string;
let correctionId: string;

it('keeps a corrected disclosure visible, marked superseded, and shows the correction figure by figure with its reason', async () => {
  expect((await gift('SH-001', '1,000', '2026-02-10')).status).toBe(303);
  await spend('school_aid', '600', '2026-02-20');
  clock = new Date('2026-03-31T02:00:00.000Z');
  await finance.get(`/org/${orgId}/disclosures`);
  expect((await finance.post(`/org/${orgId}/disclosures`, { disclosureKind: 'quarterly', projectId: spring.id, periodStart: '2026-01-01', periodEnd: '2026-03-31', disclosureNote: '第一季度收支' })).status).toBe(303);
  quarterlyId = (await ctx.services.funds.disclosuresOf(orgId, spring.id))[0].id;
  // A cash gift of 234.56 yuan received in March was recorded late; the quarter's report is corrected.
  expect((await gift('SH-002', '234.56', '2026-03-20')).status).toBe(303);
  clock = new Date('2026-04-02T02:00:00.000Z');
  expect((await finance.post(`/org/${orgId}/disclosures/${quarterlyId}/correct`, { reason: '3 月 20 日现金捐赠漏记', disclosureNote: '' })).status).toBe(303);
  correctionId = (await ctx.services.funds.disclosuresOf(orgId, spring.id)).find((d) => d.kind === 'correction')!.id;

  const page = (await new Browser(ctx.app).get(`/funds/projects/${spring.id}`)).text;
  const original = page.slice(page.indexOf(`id="disclosure-${quarterlyId}"`), page.indexOf('</li>', page.indexOf(`id="disclosure-${quarterlyId}"`)));
  expect(original).toContain('class="superseded"');
  expect(original).toContain('已被更正');
  expect(original).toContain(`href="#disclosure-${correctionId}"`);
  expect(original).toContain('第一季度收支');
  const correction = page.slice(page.indexOf(`id="disclosure-${correctionId}"`), page.indexOf('</li>', page.indexOf(`id="disclosure-${correctionId}"`)));
  expect(correction).not.toContain('已被更正');
  expect(correction).toContain(`href="#disclosure-${quarterlyId}"`);
  expect(correction).toContain('3 月 20 日现金捐赠漏记');
  const rows = [...correction.matchAll(/<tr><td>([^<]+)<\/td><td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td><\/tr>/g)].map((m) => m.slice(1));
  // By hand: gifts 1,000.00 → 1,234.56; held 400.00 → 634.56; administration share unchanged (none spent); 1 gift → 2.
  expect(rows).toEqual([
    ['收到捐赠', '¥1,000.00', '¥1,234.56'],
    ['实收捐赠', '¥1,000.00', '¥1,234.56'],
    ['结余', '¥400.00', '¥634.56'],
    ['捐赠笔数', '1', '2'],
  ]);
  // Nothing was edited: the original keeps the figures it was published with.
  const stored = (await ctx.services.funds.disclosuresOf(orgId, spring.id)).find((d) => d.id === quarterlyId)!;
  expect(stored.figures).toMatchObject({ donationsFen: 100_000, heldFen: 40_000 });
});

it('exports the final disclosure for the national charity information platform, its figures reconciling to the ledger to the fen', async () => {
  clock = new Date('2026-05-05T02:00:00.000Z');
  await spend('goods', '123.45', '2026-04-28');
  await finance.get(`/org/${orgId}/disclosures`);
  expect((await finance.post(`/org/${orgId}/disclosures`, { disclosureKind: 'final', projectId: spring.id, periodStart: '2026-01-01', periodEnd: '2026-04-30', disclosureNote: '结余 511.11 元经理事会决议转入秋季助学行动。' })).status).toBe(303);
  const finalId = (await ctx.services.funds.disclosuresOf(orgId, spring.id)).find((d) => d.kind === 'final')!.id;

  const res = await new Browser(ctx.app).agent.get(`/funds/projects/${spring.id}/disclosures/${finalId}/filing.xlsx`).buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('spreadsheetml');
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(res.body as unknown as Parameters<typeof book.xlsx.load>[0]);
  const sheet = book.worksheets[0];
  const headers = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
  const values = (sheet.getRow(2).values as unknown[]).slice(1);
  const cell = (header: string) => {
    const i = headers.indexOf(header);
    if (i < 0) throw new Error(`no column ${header} in ${headers.join(' | ')}`);
    return values[i];
  };
  const fen = (header: string) => Math.round(Number(cell(header)) * 100);

  const totals = ledgerTotals(await ledgerEntries(), { orgId, projectId: spring.id });
  expect(fen('本期收入（元）')).toBe(totals.donationsFen);
  expect(fen('支出：助学金（元）')).toBe(totals.spentByCategory.school_aid);
  expect(fen('支出：物资（元）')).toBe(totals.spentByCategory.goods);
  expect(fen('支出：医疗康复（元）')).toBe(0);
  expect(fen('支出合计（元）')).toBe(totals.spentFen);
  expect(fen('期末结余（元）')).toBe(totals.heldFen);
  // And by hand: 1,000.00 + 234.56 in; 600.00 + 123.45 out; 511.11 left.
  expect([fen('本期收入（元）'), fen('支出合计（元）'), fen('期末结余（元）')]).toEqual([123_456, 72_345, 51_111]);
  expect(cell('项目名称')).toBe('春季助学行动');
  expect(cell('慈善组织名称')).toBe('山花公益服务中心');
  expect([cell('公开期间起'), cell('公开期间止'), cell('公开类型')]).toEqual(['2026-01-01', '2026-04-30', '项目结束全面公开']);
  expect(cell('受益人数（儿童）')).toBe(0);
  expect(cell('剩余财产（资金）处理情况')).toBe('结余 511.11 元经理事会决议转入秋季助学行动。');
});

it('finds no filing for a disclosure the project does not have', async () => {
  const res = await new Browser(ctx.app).get(`/funds/projects/${spring.id}/disclosures/${crypto.randomUUID()}/filing.xlsx`);
  expect(res.status).toBe(404);
});
