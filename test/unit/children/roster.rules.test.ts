import fs from 'node:fs';
import path from 'node:path';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import {
  ROSTER_ERROR_CODES,
  ROSTER_COLUMN_KEYS,
  ROSTER_TEMPLATE_COLUMNS,
  parseChildClass,
  parseChineseDate,
  parseDifficultyType,
  parseHealth,
  parseRiskLevel,
  parseSchooling,
  parseYesNo,
  normalizePhone,
  normalizePersonName,
  rosterFieldKey,
  rosterMessageKey,
  validateRosterRows,
  type RosterRow,
} from '../../../server/children/roster.rules';
import { ROSTER_FILE_ERROR_CODES } from '../../../server/children/roster-file';

const today = new Date('2024-06-01T04:00:00Z');
const ID_BOY = makeIdNumber('520324', '20120305', '123'); // odd sequence: male
const ID_GIRL = makeIdNumber('520324', '20150817', '246');
const VILLAGE = '520324101201';
const knownVillageCodes = (code: string): boolean => code === VILLAGE;

function row(rowNumber: number, cells: RosterRow['cells'], extra: Partial<RosterRow> = {}): RosterRow {
  return { rowNumber, cells, ...extra };
}
const validate = (rows: RosterRow[]) => validateRosterRows(rows, { today, knownVillageCodes });
const codes = (rows: RosterRow[]) => validate(rows).errors.map((e) => e.code);

describe('parseChineseDate', () => {
  it.each([
    ['2012-03-05', '2012-03-05'],
    ['2012.3.5', '2012-03-05'],
    ['2012/3/5', '2012-03-05'],
    ['2012年3月5日', '2012-03-05'],
    ['2012 年 3 月 5 日', '2012-03-05'],
    ['2012年03月05', '2012-03-05'],
    ['20120305', '2012-03-05'],
    ['2012-03-05 00:00:00', '2012-03-05'],
    ['２０１２－０３－０５', '2012-03-05'],
    ['2012-02-29', '2012-02-29'],
  ])('reads %s', (raw, value) => {
    expect(parseChineseDate(raw, today)).toEqual({ ok: true, value, precision: 'day' });
  });

  it.each([
    ['10000', '1927-05-18'],
    ['25569', '1970-01-01'],
    ['73415', '2100-12-31'],
    ['40973', '2012-03-05'],
    ['40973.5', '2012-03-05'],
  ])('reads the Excel serial %s', (raw, value) => {
    expect(parseChineseDate(raw)).toEqual({ ok: true, value, precision: 'day' });
  });

  it('reads a year and month as month precision', () => {
    expect(parseChineseDate('2012年3月')).toEqual({ ok: true, value: '2012-03-01', precision: 'month' });
    expect(parseChineseDate('2012.03')).toEqual({ ok: true, value: '2012-03-01', precision: 'month' });
  });

  it.each(['2012-02-30', '2013-02-29', '2012-13-01', '2012-00-10', '1899-12-31', '60', '2012', '9999', '73416', 'abc', '12.3.5', '', '2012-3-5-1'])(
    'rejects %s',
    (raw) => {
      expect(parseChineseDate(raw)).toEqual({ ok: false, code: 'date.invalid' });
    },
  );

  it('rejects dates after today in China', () => {
    expect(parseChineseDate('2024-06-02', today)).toEqual({ ok: false, code: 'date.future' });
    expect(parseChineseDate('2024-06-01', today).ok).toBe(true);
    // 2024-06-01T20:00Z is already 06-02 in Beijing.
    expect(parseChineseDate('2024-06-02', new Date('2024-06-01T20:00:00Z')).ok).toBe(true);
  });
});

describe('choice parsers', () => {
  it('reads the six child classes as digits, numerals or labels', () => {
    expect(parseChildClass('1')).toBe(1);
    expect(parseChildClass('第六类')).toBe(6);
    expect(parseChildClass('三')).toBe(3);
    expect(parseChildClass('孤儿')).toBe(1);
    expect(parseChildClass('事实无人抚养儿童')).toBe(2);
    expect(parseChildClass('低保家庭的重残、重病儿童')).toBe(3);
    expect(parseChildClass('其他低保家庭儿童')).toBe(4);
    expect(parseChildClass('其他 困境儿童')).toBe(5);
    expect(parseChildClass('农村留守儿童')).toBe(6);
    expect(parseChildClass('留守儿童')).toBe(6);
    expect(parseChildClass('7')).toBeUndefined();
    expect(parseChildClass('（）')).toBeUndefined();
    expect(parseChildClass('困难儿童')).toBeUndefined();
  });

  it('reads the difficulty type with or without 型', () => {
    expect(parseDifficultyType('经济困难型')).toBe('economic');
    expect(parseDifficultyType('监护缺失')).toBe('guardianship');
    expect(parseDifficultyType('特殊困难型')).toBe('special');
    expect(parseDifficultyType('特困')).toBeUndefined();
  });

  it('maps risk levels with 一级 as the highest', () => {
    for (const [raw, level] of [
      ['一级', 1], ['1', 1], ['极高', 1], ['一级风险', 1], ['红色', 1],
      ['二级', 2], ['2级', 2], ['高', 2], ['高风险', 2],
      ['三级', 3], ['中', 3], ['中风险', 3],
      ['四级', 4], ['4', 4], ['低', 4], ['低风险', 4],
    ] as const) {
      expect([raw, parseRiskLevel(raw)]).toEqual([raw, level]);
    }
    expect(parseRiskLevel('五级')).toBeUndefined();
    expect(parseRiskLevel('0')).toBeUndefined();
  });

  it('reads schooling stages, a grade after the stage included', () => {
    expect(parseSchooling('小学')).toBe('primary');
    expect(parseSchooling('小学四年级')).toBe('primary');
    expect(parseSchooling('未入园')).toBe('not_in_kindergarten');
    expect(parseSchooling('不在学')).toBe('not_in_school');
    expect(parseSchooling('大学')).toBeUndefined();
  });

  it('reads health with a detail note', () => {
    expect(parseHealth('健康')).toEqual({ state: 'healthy', note: null });
    expect(parseHealth('残疾:肢体二级')).toEqual({ state: 'disabled', note: '肢体二级' });
    expect(parseHealth('残疾;残疾类别及等级:视力一级')).toEqual({ state: 'disabled', note: '残疾类别及等级:视力一级' });
    expect(parseHealth('健康;患病')).toBeUndefined();
    expect(parseHealth('良好')).toBeUndefined();
  });

  it('reads ticks and yes/no', () => {
    for (const t of ['√', '✓', '✔', '是', 'Y', 'y', ' √ ']) expect(parseYesNo(t)).toBe(true);
    for (const f of ['否', 'N', '×']) expect(parseYesNo(f)).toBe(false);
    expect(parseYesNo('')).toBeNull();
    expect(parseYesNo('也许')).toBeUndefined();
  });

  it('normalizes phones and names', () => {
    expect(normalizePhone('138 1234 5678')).toBe('13812345678');
    expect(normalizePhone('+86 138-1234-5678')).toBe('13812345678');
    expect(normalizePhone('0851-26412345')).toBe('085126412345');
    expect(normalizePhone('12345')).toBeUndefined();
    expect(normalizePersonName('张  三')).toBe('张三');
    expect(normalizePersonName('阿依古丽·买买提')).toBe('阿依古丽·买买提');
    expect(normalizePersonName('张3')).toBeUndefined();
  });
});

describe('validateRosterRows', () => {
  it('derives birth date and sex from the ID number and keeps the other fields', () => {
    const { records, errors } = validate([
      row(5, {
        name: ' 王 小明 ',
        id_number: ID_BOY.toLowerCase(),
        ethnicity: '汉',
        village_code: VILLAGE,
        schooling: '小学',
        boarding: '√',
        health: '残疾:肢体',
        guardianship_type: '监护情况一般',
        guardian_name: '王大山',
        guardian_phone: '13812345678;0851-26412345',
        guardian_relation: '祖父',
        child_class: '6',
        difficulty_type: '监护缺失型',
        risk_level: '三级',
        notes: '父母在浙江务工',
      }),
    ]);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({
        rowNumber: 5,
        name: '王小明',
        idNumber: ID_BOY,
        birthDate: '2012-03-05',
        sex: 'male',
        ethnicity: '汉族',
        villageCode: VILLAGE,
        schooling: 'primary',
        boarding: true,
        health: 'disabled',
        healthNote: '肢体',
        guardianshipType: 'fair',
        guardianName: '王大山',
        guardianPhone: '13812345678;085126412345',
        childClass: 6,
        difficultyType: 'guardianship',
        riskLevel: 3,
        notes: '父母在浙江务工',
      }),
    ]);
  });

  it('accepts a birth date and sex column that agree with the ID, in any date form', () => {
    const { records, errors } = validate([
      row(5, { name: '甲', id_number: ID_BOY, birth_date: '2012年3月5日', sex: '男' }),
      row(6, { name: '乙', id_number: ID_GIRL, birth_date: '42233', sex: '女' }), // serial for 2015-08-17
      row(7, { name: '丙', id_number: makeIdNumber('520324', '20110101', '011'), birth_date: '2011年1月' }),
    ]);
    expect(errors).toEqual([]);
    expect(records.map((r) => r.birthDate)).toEqual(['2012-03-05', '2015-08-17', '2011-01-01']);
  });

  it('reports a birth date or sex that disagrees with the ID', () => {
    const { errors } = validate([row(5, { name: '甲', id_number: ID_BOY, birth_date: '2012-03-06', sex: '女' })]);
    expect(errors).toEqual([
      { rowNumber: 5, field: 'birth_date', code: 'birth_date.mismatch', value: '2012-03-06', params: { expected: '2012-03-05' } },
      { rowNumber: 5, field: 'sex', code: 'sex.mismatch', value: '女' },
    ]);
  });

  it('reports impossible and future birth dates', () => {
    expect(codes([row(5, { name: '甲', id_number: ID_BOY, birth_date: '2012-02-30' })])).toEqual(['birth_date.invalid']);
    expect(codes([row(5, { name: '甲', registered: '否', birth_date: '2030-01-01', sex: '男' })])).toEqual(['birth_date.future']);
  });

  it('passes through the ID number errors', () => {
    const badCheck = ID_BOY.slice(0, 17) + (ID_BOY[17] === '0' ? '1' : '0');
    expect(codes([row(5, { name: '甲', id_number: badCheck })])).toEqual(['id_number.checksum']);
    expect(codes([row(5, { name: '甲', id_number: '5203242012' })])).toEqual(['id_number.format']);
    expect(codes([row(5, { name: '甲', id_number: makeIdNumber('520324', '20120230', '123') })])).toEqual(['id_number.birth_date']);
    expect(codes([row(5, { name: '甲', id_number: makeIdNumber('520324', '20250101', '123') })])).toEqual(['id_number.future']);
  });

  it('strips the apostrophe Excel users type to force text', () => {
    expect(validate([row(5, { name: '甲', id_number: `'${ID_BOY}` })]).records[0].idNumber).toBe(ID_BOY);
  });

  it('requires a name and an ID number', () => {
    expect(validate([row(9, { id_number: ID_BOY }), row(10, { name: '乙' })]).errors).toEqual([
      { rowNumber: 9, field: 'name', code: 'name.required', value: '' },
      { rowNumber: 10, field: 'id_number', code: 'id_number.required', value: '' },
    ]);
  });

  it('imports a child without 户口 from birth date and sex', () => {
    const { records, errors } = validate([row(5, { name: '甲', registered: '否', birth_date: '2016.7.1', sex: '女' })]);
    expect(errors).toEqual([]);
    expect(records[0]).toEqual(expect.objectContaining({ idNumber: null, birthDate: '2016-07-01', sex: 'female', registered: false }));
    expect(codes([row(5, { name: '甲', registered: '否' })])).toEqual(['birth_date.required', 'sex.required']);
    expect(codes([row(5, { name: '甲', registered: '否', birth_date: '2016年7月', sex: '女' })])).toEqual(['birth_date.incomplete']);
  });

  it('refuses adults', () => {
    expect(codes([row(5, { name: '甲', id_number: makeIdNumber('520324', '20060531', '123') })])).toEqual(['birth_date.adult']);
    expect(codes([row(5, { name: '甲', id_number: makeIdNumber('520324', '20060602', '123') })])).toEqual([]);
  });

  it('reports a duplicate ID on the later row with the first row number', () => {
    const { records, errors } = validate([
      row(5, { name: '甲', id_number: ID_BOY }),
      row(6, { name: '乙', id_number: ID_GIRL }),
      row(9, { name: '甲', id_number: ID_BOY.toLowerCase() }),
    ]);
    expect(records.map((r) => r.rowNumber)).toEqual([5, 6]);
    expect(errors).toEqual([{ rowNumber: 9, field: 'id_number', code: 'id_number.duplicate', value: ID_BOY, params: { firstRow: 5 } }]);
  });

  it('checks village codes: 12 digits, and known', () => {
    expect(codes([row(5, { name: '甲', id_number: ID_BOY, village_code: '5203241012' })])).toEqual(['village_code.invalid']);
    expect(codes([row(5, { name: '甲', id_number: ID_BOY, village_code: '520324101000' })])).toEqual(['village_code.invalid']);
    expect(codes([row(5, { name: '甲', id_number: ID_BOY, village_code: '520324101299' })])).toEqual(['village_code.unknown']);
  });

  it('checks village codes against the region hierarchy by default', () => {
    const run = (village_code: string) =>
      validateRosterRows([row(5, { name: '甲', id_number: ID_BOY, village_code })], { today }).errors.map((e) => e.code);
    expect(run('520324101201')).toEqual([]);
    expect(run('520324101299')).toEqual(['village_code.unknown']);
  });

  it('reports bad choices with a code per field', () => {
    expect(
      codes([
        row(5, {
          name: '甲',
          id_number: ID_BOY,
          child_class: '9',
          difficulty_type: '一般',
          risk_level: '五级',
          schooling: '大学',
          health: '良好',
          guardianship_type: '很好',
          boarding: '偶尔',
          guardian_phone: '110',
        }),
      ]),
    ).toEqual([
      'guardian_phone.invalid',
      'health.invalid',
      'schooling.invalid',
      'boarding.invalid',
      'guardianship_type.invalid',
      'child_class.invalid',
      'difficulty_type.invalid',
      'risk_level.invalid',
    ]);
  });

  it('reports two ticks in a single-choice field', () => {
    expect(validate([row(5, { name: '甲', id_number: ID_BOY, schooling: '小学;初中' })]).errors).toEqual([
      { rowNumber: 5, field: 'schooling', code: 'choice.multiple', value: '小学;初中' },
    ]);
  });

  it('reports cells the file reader refused and imports nothing from that row', () => {
    const { records, errors } = validate([
      row(5, { name: '甲', id_number: ID_BOY }, { cellErrors: [{ field: 'notes', code: 'cell.formula', value: '=A1' }] }),
      row(6, { id_number: ID_GIRL }, { cellErrors: [{ field: 'name', code: 'cell.injection', value: '=HYPERLINK("x")' }] }),
    ]);
    expect(records).toEqual([]);
    expect(errors).toEqual([
      { rowNumber: 5, field: 'notes', code: 'cell.formula', value: '=A1' },
      { rowNumber: 6, field: 'name', code: 'cell.injection', value: '=HYPERLINK("x")' },
    ]);
  });

  it('limits free text', () => {
    expect(codes([row(5, { name: '甲', id_number: ID_BOY, notes: '很'.repeat(201) })])).toEqual(['text.too_long']);
  });
});

describe('template columns and messages', () => {
  it('the template example row is itself a valid record', () => {
    const cells = Object.fromEntries(ROSTER_TEMPLATE_COLUMNS.map((c) => [c.key, c.key === 'id_number' ? ID_BOY : c.example]));
    const { records, errors } = validateRosterRows([row(3, cells)], { today });
    expect(errors).toEqual([]);
    expect(records).toHaveLength(1);
  });

  it('covers every column key once', () => {
    expect(ROSTER_TEMPLATE_COLUMNS.map((c) => c.key).sort()).toEqual([...ROSTER_COLUMN_KEYS].sort());
  });

  it('has a message for every error code and a name for every field, in both languages', () => {
    const load = (locale: string): Record<string, string> =>
      JSON.parse(fs.readFileSync(path.join(__dirname, '../../../server/lib/locales', locale, 'roster.json'), 'utf8'));
    const zh = load('zh-CN');
    const en = load('en');
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const code of [...ROSTER_ERROR_CODES, ...ROSTER_FILE_ERROR_CODES]) {
      expect([code, typeof zh[rosterMessageKey(code)]]).toEqual([code, 'string']);
    }
    for (const key of ROSTER_COLUMN_KEYS) expect([key, typeof zh[rosterFieldKey(key)]]).toEqual([key, 'string']);
    const known = new Set([...ROSTER_ERROR_CODES, ...ROSTER_FILE_ERROR_CODES].map(rosterMessageKey).concat(ROSTER_COLUMN_KEYS.map(rosterFieldKey)));
    expect(Object.keys(zh).filter((k) => !known.has(k))).toEqual([]);
  });
});
