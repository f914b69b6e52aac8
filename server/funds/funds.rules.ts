/**
 * Pure rules of fund-use reports: shares, disclosure deadlines per project and per organization,
 * the report's chart (inline SVG) and CSV, and what reached a need through the allocation of gifts.
 * No I/O.
 */
import { EXPENSE_CATEGORIES, disclosureStatus, type DisclosureStatus, type ExpenditureFunding, type ExpenseCategory } from '../ledger/ledger.rules';

export const DISCLOSURE_KINDS = ['quarterly', 'final', 'leftover', 'annual', 'correction'] as const;
export type DisclosureKind = (typeof DISCLOSURE_KINDS)[number];
/** Kinds an organization publishes of its own accord; a correction is made from an earlier disclosure. */
export const PUBLISHABLE_KINDS = ['quarterly', 'final', 'leftover', 'annual'] as const;

/** Share in basis points (1/100 of a percent), rounded half up; null when there is no whole. */
export function shareBp(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((part * 10_000) / whole);
}

/** "12.34%" from basis points. */
export function formatBp(bp: number | null): string {
  return bp === null ? '—' : `${(bp / 100).toFixed(2)}%`;
}

export interface PublishedDisclosure {
  kind: DisclosureKind;
  publishedAt: Date;
  periodEnd: string;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;
const chinaMidnight = (day: string) => new Date(`${day}T00:00:00+08:00`);

/**
 * What a project owes next under the Charity Law (via the ledger rules' `disclosureStatus`), from
 * its dates and its disclosures. Corrections and annual reports do not count: a correction
 * repairs a report already made, an annual report is the organization's. Null when the project has
 * no start date (nothing is owed before it starts) or owes nothing.
 */
export function projectDisclosureStatus(project: { startOn: string | null; endOn: string | null }, published: readonly PublishedDisclosure[], today: Date): DisclosureStatus | null {
  if (!project.startOn) return null;
  const start = chinaMidnight(project.startOn);
  if (today.getTime() < start.getTime()) return null;
  // The end day is a whole day of the project: it ends at the last instant of it.
  const end = project.endOn ? new Date(chinaMidnight(project.endOn).getTime() + 86_400_000 - 1) : null;
  const counting = published.filter((d) => d.kind === 'quarterly' || d.kind === 'final' || d.kind === 'leftover');
  const last = latest(counting.map((d) => d.publishedAt));
  const leftover = latest(counting.filter((d) => d.kind === 'leftover').map((d) => d.publishedAt));
  return disclosureStatus({ projectStart: start, projectEnd: end, lastDisclosureAt: last, leftoverDisclosedAt: leftover, today });
}

export interface AnnualStatus {
  year: number;
  /** 31 May of the next year, end of the day, China time. */
  due: Date;
  overdue: boolean;
  daysOverdue: number;
}

/**
 * The annual report an organization owes (2026 慈善组织信息公开办法: by 31 May for the year
 * before), given the first year it had money in the ledger; null when it owes none or made it.
 */
export function annualReportStatus(firstActiveYear: number | null, published: readonly PublishedDisclosure[], today: Date): AnnualStatus | null {
  if (firstActiveYear === null) return null;
  const chinaToday = new Date(today.getTime() + CHINA_OFFSET_MS);
  const year = chinaToday.getUTCFullYear() - 1;
  if (firstActiveYear > year) return null;
  const covered = published.some((d) => d.kind === 'annual' && Number(d.periodEnd.slice(0, 4)) >= year);
  if (covered) return null;
  const due = new Date(Date.UTC(year + 1, 4, 31, 23, 59, 59, 999) - CHINA_OFFSET_MS);
  const late = today.getTime() - due.getTime();
  return { year, due, overdue: late > 0, daysOverdue: late > 0 ? Math.ceil(late / 86_400_000) : 0 };
}

function latest(dates: Date[]): Date | null {
  return dates.reduce<Date | null>((a, d) => (a === null || d.getTime() > a.getTime() ? d : a), null);
}

/** Spent per category in report order, each with its share of all spending. */
export function categoryBreakdown(spentByCategory: Record<ExpenseCategory, number>): Array<{ category: ExpenseCategory; fen: number; bp: number | null }> {
  const total = EXPENSE_CATEGORIES.reduce((s, c) => s + spentByCategory[c], 0);
  return EXPENSE_CATEGORIES.map((category) => ({ category, fen: spentByCategory[category], bp: shareBp(spentByCategory[category], total) }));
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text made safe inside SVG/XML markup. */
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

export interface ChartBar {
  label: string;
  value: number;
  /** The value as shown next to the bar, e.g. "¥1,234.00 · 12.00%". */
  caption: string;
}

const PALETTE = ['#2f7d5b', '#3c6fb0', '#c7653b', '#8a5bb5', '#c59a1e', '#6b7280'];

/**
 * A horizontal bar chart as inline SVG, server-rendered (the CSP allows no scripts, and a
 * picture must not need one). Every text is escaped; colours are attributes, not styles.
 */
export function barChartSvg(bars: readonly ChartBar[], opts: { title: string; width?: number }): string {
  const width = opts.width ?? 760;
  // Room for the longest label ("Medical and rehabilitation"); Chinese labels are shorter.
  const labelWidth = 200;
  const captionWidth = 190;
  const rowHeight = 30;
  const top = 8;
  const height = top + bars.length * rowHeight + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const barSpace = width - labelWidth - captionWidth - 16;
  const rows = bars
    .map((b, i) => {
      const y = top + i * rowHeight;
      const w = b.value > 0 ? Math.max(2, Math.round((b.value / max) * barSpace)) : 0;
      return (
        `<g><text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end" font-size="13" fill="#1f2937">${escapeXml(b.label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 5}" width="${w}" height="${rowHeight - 10}" rx="3" fill="${PALETTE[i % PALETTE.length]}"></rect>` +
        `<text x="${labelWidth + w + 8}" y="${y + 19}" font-size="12" fill="#374151">${escapeXml(b.caption)}</text></g>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeXml(opts.title)}"><title>${escapeXml(opts.title)}</title>${rows}</svg>`;
}

/** One CSV cell: quoted when needed, and a leading = + - @ neutralized so a spreadsheet never runs it as a formula. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV with a UTF-8 byte-order mark, so Excel opens Chinese text correctly. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  return '\ufeff' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * Lock-out: a project whose disclosure is overdue takes no new gifts and leaves the public list
 * and search until that disclosure is published (GlobalGiving hides late projects; Chinese
 * platforms block new fundraising). The status is the one `projectDisclosureStatus` gives, so
 * publishing the owed report lifts both at once. Returns what is overdue, or null when not locked.
 */
export function giftLockout(status: DisclosureStatus | null): DisclosureStatus | null {
  return status?.overdue ? status : null;
}

/** Advance notices before a disclosure falls due: a month, then a week; then once it is overdue. */
export const NOTICE_DAYS = [30, 7] as const;
export type DisclosureNotice = '30' | '7' | 'overdue';

/**
 * Which notice a disclosure's status calls for today: 'overdue' once it is late, '7' when due in
 * 7 days or fewer, '30' when due in 30 or fewer, null earlier. Whole China-calendar days, so a
 * notice does not depend on the hour the runner wakes. Each notice is sent once (the runner keys
 * them); a runner that missed the 30-day day still sends '7' when that comes.
 */
export function disclosureNotice(status: DisclosureStatus | null, today: Date): DisclosureNotice | null {
  if (!status) return null;
  if (status.overdue) return 'overdue';
  const daysLeft = chinaDayNumber(status.due) - chinaDayNumber(today);
  if (daysLeft <= NOTICE_DAYS[1]) return '7';
  if (daysLeft <= NOTICE_DAYS[0]) return '30';
  return null;
}

const chinaDayNumber = (t: Date): number => Math.floor((t.getTime() + CHINA_OFFSET_MS) / 86_400_000);

/** A disclosed figure that a correction changed: its key, the old value and the new one. */
export interface FigureChange {
  figure: string;
  /** How the figure reads: fen as yuan, basis points as a percentage, or a plain count. */
  unit: 'fen' | 'bp' | 'count';
  before: number | null;
  after: number | null;
}

const unitOf = (figure: string): FigureChange['unit'] => (figure.endsWith('Fen') || figure.startsWith('spentByCategory.') ? 'fen' : figure.endsWith('Bp') ? 'bp' : 'count');

/**
 * A project's or organization's disclosures as public history: each correction with what it
 * changed against the disclosure it corrects, and each corrected disclosure marked superseded by
 * its latest correction (it stays visible, never edited). Input and output newest first.
 */
export function disclosureHistory<D extends { id: string; publishedAt: Date; corrects: string | null; figures: Record<string, unknown> }>(list: readonly D[]): Array<D & { supersededBy: string | null; changes: FigureChange[] }> {
  const byId = new Map(list.map((d) => [d.id, d]));
  const latestCorrection = new Map<string, D>();
  for (const d of list) {
    if (!d.corrects) continue;
    const seen = latestCorrection.get(d.corrects);
    if (!seen || d.publishedAt.getTime() > seen.publishedAt.getTime()) latestCorrection.set(d.corrects, d);
  }
  return list.map((d) => {
    const original = d.corrects ? byId.get(d.corrects) : undefined;
    return { ...d, supersededBy: latestCorrection.get(d.id)?.id ?? null, changes: original ? figureChanges(original.figures, d.figures) : [] };
  });
}

/** Disclosed figures in the order a report shows them. */
const FIGURE_ORDER: readonly string[] = ['donationsFen', 'refundsFen', 'disputesFen', 'feesFen', 'keptFen', 'spentFen', ...EXPENSE_CATEGORIES.map((c) => `spentByCategory.${c}`), 'heldFen', 'adminShareBp', 'giftCount', 'childrenHelped'];

/** The figures a correction changed, figure by figure (numbers only, nested by dotted key, e.g. spentByCategory.medical), in report order. */
export function figureChanges(before: Record<string, unknown>, after: Record<string, unknown>): FigureChange[] {
  const flat = (o: Record<string, unknown>, prefix = '', out = new Map<string, number>()) => {
    for (const [k, v] of Object.entries(o)) {
      if (k === 'chainHead') continue;
      if (typeof v === 'number') out.set(prefix + k, v);
      else if (v && typeof v === 'object' && !Array.isArray(v)) flat(v as Record<string, unknown>, `${prefix}${k}.`, out);
    }
    return out;
  };
  const a = flat(before);
  const b = flat(after);
  // Stored figures (jsonb) come back in the database's key order: show them in the report's.
  const rank = (k: string) => (FIGURE_ORDER.indexOf(k) + 1 || FIGURE_ORDER.length + 1);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0));
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => ({ figure: k, unit: unitOf(k), before: a.get(k) ?? null, after: b.get(k) ?? null }));
}

/**
 * `amountFen` in `n` equal shares of whole fen that add up to it: the odd fen go to the first
 * shares, one each.
 */
export function equalShares(amountFen: number, n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`cannot share among ${n}`);
  const base = Math.floor(amountFen / n);
  const odd = amountFen - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < odd ? 1 : 0));
}

/** What gifts brought one need through the spending tied to it: how many gifts, and how many fen. */
export interface HelpReceived {
  giftCount: number;
  fen: number;
}

/**
 * What reached one need through the first-in first-out allocation of its funds: the gifts that
 * paid for posted spending tied to it (each gift counted once however many such spendings it
 * paid for), and the fen gifts paid for that spending. A spending that served several needs counts
 * in equal shares of what gifts paid for it (`equalShares`, needs in id order), so the needs'
 * shares of a spending add up to it and nothing is counted twice. Spending no gift paid for
 * (an overdrawn fund) brings nothing. `served`: the distinct needs each spending served.
 */
export function helpReceived(funding: readonly ExpenditureFunding[], served: ReadonlyMap<string, readonly string[]>, needId: string): HelpReceived {
  const gifts = new Set<string>();
  let fen = 0;
  for (const e of funding) {
    const needs = [...new Set(served.get(e.expenditureId) ?? [])].sort();
    const at = needs.indexOf(needId);
    if (at < 0) continue;
    fen += equalShares(e.fundedFen, needs.length)[at];
    for (const g of e.fundedBy) if (g.amountFen > 0) gifts.add(g.giftId);
  }
  return { giftCount: gifts.size, fen };
}
