import { annualReportStatus, barChartSvg, categoryBreakdown, formatBp, projectDisclosureStatus, shareBp, toCsv } from '../../../server/funds/funds.rules';

describe('shares', () => {
  it('counts in basis points, rounded, and has no share of nothing', () => {
    expect(shareBp(1, 3)).toBe(3333);
    expect(shareBp(2, 3)).toBe(6667);
    expect(shareBp(5, 0)).toBeNull();
    expect(formatBp(385)).toBe('3.85%');
    expect(formatBp(null)).toBe('—');
  });
  it('breaks spending down in report order', () => {
    const rows = categoryBreakdown({ goods: 0, school_aid: 600, medical: 0, psychological: 0, activities: 150, administration: 30 });
    expect(rows.map((r) => r.category)).toEqual(['goods', 'school_aid', 'medical', 'psychological', 'activities', 'administration']);
    expect(rows[1]).toEqual({ category: 'school_aid', fen: 600, bp: 7692 });
  });
});

describe('disclosure deadlines', () => {
  const project = { startOn: '2026-01-01', endOn: '2026-12-31' };
  it('owes a quarterly report three months after the start, and flags it once late', () => {
    const due = projectDisclosureStatus(project, [], new Date('2026-03-15T00:00:00Z'))!;
    expect(due).toMatchObject({ kind: 'quarterly', overdue: false });
    expect(due.due.toISOString()).toBe('2026-04-01T15:59:59.999Z');
    expect(projectDisclosureStatus(project, [], new Date('2026-04-05T00:00:00Z'))).toMatchObject({ kind: 'quarterly', overdue: true, daysOverdue: 4 });
  });
  it('counts quarterly, final and leftover reports, not corrections or annual reports', () => {
    const published = [
      { kind: 'correction' as const, publishedAt: new Date('2026-03-30T00:00:00Z'), periodEnd: '2026-03-31' },
      { kind: 'annual' as const, publishedAt: new Date('2026-03-30T00:00:00Z'), periodEnd: '2025-12-31' },
    ];
    expect(projectDisclosureStatus(project, published, new Date('2026-04-05T00:00:00Z'))!.overdue).toBe(true);
    const quarterly = [{ kind: 'quarterly' as const, publishedAt: new Date('2026-03-30T00:00:00Z'), periodEnd: '2026-03-31' }];
    expect(projectDisclosureStatus(project, quarterly, new Date('2026-04-05T00:00:00Z'))!.overdue).toBe(false);
  });
  it('owes nothing before the start or without a start date', () => {
    expect(projectDisclosureStatus(project, [], new Date('2025-12-01T00:00:00Z'))).toBeNull();
    expect(projectDisclosureStatus({ startOn: null, endOn: null }, [], new Date())).toBeNull();
  });
  it('owes the annual report for last year by 31 May, China time', () => {
    expect(annualReportStatus(null, [], new Date('2026-06-10T00:00:00Z'))).toBeNull();
    expect(annualReportStatus(2026, [], new Date('2026-06-10T00:00:00Z'))).toBeNull();
    const onTime = annualReportStatus(2025, [], new Date('2026-05-31T15:00:00Z'))!;
    expect(onTime).toMatchObject({ year: 2025, overdue: false });
    expect(annualReportStatus(2025, [], new Date('2026-06-01T00:00:00Z'))).toMatchObject({ year: 2025, overdue: true, daysOverdue: 1 });
    expect(annualReportStatus(2025, [{ kind: 'annual', publishedAt: new Date('2026-04-01T00:00:00Z'), periodEnd: '2025-12-31' }], new Date('2026-06-10T00:00:00Z'))).toBeNull();
  });
});

describe('the report chart and CSV', () => {
  it('escapes every text in the SVG and draws no bar for nothing', () => {
    const svg = barChartSvg([{ label: '<script>alert(1)</script>', value: 0, caption: '"x" & y' }, { label: '助学金', value: 600, caption: '¥6.00' }], { title: 'a<b' });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('&quot;x&quot; &amp; y');
    expect(svg).toContain('aria-label="a&lt;b"');
    expect(svg).toMatch(/<rect [^>]*width="0"/);
    expect(svg).not.toMatch(/style=/);
  });
  it('quotes CSV cells and neutralizes spreadsheet formulas', () => {
    const csv = toCsv([['a,b', 'say "hi"', '=HYPERLINK("x")', -5, null]]);
    expect(csv).toBe('\ufeff"a,b","say ""hi""","\'=HYPERLINK(""x"")",-5,\r\n');
  });
});
