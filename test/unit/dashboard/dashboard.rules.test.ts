import { bars, coverageRate, drillDown, percent } from '../../../server/dashboard/dashboard.rules';

describe('dashboard rules', () => {
  it('drills one level down at a time', () => {
    expect(drillDown(undefined, undefined).rowLevel).toBe('province');
    expect(drillDown('520000', 'province')).toEqual({ rowLevel: 'city', prefix: 4, filterDigits: 2 });
    expect(drillDown('520300', 'city')).toEqual({ rowLevel: 'county', prefix: 6, filterDigits: 4 });
    expect(drillDown('520324', 'county')).toEqual({ rowLevel: 'township', prefix: 9, filterDigits: 6 });
  });
  it('gives no rate when there is nothing to divide, instead of a misleading 0 %', () => {
    expect(percent(0, 0)).toBeNull();
    expect(percent(2, 3)).toBe(66.7);
    expect(coverageRate({ open: 1, beingHelped: 1, met: 1 })).toBe(66.7);
    expect(coverageRate({ open: 0, beingHelped: 0, met: 0 })).toBeNull();
  });
  it('scales chart bars to the largest value', () => {
    expect(bars([{ label: 'a', value: 50 }, { label: 'b', value: 25 }]).map((b) => b.width)).toEqual([100, 50]);
  });
});
