import { formatFen, parseYuan } from '../../../server/lib/money';

describe('money in fen', () => {
  it('formats fen as grouped yuan', () => {
    expect(formatFen(0)).toBe('0.00');
    expect(formatFen(5)).toBe('0.05');
    expect(formatFen(123456789)).toBe('1,234,567.89');
    expect(formatFen(-250)).toBe('-2.50');
  });
  it('parses what people type, to exact fen', () => {
    expect(parseYuan('1,234.5')).toBe(123450);
    expect(parseYuan('￥88')).toBe(8800);
    expect(parseYuan('８８．８')).toBe(8880);
    expect(parseYuan('0.1')).toBe(10);
    expect(parseYuan('1.005')).toBeNull();
    expect(parseYuan('-5')).toBeNull();
    expect(parseYuan('abc')).toBeNull();
  });
  it('refuses fractional fen', () => {
    expect(() => formatFen(1.5)).toThrow(TypeError);
  });
});
