import ExcelJS from 'exceljs';
import {
  ROSTER_LIMITS,
  TEMPLATE_EXAMPLE_ID,
  buildRosterTemplate,
  decodeCsvBytes,
  parseCsv,
  readRosterFile,
  zipUncompressedSize,
  type RosterSheet,
} from '../../../server/children/roster-file';
import { validateRosterRows } from '../../../server/children/roster.rules';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import {
  OFFICIAL_LAYOUT,
  birthOf,
  buildOfficialRoster,
  encodeGb18030,
  makeChild,
  simpleRosterRows,
  toCsv,
} from './roster-factory';

const today = new Date('2024-06-01T04:00:00Z');

async function read(data: Buffer, filename: string): Promise<RosterSheet> {
  const result = await readRosterFile(data, filename);
  if (!result.ok) throw new Error(`expected ok, got ${result.code}`);
  return result.value;
}

async function xlsxOf(build: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb.addWorksheet('Sheet1'), wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('readRosterFile: the official roster layout', () => {
  const children = Array.from({ length: 12 }, (_, i) => makeChild(i));
  let sheet: RosterSheet;
  beforeAll(async () => {
    sheet = await read(await buildOfficialRoster(children, { blankNumberedRows: 5 }), '瑞溪镇花名册.xlsx');
  });

  it('finds the two-row header under the title rows', () => {
    expect(sheet.headerRow).toBe(OFFICIAL_LAYOUT.headerRow);
    expect(sheet.headerRowCount).toBe(2);
    expect(sheet.sheetName).toBe('花名册');
  });

  it("maps the child's name, not the father's, and the guardian group to guardian fields", () => {
    const byColumn = Object.fromEntries(sheet.columns.map((c) => [c.column, c]));
    const C = OFFICIAL_LAYOUT.columns;
    expect(byColumn[C.姓名]).toEqual({ key: 'name', column: C.姓名, header: '姓名' });
    expect(byColumn[C.父亲姓名]).toBeUndefined();
    expect(byColumn[C.监护人姓名]).toEqual({ key: 'guardian_name', column: C.监护人姓名, header: '委托监护人/姓名' });
    expect(byColumn[C.监护人电话].key).toBe('guardian_phone');
    expect(byColumn[C.与儿童关系].key).toBe('guardian_relation');
    expect(byColumn[C.小学]).toEqual({ key: 'schooling', column: C.小学, header: '就学情况/小学', option: '小学' });
    expect(sheet.ignoredHeaders).toEqual(['序号', '父亲/姓名', '父亲/出生日期', '父亲/务工地点']);
  });

  it('numbers rows as Excel does and skips blank numbered rows and the footer', () => {
    expect(sheet.rows.map((r) => r.rowNumber)).toEqual(children.map((_, i) => OFFICIAL_LAYOUT.firstDataRow + i));
  });

  it('turns ticks into the ticked sub-column name', () => {
    expect(sheet.rows.map((r) => r.cells.schooling)).toEqual(children.map((c) => c.schooling));
    expect(sheet.rows.map((r) => r.cells.health)).toEqual(children.map((c) => c.health));
  });

  it('reads Date cells, serial numbers and typed dates to text the rules accept', () => {
    const { records, errors } = validateRosterRows(sheet.rows, { today });
    expect(errors).toEqual([]);
    expect(records.map((r) => r.birthDate)).toEqual(
      children.map((_, i) => {
        const { y, m, d } = birthOf(i);
        return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      }),
    );
    expect(sheet.rows[0].cells.birth_date).toBe(records[0].birthDate); // a Date cell
    expect(sheet.rows[5].cells.birth_date).toMatch(/^\d{5}$/); // a serial number
  });
});

describe('readRosterFile: 50 bad rows among 200', () => {
  it('reports exactly the bad rows, by Excel row number', async () => {
    const bad = new Set<number>();
    for (let i = 3; i < 200; i += 4) if (bad.size < 50) bad.add(i);
    const kinds = [
      (i: number) => makeChild(i, { idNumber: String(makeChild(i).idNumber).slice(0, 17) + 'Z' }),
      (i: number) => makeChild(i, { name: '' }),
      (i: number) => makeChild(i, { birth: '2012-02-30' }),
      (i: number) => makeChild(i, { sex: makeChild(i).sex === '男' ? '女' : '男' }),
      (i: number) => makeChild(i, { villageCode: '520324101999' }),
      (i: number) => makeChild(i, { childClass: '第九类' }),
      (i: number) => makeChild(i, { risk: '五级' }),
      (i: number) => makeChild(i, { notes: { formula: 'HYPERLINK("http://x","点我")' } as ExcelJS.CellFormulaValue }),
      (i: number) => makeChild(i, { guardianName: '=cmd|" /C calc"!A0' }),
      () => makeChild(0, { name: '重复' }), // the child of row 5 again
    ];
    let k = 0;
    const children = Array.from({ length: 200 }, (_, i) => (bad.has(i) ? kinds[k++ % kinds.length](i) : makeChild(i)));
    const sheet = await read(await buildOfficialRoster(children), 'roster.xlsx');
    expect(sheet.rows).toHaveLength(200);
    const { records, errors } = validateRosterRows(sheet.rows, { today });
    const badRows = [...bad].map((i) => OFFICIAL_LAYOUT.firstDataRow + i);
    expect([...new Set(errors.map((e) => e.rowNumber))].sort((a, b) => a - b)).toEqual(badRows);
    expect(records).toHaveLength(150);
    expect(new Set(errors.map((e) => e.code))).toEqual(
      new Set([
        'id_number.format',
        'name.required',
        'birth_date.invalid',
        'sex.mismatch',
        'village_code.unknown',
        'child_class.invalid',
        'risk_level.invalid',
        'cell.formula',
        'cell.injection',
        'id_number.duplicate',
      ]),
    );
    const dup = errors.find((e) => e.code === 'id_number.duplicate');
    expect(dup?.params).toEqual({ firstRow: OFFICIAL_LAYOUT.firstDataRow });
  });
});

describe('readRosterFile: cells that are never evaluated', () => {
  const header = ['姓名', '身份证号码', '联系电话', '备注'];
  const id = makeIdNumber('520324', '20120305', '123');

  it('refuses formula cells, formula-like text and scripts; lets numeric phones through', async () => {
    const buf = await xlsxOf((ws) => {
      ws.addRow(header);
      ws.addRow(['甲', id, '+86 138 1234 5678', { formula: 'SUM(1,2)', result: 3 }]);
      ws.addRow(['乙', id.replace('2012', '2013'), '13812345678', '@SUM(A1)']);
      ws.addRow(['丙', id, '13812345678', '<script>alert(1)</script>']);
      ws.addRow(['丁', Number(id.slice(0, 17)), '-', '-']);
    });
    const sheet = await read(buf, 'x.xlsx');
    expect(sheet.rows.map((r) => r.cellErrors ?? [])).toEqual([
      [{ field: 'notes', code: 'cell.formula', value: '=SUM(1,2)' }],
      [{ field: 'notes', code: 'cell.injection', value: '@SUM(A1)' }],
      [{ field: 'notes', code: 'cell.script', value: '<script>alert(1)</script>' }],
      [{ field: 'id_number', code: 'cell.number_too_long', value: String(Number(id.slice(0, 17))) }],
    ]);
    expect(sheet.rows[0].cells).toEqual({ name: '甲', id_number: id, guardian_phone: '+86 138 1234 5678' });
    expect(sheet.rows[3].cells).toEqual({ name: '丁' }); // a lone "-" means empty
  });

  it('refuses formula-like text in CSV too', async () => {
    const sheet = await read(Buffer.from(toCsv([header, ['=1+2', id, '', '']])), 'x.csv');
    expect(sheet.rows[0].cellErrors).toEqual([{ field: 'name', code: 'cell.injection', value: '=1+2' }]);
  });
});

describe('readRosterFile: header variants', () => {
  const id = makeIdNumber('520324', '20120305', '123');

  it('accepts bracketed notes, required marks, full-width text and stray spaces in headers', async () => {
    const buf = await xlsxOf((ws) => {
      ws.addRow(['XX县农村留守儿童花名册']);
      ws.addRow(['序号', ' 儿童姓名 *', '性　别', '出生日期（年月日）', '公民身份证号码(18位)', '村（居）代码']);
      ws.addRow([1, '　王 小明 ', '男', '2012年3月5日', ` ${id} `, '５２０３２４１０１２０１']);
    });
    const sheet = await read(buf, 'x.xlsx');
    expect(sheet.columns.map((c) => c.key)).toEqual(['name', 'sex', 'birth_date', 'id_number', 'village_code']);
    expect(sheet.rows[0].cells).toEqual({
      name: '王 小明',
      sex: '男',
      birth_date: '2012年3月5日',
      id_number: id,
      village_code: '５２０３２４１０１２０１',
    });
    const { errors } = validateRosterRows(sheet.rows, { today });
    expect(errors).toEqual([]);
  });

  it('picks the roster sheet when a notes sheet comes first', async () => {
    const buf = await xlsxOf((ws, wb) => {
      ws.addRow(['填写说明']);
      ws.addRow(['姓名：儿童姓名']);
      const roster = wb.addWorksheet('名单');
      roster.addRow(['姓名', '性别', '身份证号码']);
      roster.addRow(['甲', '男', id]);
    });
    const sheet = await read(buf, 'x.xlsx');
    expect(sheet.sheetName).toBe('名单');
    expect(sheet.rows).toHaveLength(1);
  });

  it('reads a two-row header exported to CSV (group label only over its first column)', async () => {
    const csv = toCsv([
      ['XX镇留守儿童花名册', '', '', '', '', '', ''],
      ['姓名', '身份证号码', '就学情况', '', '', '委托监护人', ''],
      ['', '', '小学', '初中', '辍学', '姓名', '联系电话'],
      ['甲', id, '', '√', '', '王大山', '13812345678'],
    ]);
    const sheet = await read(Buffer.from(csv), 'x.csv');
    expect(sheet.headerRow).toBe(2);
    expect(sheet.headerRowCount).toBe(2);
    expect(sheet.rows).toEqual([
      { rowNumber: 4, cells: { name: '甲', id_number: id, schooling: '初中', guardian_name: '王大山', guardian_phone: '13812345678' } },
    ]);
  });

  it('does not mistake a data row full of choices for a sub-header', async () => {
    const csv = toCsv([
      ['姓名', '性别', '就学情况', '民族', '是否登记户口', '出生日期', ''],
      ['甲', '男', '小学', '汉族', '否', '', '父母外出'],
    ]);
    const sheet = await read(Buffer.from(csv), 'x.csv');
    expect(sheet.headerRowCount).toBe(1);
    expect(sheet.rows.map((r) => r.rowNumber)).toEqual([2]);
  });

  it('keeps a ticked detail column as a note on the choice', async () => {
    const csv = toCsv([
      ['姓名', '身份证号码', '身体情况', '', '', ''],
      ['', '', '健康', '残疾', '残疾类别及等级', '患病'],
      ['甲', id, '', '√', '肢体二级', ''],
    ]);
    const sheet = await read(Buffer.from(csv), 'x.csv');
    expect(sheet.rows[0].cells.health).toBe('残疾;残疾类别及等级:肢体二级');
    const { records } = validateRosterRows(sheet.rows, { today });
    expect(records[0]).toEqual(expect.objectContaining({ health: 'disabled', healthNote: '残疾类别及等级:肢体二级' }));
  });

  it('refuses a file without a recognizable header, or without a name column', async () => {
    expect(await readRosterFile(Buffer.from('a,b,c\n1,2,3\n'), 'x.csv')).toEqual({ ok: false, code: 'file.no_header' });
    expect(await readRosterFile(Buffer.from('性别,身份证号码,民族\n男,1,汉\n'), 'x.csv')).toEqual({
      ok: false,
      code: 'file.missing_column',
      params: { column: '姓名' },
    });
  });
});

describe('readRosterFile: CSV encodings', () => {
  const children = Array.from({ length: 3 }, (_, i) => makeChild(i));
  const text = toCsv(simpleRosterRows(children));

  const expectRoster = (sheet: RosterSheet): void => {
    expect(sheet.format).toBe('csv');
    expect(sheet.rows.map((r) => r.cells.name)).toEqual(children.map((c) => c.name));
    expect(sheet.rows.map((r) => r.rowNumber)).toEqual([2, 3, 4]);
    expect(sheet.columns.map((c) => c.key)).toEqual([
      'name', 'sex', 'birth_date', 'id_number', 'village_code', 'school', 'guardian_name', 'guardian_phone', 'child_class', 'risk_level',
    ]);
    expect(validateRosterRows(sheet.rows, { today }).errors).toEqual([]);
  };

  it('reads UTF-8 with a BOM', async () => {
    expectRoster(await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'roster.csv'));
  });

  it('reads UTF-8 without a BOM', async () => {
    expectRoster(await read(Buffer.from(text), 'roster.CSV'));
  });

  it('reads GB18030, as Excel on Chinese Windows saves CSV', async () => {
    const bytes = encodeGb18030(text);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expectRoster(await read(bytes, 'roster.csv'));
  });

  it('reads UTF-16 tab-separated text (Excel "Unicode text")', async () => {
    const tsv = text.replace(/,/g, '\t');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(tsv, 'utf16le')]);
    expectRoster(await read(bytes, 'roster.csv'));
  });

  it('refuses bytes that are neither UTF-8 nor GB18030', async () => {
    expect(decodeCsvBytes(Buffer.from([0x41, 0xff, 0xff, 0x42]))).toBeUndefined();
    expect(await readRosterFile(Buffer.from([0x41, 0xff, 0xff, 0x42]), 'x.csv')).toEqual({ ok: false, code: 'file.encoding' });
  });

  it('parses quoted fields with separators, quotes and line breaks', () => {
    expect(parseCsv('a,"b,1","c ""x""","d\r\ne"\r\n1,2,3,4\n')).toEqual([
      ['a', 'b,1', 'c "x"', 'd\r\ne'],
      ['1', '2', '3', '4'],
    ]);
  });
});

describe('readRosterFile: refusals', () => {
  it('refuses empty and oversized files', async () => {
    expect(await readRosterFile(Buffer.alloc(0), 'x.csv')).toEqual({ ok: false, code: 'file.empty' });
    expect(await readRosterFile(Buffer.alloc(ROSTER_LIMITS.maxBytes + 1, 0x41), 'x.csv')).toEqual({
      ok: false,
      code: 'file.too_large',
      params: { maxMb: 10 },
    });
  });

  it('checks magic bytes, not just the name', async () => {
    const xlsx = await xlsxOf((ws) => ws.addRow(['姓名', '性别', '身份证号码']));
    expect((await readRosterFile(xlsx, 'x.csv')).ok).toBe(false);
    expect(await readRosterFile(xlsx, 'x.csv')).toEqual({ ok: false, code: 'file.type_mismatch' });
    expect(await readRosterFile(Buffer.from('姓名,性别\n'), 'x.xlsx')).toEqual({ ok: false, code: 'file.type_mismatch' });
    expect(await readRosterFile(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'x.xls')).toEqual({
      ok: false,
      code: 'file.xls_unsupported',
    });
    expect(await readRosterFile(Buffer.from('%PDF-1.7'), 'x.pdf')).toEqual({ ok: false, code: 'file.unsupported_type' });
    expect(await readRosterFile(Buffer.from('PK\x03\x04not really a zip'), 'x.xlsx')).toEqual({ ok: false, code: 'file.corrupt' });
  });

  it('refuses a zip that claims to inflate past the limit, before inflating it', async () => {
    const xlsx = await xlsxOf((ws) => ws.addRow(['姓名', '性别', '身份证号码']));
    expect(zipUncompressedSize(xlsx)).toBeGreaterThan(0);
    // Patch the first central-directory entry's uncompressed size.
    const bomb = Buffer.from(xlsx);
    const cen = bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bomb.writeUInt32LE(ROSTER_LIMITS.maxUnzippedBytes + 1, cen + 24);
    expect(await readRosterFile(bomb, 'x.xlsx')).toEqual({ ok: false, code: 'file.too_large', params: { maxMb: 10 } });
  });

  it('refuses more than 20,000 data rows', async () => {
    const id = makeIdNumber('520324', '20120305', '123');
    const lines = ['姓名,性别,身份证号码'];
    for (let i = 0; i < ROSTER_LIMITS.maxRows; i++) lines.push(`甲,男,${id}`);
    expect((await readRosterFile(Buffer.from(lines.join('\n')), 'x.csv')).ok).toBe(true);
    lines.push(`甲,男,${id}`);
    expect(await readRosterFile(Buffer.from(lines.join('\n')), 'x.csv')).toEqual({
      ok: false,
      code: 'file.too_many_rows',
      params: { max: ROSTER_LIMITS.maxRows },
    });
  });
});

describe('buildRosterTemplate', () => {
  let template: Buffer;
  beforeAll(async () => {
    template = await buildRosterTemplate();
  });

  it('has a title row, the header, an example row and a notes sheet', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(template as unknown as ArrayBuffer);
    const [roster, notes] = wb.worksheets;
    expect(roster.name).toBe('花名册');
    expect(String(roster.getCell(1, 1).value)).toContain('花名册');
    expect(roster.getCell(2, 1).value).toBe('姓名*');
    expect(roster.getCell(3, 1).value).toBe('王小明');
    expect(roster.getCell(3, 2).value).toBe(TEMPLATE_EXAMPLE_ID);
    expect(roster.getColumn(2).numFmt).toBe('@');
    expect(notes.name).toBe('填写说明');
    const noteTexts: string[] = [];
    notes.eachRow((row) => noteTexts.push(row.values.toString()));
    expect(noteTexts.join('\n')).toContain('一级风险最高');
    expect(noteTexts.join('\n')).toContain('农村留守儿童');
  });

  it('reads back with the example row skipped, and imports what is typed under it', async () => {
    expect((await read(template, '模板.xlsx')).rows).toEqual([]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(template as unknown as ArrayBuffer);
    const id = makeIdNumber('520324', '20150817', '246');
    wb.worksheets[0].getRow(4).values = ['李芳', id, '女', '仡佬族', '2015.8.17', '是'];
    const sheet = await read(Buffer.from(await wb.xlsx.writeBuffer()), '模板.xlsx');
    expect(sheet.headerRow).toBe(2);
    expect(sheet.rows.map((r) => r.rowNumber)).toEqual([4]);
    const { records, errors } = validateRosterRows(sheet.rows, { today });
    expect(errors).toEqual([]);
    expect(records[0]).toEqual(expect.objectContaining({ name: '李芳', idNumber: id, sex: 'female', birthDate: '2015-08-17' }));
  });
});
