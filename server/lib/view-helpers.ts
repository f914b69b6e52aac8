import { translator, type Locale } from './i18n';
import { formatFen } from './money';

type HelperOptions = { hash: Record<string, string | number>; data: { root: { locale?: Locale } } };
const localeOf = (options: HelperOptions): Locale => options?.data?.root?.locale ?? 'zh-CN';

/**
 * Handlebars helpers: formatting only, no decisions. Every helper returns plain strings,
 * which Handlebars escapes, so user text is never rendered raw.
 */
export const viewHelpers = {
  t(key: string, options: HelperOptions) {
    return translator(localeOf(options))(key, options.hash);
  },
  /** A translated label for an enum value under a prefix: {{label "roles" role}}. */
  label(prefix: string, value: string, options: HelperOptions) {
    return translator(localeOf(options))(`${prefix}.${value}`);
  },
  date(value: Date | string | null | undefined, options: HelperOptions) {
    if (!value) return '';
    const d = new Date(value);
    return new Intl.DateTimeFormat(localeOf(options) === 'en' ? 'en-GB' : 'zh-CN', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'Asia/Shanghai' }).format(d);
  },
  datetime(value: Date | string | null | undefined, options: HelperOptions) {
    if (!value) return '';
    return new Intl.DateTimeFormat(localeOf(options) === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' }).format(new Date(value));
  },
  yuan(fen: number | null | undefined) {
    return formatFen(fen ?? 0);
  },
  /** A reported figure by its unit: fen as ¥ yuan, basis points as a percentage, a count as is; — when absent. */
  figure(value: number | null | undefined, unit: string) {
    if (value === null || value === undefined) return '—';
    if (unit === 'fen') return `¥${formatFen(value)}`;
    if (unit === 'bp') return `${(value / 100).toFixed(2)}%`;
    return String(value);
  },
  /** Minutes as hours with one decimal: 90 → "1.5". */
  hours(minutes: number | null | undefined) {
    return (Math.round(((minutes ?? 0) / 60) * 10) / 10).toFixed(1);
  },
  /** String form of a value, so a number from the database compares equal to the same value from a form. */
  str(value: unknown) {
    return value === undefined || value === null ? '' : String(value);
  },
  eq(a: unknown, b: unknown) {
    return a === b;
  },
  includes(list: unknown, value: unknown) {
    return Array.isArray(list) && list.includes(value);
  },
  // Geometry of horizontal bar charts (inline SVG, 600 units wide; the CSP allows no chart scripts).
  chartHeight: (n: number) => n * 28 + 8,
  barY: (i: number) => i * 28 + 6,
  barTextY: (i: number) => i * 28 + 22,
  barWidth: (w: number) => (w * 3.4).toFixed(1),
  barValueX: (w: number) => (180 + w * 3.4 + 6).toFixed(1),
  json(value: unknown) {
    // For data-* attributes read by progressive-enhancement scripts; escaped by Handlebars.
    return JSON.stringify(value);
  },
};
