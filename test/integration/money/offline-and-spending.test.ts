import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { donations, expenditures, ledgerEntries } from '../../../server/db/schema';
import { ledgerTotals, parseExportHeader, parseSealedEntry, verifyLedger, type SealedEntry } from '../../../server/ledger/ledger.rules';
import { Browser } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { PDF_BYTES, PNG_BYTES, getBytes, postMultipart, project, startMoneyApp } from '../../support/money';
import { pdfText } from '../../support/pdf-text';

let ctx: Awaited<ReturnType<typeof startMoneyApp>>;
let orgId: string;
let projectId: string;
let otherProjectId: string;
let finance: Browser;
let finance2: Browser;
let admin: Browser;
let financeUserId: string;
let clock = new Date('2026-03-10T02:00:00.000Z');

async function exportedLedger(): Promise<{ entries: SealedEntry[]; head: string }> {
  const res = await new Browser(ctx.app).get('/transparency/ledger.jsonl');
  expect(res.status).toBe(200);
  const lines = res.text.trim().split('\n').map((l) => JSON.parse(l));
  const header = parseExportHeader(lines[0]);
  if (!header.ok) throw new Error('bad header');
  const entries = lines.slice(1).map((l) => {
    const p = parseSealedEntry(l);
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    return p.entry;
  });
  return { entries, head: header.header.head };
}

/** The projects the money side sees; filled once the organization exists (the directory reads this list live). */
const projects: ReturnType<typeof project>[] = [];

beforeAll(async () => {
  ctx = await startMoneyApp({ projects, now: () => clock });
});
afterAll(() => ctx.close());

beforeAll(async () => {
  const db = ctx.database.db;
  const o = await makeOrg(db, { kind: 'charity', name: '春苗儿童关爱中心' });
  orgId = o.id;
  // Started 20 December: its first quarterly disclosure is due 20 March, after the gifts and spending below.
  const p1 = project(orgId, { title: '山区助学计划', startOn: '2025-12-20', endOn: '2026-12-31' });
  const p2 = project(orgId, { title: '心理陪伴计划', startOn: '2026-01-01', endOn: '2026-12-31' });
  projectId = p1.id;
  otherProjectId = p2.id;
  projects.push(p1, p2);
  const f1 = await makeMember(db, orgId, ['finance']);
  financeUserId = f1.id;
  const f2 = await makeMember(db, orgId, ['finance']);
  const a = await makeMember(db, orgId, ['admin']);
  finance = new Browser(ctx.app);
  await finance.logIn(f1.email, PASSWORD);
  finance2 = new Browser(ctx.app);
  await finance2.logIn(f2.email, PASSWORD);
  admin = new Browser(ctx.app);
  await admin.logIn(a.email, PASSWORD);
});

const gift = (over: Record<string, string> = {}) => ({ projectId, giftAmount: '1,000', method: 'bank_transfer', receivedOn: '2026-03-01', receiptNumber: `R-${Math.random().toString(36).slice(2, 8)}`, displayName: '黄先生', publicMessage: '愿孩子们好好读书', ...over });

describe('offline gifts', () => {
  it('records a bank transfer with a receipt number and evidence, posting it to the ledger at once', async () => {
    const res = await postMultipart(finance, `/org/${orgId}/gifts`, gift({ receiptNumber: 'CM-2026-0001' }), [{ name: '银行回单.pdf', data: PDF_BYTES }]);
    expect(res.status).toBe(303);
    const [row] = await ctx.database.db.select().from(donations).where(eq(donations.receiptNumber, 'CM-2026-0001'));
    expect(row).toMatchObject({ status: 'succeeded', channel: 'offline', amountFen: 100_000, projectId });
    const entries = await ctx.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, row.id));
    expect(entries).toHaveLength(1);
    expect(entries[0].kind).toBe('donation');
    // The evidence is stored under its content hash.
    const stored = fs.readdirSync(path.join(ctx.dataDir, 'evidence'), { recursive: true }).map(String);
    expect(stored.some((f) => f.endsWith(require('node:crypto').createHash('sha256').update(PDF_BYTES).digest('hex')))).toBe(true);
  });

  it('refuses a file that is not a PDF, JPEG or PNG, whatever its name, and records nothing', async () => {
    const before = await ctx.database.db.select().from(donations);
    const res = await postMultipart(finance, `/org/${orgId}/gifts`, gift(), [{ name: 'receipt.pdf', data: Buffer.from('MZ\x90\x00 not a pdf') }]);
    expect(res.status).toBe(422);
    expect(res.text).toContain('不是 PDF、JPG 或 PNG');
    expect(await ctx.database.db.select().from(donations)).toHaveLength(before.length);
  });

  it('refuses a gift without evidence and a receipt number used twice', async () => {
    expect((await postMultipart(finance, `/org/${orgId}/gifts`, gift(), [])).status).toBe(422);
    const again = await postMultipart(finance, `/org/${orgId}/gifts`, gift({ receiptNumber: 'CM-2026-0001' }), [{ name: 'a.png', data: PNG_BYTES }]);
    expect(again.status).toBe(409);
    expect(await ctx.database.db.select().from(donations).where(eq(donations.receiptNumber, 'CM-2026-0001'))).toHaveLength(1);
  });

  it('lets only finance record offline gifts', async () => {
    const res = await postMultipart(admin, `/org/${orgId}/gifts`, gift(), [{ name: 'a.png', data: PNG_BYTES }]);
    expect(res.status).toBe(403);
  });
});

describe('spending: four-eyes, overspend, FIFO and the ledger', () => {
  let firstId: string;

  it('records a spending as pending; its author cannot approve it, a second person can after giving the password again', async () => {
    const res = await postMultipart(finance, `/org/${orgId}/expenditures`, { projectId, category: 'school_aid', spendingAmount: '600', spentOn: '2026-03-05', payeeType: 'school', spendingDescription: '春季学期助学金，6 名初中生' }, [{ name: '发票.png', data: PNG_BYTES }]);
    expect(res.status).toBe(303);
    const [row] = await ctx.database.db.select().from(expenditures).where(eq(expenditures.organizationId, orgId));
    firstId = row.id;
    expect(row.status).toBe('pending');
    const own = await finance.post(`/org/${orgId}/expenditures/${firstId}/approve`, { password: PASSWORD });
    expect(own.status).toBe(422);
    expect(own.text).toContain('登记这笔支出的人不能审核它');
    const wrong = await finance2.post(`/org/${orgId}/expenditures/${firstId}/approve`, { password: 'not the password' });
    expect(wrong.status).toBe(422);
    expect((await ctx.database.db.select().from(expenditures).where(eq(expenditures.id, firstId)))[0].status).toBe('pending');
    clock = new Date('2026-03-11T02:00:00.000Z');
    const ok = await finance2.post(`/org/${orgId}/expenditures/${firstId}/approve`, { password: PASSWORD });
    expect(ok.status).toBe(303);
    const [posted] = await ctx.database.db.select().from(expenditures).where(eq(expenditures.id, firstId));
    expect(posted).toMatchObject({ status: 'posted', recordedBy: financeUserId });
    expect(await ctx.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.reference, firstId), eq(ledgerEntries.kind, 'expenditure')))).toHaveLength(1);
  });

  it('refuses spending more than the fund holds, at recording and at approval', async () => {
    const tooMuch = await postMultipart(finance, `/org/${orgId}/expenditures`, { projectId, category: 'goods', spendingAmount: '400.01', spentOn: '2026-03-06', payeeType: 'supplier', spendingDescription: '冬衣 20 套' }, [{ name: 'a.png', data: PNG_BYTES }]);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toContain('当前结余 400.00 元');
    const empty = await postMultipart(finance, `/org/${orgId}/expenditures`, { projectId: otherProjectId, category: 'goods', spendingAmount: '1', spentOn: '2026-03-06', payeeType: 'supplier', spendingDescription: '另一个项目的支出' }, [{ name: 'a.png', data: PNG_BYTES }]);
    expect(empty.status).toBe(422);
    // Two spendings that each fit, but not together: the second approval is refused.
    for (const amount of ['300', '300']) {
      expect((await postMultipart(finance, `/org/${orgId}/expenditures`, { projectId, category: 'goods', spendingAmount: amount, spentOn: '2026-03-07', payeeType: 'supplier', spendingDescription: '学习用品一批' }, [{ name: 'a.png', data: PNG_BYTES }])).status).toBe(303);
    }
    const pending = await ctx.database.db.select().from(expenditures).where(and(eq(expenditures.organizationId, orgId), eq(expenditures.status, 'pending')));
    expect(pending).toHaveLength(2);
    expect((await admin.post(`/org/${orgId}/expenditures/${pending[0].id}/approve`, { password: PASSWORD })).status).toBe(303);
    const second = await admin.post(`/org/${orgId}/expenditures/${pending[1].id}/approve`, { password: PASSWORD });
    expect(second.status).toBe(422);
    expect(second.text).toContain('当前结余 100.00 元');
    expect((await admin.post(`/org/${orgId}/expenditures/${pending[1].id}/reject`, { reason: '超出结余' })).status).toBe(303);
  });

  it('shows on the gift receipt which spending the gift paid for and what is unspent (first-in first-out)', async () => {
    clock = new Date('2026-03-12T02:00:00.000Z');
    // A second, later gift: the earlier one pays first.
    expect((await postMultipart(finance, `/org/${orgId}/gifts`, gift({ receiptNumber: 'CM-2026-0002', giftAmount: '500', receivedOn: '2026-03-12' }), [{ name: 'a.png', data: PNG_BYTES }])).status).toBe(303);
    const [first] = await ctx.database.db.select().from(donations).where(eq(donations.receiptNumber, 'CM-2026-0001'));
    const [later] = await ctx.database.db.select().from(donations).where(eq(donations.receiptNumber, 'CM-2026-0002'));
    const uses = await ctx.services.funds.allocation(orgId, projectId);
    expect(uses.get(first.id)).toMatchObject({ spentFen: 90_000, unspentFen: 10_000 });
    expect(uses.get(later.id)).toMatchObject({ spentFen: 0, unspentFen: 50_000 });
    // A single gift's use (earlier gifts summed into one) is the same as the whole fund's allocation.
    for (const g of [first, later]) expect(await ctx.services.funds.giftUse(await ctx.services.donations.byReceiptCode(g.receiptCode))).toEqual(uses.get(g.id));
    const page = await new Browser(ctx.app).get(`/donations/${first.receiptCode}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('春季学期助学金，6 名初中生');
    expect(page.text).toContain('尚未使用 ¥100.00');
    expect(page.text).not.toContain('银行回单');
  });

  it('corrects a posted spending only by a reversal entry; the original entry stays', async () => {
    const before = await ctx.database.db.select().from(ledgerEntries);
    expect((await admin.post(`/org/${orgId}/expenditures/${firstId}/reverse`, { reason: '发票金额录入错误', password: PASSWORD })).status).toBe(303);
    const after = await ctx.database.db.select().from(ledgerEntries);
    expect(after).toHaveLength(before.length + 1);
    const reversal = after.find((e) => e.kind === 'reversal')!;
    const original = after.find((e) => e.reference === firstId && e.kind === 'expenditure')!;
    expect(reversal.reverses).toBe(original.txId);
    await expect(ctx.database.db.update(ledgerEntries).set({ memo: 'changed' }).where(eq(ledgerEntries.sequence, original.sequence))).rejects.toThrow();
  });
});

describe('fund-use reports', () => {
  it('reconciles the report to the exported ledger to the fen, and the export verifies', async () => {
    const { entries, head } = await exportedLedger();
    expect(verifyLedger(entries).ok).toBe(true);
    for (const scope of [{ orgId }, { orgId, projectId }]) {
      const totals = ledgerTotals(entries, scope);
      const report = scope.projectId ? await ctx.services.funds.projectReport(projectId) : await ctx.services.funds.organizationReport(orgId);
      expect(report.head.hash).toBe(head);
      expect(report.figures).toEqual({ donationsFen: totals.donationsFen, refundsFen: totals.refundsFen, disputesFen: totals.disputesFen, feesFen: totals.feesFen, spentFen: totals.spentFen, spentByCategory: totals.spentByCategory, heldFen: totals.heldFen });
    }
    const project = await ctx.services.funds.projectReport(projectId);
    expect(project.figures).toMatchObject({ donationsFen: 150_000, spentFen: 30_000, heldFen: 120_000 });
  });

  it('serves the public report page with an inline SVG chart, and CSV, JSON and PDF exports', async () => {
    const b = new Browser(ctx.app);
    const page = await b.get(`/funds/projects/${projectId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<svg');
    expect(page.text).toContain('山区助学计划');
    expect(page.text).toContain('¥1,500.00');
    const csv = await b.get(`/funds/projects/${projectId}/export/csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text).toContain('收到捐赠,1500.00');
    const json = await b.get(`/funds/organizations/${orgId}/export/json`);
    expect(JSON.parse(json.text).figures.donationsFen).toBe(150_000);
    expect((await b.get(`/funds/projects/${projectId}/export/xls`)).status).toBe(404);
  });

  it('renders the PDF with the Chinese font embedded and Chinese text that extracts back', async () => {
    const res = await getBytes(new Browser(ctx.app), `/funds/projects/${projectId}/export/pdf`);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text, fonts } = pdfText(pdf);
    expect(fonts.some((f) => /NotoSansHans/.test(f))).toBe(true);
    expect(text).toContain('山区助学计划');
    expect(text).toContain('资金使用报告');
    expect(text).toContain('助学金');
  });

  it('flags an overdue quarterly disclosure publicly; a published one clears it; a correction is a new disclosure with its reason', async () => {
    // The project started 2025-12-20 and runs past six months: a quarterly report was due 2026-03-20.
    clock = new Date('2026-03-25T02:00:00.000Z');
    let page = await new Browser(ctx.app).get(`/funds/projects/${projectId}`);
    expect(page.text).toContain('已逾期');
    expect((await finance.post(`/org/${orgId}/disclosures`, { disclosureKind: 'quarterly', projectId, periodStart: '2025-12-01', periodEnd: '2026-02-28', disclosureNote: '本季度收支' })).status).toBe(303);
    page = await new Browser(ctx.app).get(`/funds/projects/${projectId}`);
    expect(page.text).not.toContain('已逾期');
    expect(page.text).toContain('应于');
    const [published] = await ctx.services.funds.disclosuresOf(orgId, projectId);
    expect(published.figures).toMatchObject({ donationsFen: 150_000 });
    expect((await admin.post(`/org/${orgId}/disclosures/${published.id}/correct`, { reason: '漏记一笔现金捐赠', disclosureNote: '' })).status).toBe(303);
    const all = await ctx.services.funds.disclosuresOf(orgId, projectId);
    expect(all).toHaveLength(2);
    expect(all.find((d) => d.kind === 'correction')).toMatchObject({ corrects: published.id, correctionReason: '漏记一笔现金捐赠' });
    expect(all.find((d) => d.id === published.id)!.note).toBe('本季度收支');
    const bad = await finance.post(`/org/${orgId}/disclosures`, { disclosureKind: 'annual', projectId, periodStart: '2025-01-01', periodEnd: '2025-12-31' });
    expect(bad.status).toBe(422);
  });

  it('shows the chain head and the ledger on the public transparency page', async () => {
    const head = await ctx.services.ledger.head();
    const page = await new Browser(ctx.app).get('/transparency');
    expect(page.text).toContain(head.hash);
    expect(page.text).toContain('春苗儿童关爱中心');
  });
});
