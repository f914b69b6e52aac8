import ExcelJS from 'exceljs';
import { createCjkPdf } from '../lib/pdf';
import type { Translate } from '../lib/i18n';
import { formatFen } from '../lib/money';
import type { DisclosureView, FundReport } from './funds.service';
import { formatBp, toCsv } from './funds.rules';

/**
 * A fund-use report as a file: CSV (figures, spending by category, disclosures), JSON (the whole
 * report, amounts in fen) and PDF with a Chinese font embedded, so it prints and archives the
 * same anywhere. The font comes from lib/pdf.ts.
 */


const day = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
const yuan = (fen: number) => `¥${formatFen(fen)}`;

function title(report: FundReport, t: Translate): string {
  return report.project ? t('funds.report.project_title', { project: report.project.title, organization: report.organization.name }) : t('funds.report.organization_title', { organization: report.organization.name });
}

/** The figures every export shows, in order: [label, value in fen]. */
function figureRows(report: FundReport, t: Translate): Array<[string, number]> {
  const f = report.figures;
  return [
    [t('ledger.totals.donations'), f.donationsFen],
    [t('ledger.totals.refunds'), f.refundsFen],
    [t('ledger.totals.disputes'), f.disputesFen],
    [t('ledger.totals.fees'), f.feesFen],
    [t('ledger.totals.spent'), f.spentFen],
    [t('ledger.totals.held'), f.heldFen],
  ];
}

/** The report as CSV, amounts in yuan with two decimals. */
export function reportCsv(report: FundReport, t: Translate): string {
  const rows: Array<Array<string | number | null>> = [
    [title(report, t)],
    [t('funds.report.generated_at'), report.generatedAt.toISOString(), t('funds.report.chain_head'), report.head.hash],
    [],
    [t('funds.report.figure'), t('funds.report.amount_yuan')],
    ...figureRows(report, t).map(([label, fen]) => [label, formatFen(fen).replace(/,/g, '')]),
    [t('funds.report.admin_share'), formatBp(report.adminShareBp)],
    [t('funds.report.gift_count'), report.giftCount],
    [],
    [t('funds.report.category'), t('funds.report.amount_yuan'), t('funds.report.share')],
    ...report.categories.map((c) => [t(`ledger.category.${c.category}`), formatFen(c.fen).replace(/,/g, ''), formatBp(c.bp)]),
    [],
    [t('funds.report.disclosure_kind'), t('funds.report.period'), t('funds.report.published_at'), t('funds.report.correction_reason')],
    ...report.disclosures.map((d) => [t(`funds.disclosure.kind.${d.kind}`), `${d.periodStart}~${d.periodEnd}`, day(d.publishedAt), d.correctionReason]),
  ];
  return toCsv(rows);
}

/** The report as JSON: amounts in integer fen, dates in ISO 8601, the chain head it was read at. */
export function reportJson(report: FundReport): string {
  return JSON.stringify(
    {
      scope: report.scope,
      organization: report.organization,
      project: report.project,
      generatedAt: report.generatedAt.toISOString(),
      chainHead: report.head,
      figures: report.figures,
      keptFen: report.keptFen,
      adminShareBp: report.adminShareBp,
      giftCount: report.giftCount,
      childrenHelped: report.childrenHelped,
      categories: report.categories,
      disclosureStatus: report.disclosureStatus,
      annualStatus: report.annualStatus,
      disclosures: report.disclosures.map((d) => ({ id: d.id, projectId: d.projectId, kind: d.kind, periodStart: d.periodStart, periodEnd: d.periodEnd, publishedAt: d.publishedAt, corrects: d.corrects, correctionReason: d.correctionReason })),
      funds: report.funds.map((f) => ({ projectId: f.projectId, title: f.project?.title ?? null, figures: f.figures, disclosureStatus: f.disclosureStatus })),
      expenditures: report.expenditures,
    },
    null,
    2,
  );
}

/** The report as a PDF (A4) in the reader's language, with the Chinese font embedded (subset). */
export function reportPdf(report: FundReport, t: Translate): Promise<Buffer> {
  const { doc, done } = createCjkPdf({ info: { Title: title(report, t), Author: '关爱桥 CareBridge', Subject: t('funds.report.title') } });

  const heading = (text: string, size = 13) => doc.moveDown(0.6).font('cjk-bold').fontSize(size).fillColor('#14532d').text(text).moveDown(0.2).font('cjk').fontSize(10.5).fillColor('#111827');
  const row = (label: string, value: string) => {
    // Label and value are placed side by side at one height: break the page first, never between them.
    if (doc.y > doc.page.height - doc.page.margins.bottom - 30) doc.addPage();
    const y = doc.y;
    doc.text(label, 50, y, { width: 300 });
    doc.text(value, 350, y, { width: 195, align: 'right' });
    doc.moveDown(0.15);
  };

  doc.font('cjk-bold').fontSize(18).fillColor('#14532d').text(title(report, t));
  doc.font('cjk').fontSize(9).fillColor('#4b5563').text(`${t('funds.report.generated_at')}: ${report.generatedAt.toISOString()}`).text(`${t('funds.report.chain_head')}: #${report.head.sequence} ${report.head.hash}`);
  doc.fillColor('#111827').fontSize(10.5);

  heading(t('funds.report.figures'));
  for (const [label, fen] of figureRows(report, t)) row(label, yuan(fen));
  row(t('funds.report.admin_share'), formatBp(report.adminShareBp));
  row(t('funds.report.gift_count'), String(report.giftCount));
  row(t('funds.report.children_helped'), report.childrenHelped === null ? t('funds.report.children_helped_none') : String(report.childrenHelped));

  heading(t('funds.report.by_category'));
  for (const c of report.categories) row(t(`ledger.category.${c.category}`), `${yuan(c.fen)}  ${formatBp(c.bp)}`);

  if (report.funds.length > 0) {
    heading(t('funds.report.funds'));
    for (const f of report.funds) row(f.project?.title ?? (f.projectId === null ? t('funds.report.general_fund') : f.projectId), `${t('ledger.totals.held')} ${yuan(f.figures.heldFen)}`);
  }

  heading(t('funds.report.timeline'));
  if (report.disclosures.length === 0) doc.text(t('funds.report.no_disclosures'));
  for (const d of report.disclosures) {
    doc.text(`${day(d.publishedAt)}  ${t(`funds.disclosure.kind.${d.kind}`)}  ${d.periodStart} ~ ${d.periodEnd}${d.correctionReason ? `  ${t('funds.report.correction_reason')}: ${d.correctionReason}` : ''}`);
  }

  if (report.expenditures.length > 0) {
    heading(t('funds.report.spending'));
    for (const e of report.expenditures.slice(0, 40)) row(`${e.spentOn}  ${t(`ledger.category.${e.category}`)}  ${e.description}`.slice(0, 60), yuan(e.amountFen));
  }

  doc.moveDown(1).fontSize(8.5).fillColor('#6b7280').text(t('funds.report.verify_hint'));
  doc.end();
  return done;
}

/** What the charity-platform export needs: the disclosure, whose it is and which project it covers. */
export interface DisclosureFiling {
  organization: { id: string; name: string };
  project: { id: string; title: string };
  disclosure: DisclosureView;
}

const FILING_CATEGORIES = ['goods', 'school_aid', 'medical', 'psychological', 'activities', 'administration'] as const;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * A project's disclosure as a spreadsheet ready to file on the national charity information
 * platform (全国慈善信息公开平台 / 慈善中国): one header row of the fields it asks for (project,
 * period, income, expenditure by use, balance, beneficiaries, leftover-fund handling) and one row of
 * the disclosure's frozen figures, amounts in yuan to the fen. The chain head it was read at is
 * included, so the figures can be checked against the public ledger.
 */
export async function disclosureXlsx(filing: DisclosureFiling, t: Translate): Promise<Buffer> {
  const { disclosure: d } = filing;
  const f = d.figures;
  const byCategory = (f.spentByCategory ?? {}) as Record<string, unknown>;
  const head = (f.chainHead ?? {}) as { sequence?: number; hash?: string };
  const leftoverDue = d.kind === 'final' || d.kind === 'leftover' || d.kind === 'correction';
  const columns: Array<{ header: string; value: string | number | null; money?: boolean }> = [
    { header: t('funds.filing.organization'), value: filing.organization.name },
    { header: t('funds.filing.project'), value: filing.project.title },
    { header: t('funds.filing.kind'), value: t(`funds.disclosure.kind.${d.kind}`) },
    { header: t('funds.filing.period_start'), value: d.periodStart },
    { header: t('funds.filing.period_end'), value: d.periodEnd },
    { header: t('funds.filing.published_at'), value: day(d.publishedAt) },
    { header: t('funds.filing.income'), value: num(f.donationsFen), money: true },
    { header: t('funds.filing.refunds'), value: num(f.refundsFen) + num(f.disputesFen), money: true },
    { header: t('funds.filing.fees'), value: num(f.feesFen), money: true },
    ...FILING_CATEGORIES.map((c) => ({ header: t('funds.filing.spent_on', { use: t(`ledger.category.${c}`) }), value: num(byCategory[c]), money: true })),
    { header: t('funds.filing.spent'), value: num(f.spentFen), money: true },
    { header: t('funds.filing.balance'), value: num(f.heldFen), money: true },
    { header: t('funds.filing.beneficiaries'), value: typeof f.childrenHelped === 'number' ? f.childrenHelped : null },
    { header: t('funds.filing.leftover'), value: leftoverDue ? d.note || t('funds.filing.leftover_none') : t('funds.filing.not_applicable') },
    { header: t('funds.filing.correction'), value: d.correctionReason ?? '' },
    { header: t('funds.filing.chain_head'), value: head.hash ? `${head.sequence} ${head.hash}` : '' },
  ];
  const book = new ExcelJS.Workbook();
  book.creator = 'CareBridge 关爱桥';
  const sheet = book.addWorksheet(t('funds.filing.sheet'));
  sheet.addRow(columns.map((c) => c.header)).font = { bold: true };
  // Yuan as numbers (fen / 100) so the platform's form and any spreadsheet sum them; shown to the fen.
  const row = sheet.addRow(columns.map((c) => (c.money ? num(c.value) / 100 : c.value)));
  columns.forEach((c, i) => {
    sheet.getColumn(i + 1).width = Math.max(12, c.header.length * 2 + 2);
    if (c.money) row.getCell(i + 1).numFmt = '#,##0.00';
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}
