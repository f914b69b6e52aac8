/** Pure rules of the county dashboard: which level a drill-down shows, and how rates are figured. */

export type DrillLevel = 'province' | 'city' | 'county' | 'township';

/**
 * The regions a dashboard row groups by, one level below the region being looked at: the
 * whole country by province, a province by city, a city by county, a county by township.
 * `prefix` is how many leading digits of a child's 9-digit township code name the row.
 */
export function drillDown(regionCode: string | undefined, regionLevel: string | undefined): { rowLevel: DrillLevel; prefix: number; filterDigits: number } {
  switch (regionLevel) {
    case 'province':
      return { rowLevel: 'city', prefix: 4, filterDigits: 2 };
    case 'city':
      return { rowLevel: 'county', prefix: 6, filterDigits: 4 };
    case 'county':
    case 'township':
      return { rowLevel: 'township', prefix: 9, filterDigits: 6 };
    default:
      return { rowLevel: 'province', prefix: 2, filterDigits: 0 };
  }
}

/** A share as a whole percentage, or null when there is nothing to divide (shown as "—", not 0 %). */
export function percent(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((part / whole) * 1000) / 10;
}

/**
 * Coverage: of the needs that have been published (so are known and wanted), the share being
 * helped or already met. Drafts and withdrawn needs are not in the denominator.
 */
export const coverageRate = (f: { open: number; beingHelped: number; met: number }): number | null => percent(f.beingHelped + f.met, f.open + f.beingHelped + f.met);

/** Bars for an inline SVG chart: widths in percent of the largest value. */
export function bars(values: Array<{ label: string; value: number }>): Array<{ label: string; value: number; width: number }> {
  const max = Math.max(1, ...values.map((v) => v.value));
  return values.map((v) => ({ ...v, width: Math.round((v.value / max) * 1000) / 10 }));
}
