import { isValidIdNumber, makeIdNumber, parseIdNumber } from '../../../server/children/id-number.rules';

const TODAY = new Date('2025-06-01T04:00:00Z');

describe('parseIdNumber', () => {
  it('accepts the sample number printed in GB 11643-1999 and derives birth date, sex and region', () => {
    expect(parseIdNumber('11010519491231002X', TODAY)).toEqual({
      ok: true,
      value: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'female',
      regionCode: '110105',
    });
  });

  it('accepts a child’s number typed with a lower-case x, full-width digits and stray spaces', () => {
    const id = makeIdNumber('520324', '20120305', '130');
    expect(id).toMatch(/^520324201203051\d{2}[\dX]$/);
    const messy = `\u3000 ${id.slice(0, 6)} ${id.slice(6, 14)}${id.slice(14).toLowerCase().replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))} `;
    const parsed = parseIdNumber(messy, TODAY);
    expect(parsed).toMatchObject({ ok: true, value: id, birthDate: '2012-03-05', sex: 'female', regionCode: '520324' });
  });

  it('reads the sex from the 17th digit: odd is male, even is female', () => {
    expect(parseIdNumber(makeIdNumber('520324', '20150709', '011'), TODAY)).toMatchObject({ ok: true, sex: 'male' });
    expect(parseIdNumber(makeIdNumber('520324', '20150709', '012'), TODAY)).toMatchObject({ ok: true, sex: 'female' });
  });

  it('rejects a number with one digit mistyped with the checksum code', () => {
    const valid = '11010519491231002X';
    for (let i = 0; i < 17; i++) {
      const digit = (Number(valid[i]) + 1) % 10;
      if (i === 0 && digit === 0) continue; // a leading 0 is a format error, tested below
      const typo = valid.slice(0, i) + digit + valid.slice(i + 1);
      expect(parseIdNumber(typo, TODAY)).toEqual({ ok: false, code: 'id_number.checksum' });
    }
    expect(parseIdNumber('110105194912310021', TODAY)).toEqual({ ok: false, code: 'id_number.checksum' });
  });

  it.each([
    ['too short', '1101051949123100'],
    ['too long', '11010519491231002X1'],
    ['letters inside', '1101051949A231002X'],
    ['X not last', '1101051949123100X2'],
    ['leading zero', '01010519491231002X'],
    ['old 15-digit card', '110105491231002'],
    ['empty', '   '],
  ])('rejects a malformed number (%s) with the format code', (_label, raw) => {
    expect(parseIdNumber(raw, TODAY)).toEqual({ ok: false, code: 'id_number.format' });
  });

  it('rejects a well-checksummed number whose birth date is not a real date', () => {
    for (const date of ['20230230', '20190229', '20121301', '20120100', '18991231']) {
      expect(parseIdNumber(makeIdNumber('520324', date, '123'), TODAY)).toEqual({ ok: false, code: 'id_number.birth_date' });
    }
    // 2020 was a leap year.
    expect(parseIdNumber(makeIdNumber('520324', '20200229', '123'), TODAY)).toMatchObject({ ok: true, birthDate: '2020-02-29' });
  });

  it('rejects a birth date in the future, judged on the calendar date in China', () => {
    // 16:30 UTC on 4 March is already 00:30 on 5 March in China.
    const lateEvening = new Date('2024-03-04T16:30:00Z');
    expect(parseIdNumber(makeIdNumber('520324', '20240305', '123'), lateEvening)).toMatchObject({ ok: true });
    expect(parseIdNumber(makeIdNumber('520324', '20240306', '123'), lateEvening)).toEqual({ ok: false, code: 'id_number.future' });
  });
});

describe('isValidIdNumber', () => {
  it('agrees with parseIdNumber', () => {
    expect(isValidIdNumber('11010519491231002x', TODAY)).toBe(true);
    expect(isValidIdNumber('110105194912310021', TODAY)).toBe(false);
  });
});

describe('makeIdNumber', () => {
  it('computes the check character so that the number parses', () => {
    const id = makeIdNumber('440305', '20160815', '007');
    expect(id).toHaveLength(18);
    expect(parseIdNumber(id, TODAY)).toMatchObject({ ok: true, birthDate: '2016-08-15', sex: 'male', regionCode: '440305' });
  });

  it('reproduces the check character of the standard’s sample', () => {
    expect(makeIdNumber('110105', '19491231', '002')).toBe('11010519491231002X');
  });

  it('refuses malformed parts', () => {
    expect(() => makeIdNumber('52032', '20120305', '123')).toThrow(/region code/);
    expect(() => makeIdNumber('520324', '2012-03-05', '123')).toThrow(/birth date/);
    expect(() => makeIdNumber('520324', '20120305', '12')).toThrow(/sequence/);
  });
});
