/** Money is integer fen everywhere; these are the only conversions to and from yuan text. */

/** 123456 → "1,234.56" (yuan, two decimals, grouped). */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new TypeError(`fen must be a safe integer, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** Parses yuan typed by a person ("1,234.5", "1234.56", "８８") into fen; null when it is not an amount. */
export function parseYuan(text: string): number | null {
  const normalized = text
    .replace(/[０-９．，]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[,\s¥￥元]/g, '');
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(normalized);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
