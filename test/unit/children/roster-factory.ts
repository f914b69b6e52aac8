/**
 * Builds rosters the way caseworkers keep them, for tests and the roster benchmark: a title
 * row, a "填报单位" line, a two-row header with merged groups (就学情况 ticks, 父亲, 委托监护人),
 * dates in every form people type, a footer. Deterministic: child i is always the same child.
 */
import ExcelJS from 'exceljs';
import { makeIdNumber } from '../../../server/children/id-number.rules';

export interface FactoryChild {
  name: string;
  idNumber: string | number;
  sex: string;
  ethnicity: string;
  /** Cell value for 出生日期: a Date, a string in some typed form, or an Excel serial number. */
  birth: Date | string | number | ExcelJS.CellFormulaValue;
  villageCode: string;
  schooling: '幼儿园' | '小学' | '初中' | '辍学';
  health: '健康' | '残疾' | '患病';
  fatherName: string;
  guardianName: string;
  guardianPhone: string;
  relation: string;
  childClass: string;
  difficulty: string;
  risk: string;
  notes: string | ExcelJS.CellFormulaValue;
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林';
const GIVEN = ['小明', '芳', '子涵', '浩然', '欣怡', '宇航', '梓萱', '俊杰', '雨桐', '家豪', '思琪', '天佑'];
const VILLAGES = ['520324101201', '520324101202', '520324101203', '520324102201', '520324102203', '520324001203'];
const ETHNIC = ['汉族', '仡佬族', '苗族', '汉'];
const CLASSES = ['6', '农村留守儿童', '2', '事实无人抚养儿童', '5', '其他低保家庭儿童'];
const DIFFICULTIES = ['监护缺失型', '经济困难型', '特殊困难型'];
const RISKS = ['一级', '二级', '三级', '四级', '3', '低', '高'];
const RELATIONS = ['祖父', '祖母', '外祖母', '叔叔'];
const STAGES = ['幼儿园', '小学', '初中', '辍学'] as const;

/** Birth date of child i, between 2009 and 2021. */
export function birthOf(i: number): { y: number; m: number; d: number } {
  return { y: 2009 + (i % 13), m: 1 + ((i * 7) % 12), d: 1 + ((i * 11) % 28) };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The ways one date gets typed into a roster, cycled by row. */
export function birthCell(i: number): Date | string | number {
  const { y, m, d } = birthOf(i);
  switch (i % 6) {
    case 0:
      return new Date(Date.UTC(y, m - 1, d));
    case 1:
      return `${y}-${pad2(m)}-${pad2(d)}`;
    case 2:
      return `${y}.${m}.${d}`;
    case 3:
      return `${y}/${m}/${d}`;
    case 4:
      return `${y}年${m}月${d}日`;
    default:
      // Excel serial: days since 1899-12-30.
      return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86_400_000);
  }
}

/** A valid child; override fields to make it invalid. */
export function makeChild(i: number, overrides: Partial<FactoryChild> = {}): FactoryChild {
  const { y, m, d } = birthOf(i);
  const male = i % 2 === 0;
  const seq = String(100 + ((i * 2) % 800) + (male ? 1 : 0)).padStart(3, '0');
  return {
    name: SURNAMES[i % SURNAMES.length] + GIVEN[(i * 5) % GIVEN.length],
    idNumber: makeIdNumber('520324', `${y}${pad2(m)}${pad2(d)}`, seq),
    sex: male ? '男' : '女',
    ethnicity: ETHNIC[i % ETHNIC.length],
    birth: birthCell(i),
    villageCode: VILLAGES[i % VILLAGES.length],
    schooling: STAGES[i % STAGES.length],
    health: i % 10 === 3 ? '残疾' : '健康',
    fatherName: SURNAMES[i % SURNAMES.length] + '大' + GIVEN[i % GIVEN.length].slice(-1),
    guardianName: SURNAMES[(i + 3) % SURNAMES.length] + GIVEN[(i + 1) % GIVEN.length],
    guardianPhone: `1${38 + (i % 10)}${String(10_000_000 + i * 7919).slice(-8)}`,
    relation: RELATIONS[i % RELATIONS.length],
    childClass: CLASSES[i % CLASSES.length],
    difficulty: DIFFICULTIES[i % DIFFICULTIES.length],
    risk: RISKS[i % RISKS.length],
    notes: i % 4 === 0 ? '父母在浙江务工' : '',
    ...overrides,
  };
}

export interface OfficialRosterOptions {
  /** Rows left blank but numbered under the data, as pre-numbered templates have. */
  blankNumberedRows?: number;
  footer?: boolean;
}

/** Column layout of the official-style roster (1-based columns), for assertions. */
export const OFFICIAL_LAYOUT = {
  firstDataRow: 5,
  headerRow: 3,
  columns: {
    序号: 1, 姓名: 2, 性别: 3, 民族: 4, 出生日期: 5, 公民身份证号码: 6, 现居住地区划代码: 7,
    幼儿园: 8, 小学: 9, 初中: 10, 辍学: 11, 健康: 12, 残疾: 13, 患病: 14,
    父亲姓名: 15, 父亲出生日期: 16, 父亲务工地点: 17,
    监护人姓名: 18, 监护人电话: 19, 与儿童关系: 20,
    儿童类别: 21, 困境类型: 22, 风险等级: 23, 备注: 24,
  },
} as const;

/** An .xlsx roster in the official style, one data row per child starting at row 5. */
export async function buildOfficialRoster(children: FactoryChild[], options: OfficialRosterOptions = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('花名册');
  const last = 24;
  ws.getCell(1, 1).value = '正安县瑞溪镇农村留守儿童花名册';
  ws.mergeCells(1, 1, 1, last);
  ws.getCell(2, 1).value = '填报单位：尖峰村（盖章）        填报日期：2024年3月';
  ws.mergeCells(2, 1, 2, last);

  const top: Array<[number, number, string]> = [
    [1, 1, '序号'], [2, 2, '姓 名'], [3, 3, '性别'], [4, 4, '民族'], [5, 5, '出生日期'],
    [6, 6, '公民身份证号码'], [7, 7, '现居住地区划代码'], [8, 11, '就学情况'], [12, 14, '身体情况'],
    [15, 17, '父亲'], [18, 20, '委托监护人'], [21, 21, '儿童类别'], [22, 22, '困境类型'],
    [23, 23, '风险等级'], [24, 24, '备注'],
  ];
  for (const [from, to, label] of top) {
    ws.getCell(3, from).value = label;
    if (to > from) ws.mergeCells(3, from, 3, to);
    else ws.mergeCells(3, from, 4, from); // a single column's header spans both header rows
  }
  const sub: Array<[number, string]> = [
    [8, '幼儿园'], [9, '小学'], [10, '初中'], [11, '辍学'], [12, '健康'], [13, '残疾'], [14, '患病'],
    [15, '姓名'], [16, '出生日期'], [17, '务工地点'], [18, '姓名'], [19, '联系电话'], [20, '与儿童关系'],
  ];
  for (const [col, label] of sub) ws.getCell(4, col).value = label;

  children.forEach((c, i) => {
    const r = OFFICIAL_LAYOUT.firstDataRow + i;
    const row = ws.getRow(r);
    const C = OFFICIAL_LAYOUT.columns;
    row.getCell(C.序号).value = i + 1;
    row.getCell(C.姓名).value = c.name;
    row.getCell(C.性别).value = c.sex;
    row.getCell(C.民族).value = c.ethnicity;
    row.getCell(C.出生日期).value = c.birth;
    row.getCell(C.公民身份证号码).value = c.idNumber;
    row.getCell(C.现居住地区划代码).value = c.villageCode;
    row.getCell(C[c.schooling]).value = '√';
    row.getCell(C[c.health]).value = '√';
    row.getCell(C.父亲姓名).value = c.fatherName;
    row.getCell(C.父亲出生日期).value = '1985.6.1';
    row.getCell(C.父亲务工地点).value = '浙江省宁波市';
    row.getCell(C.监护人姓名).value = c.guardianName;
    row.getCell(C.监护人电话).value = c.guardianPhone;
    row.getCell(C.与儿童关系).value = c.relation;
    row.getCell(C.儿童类别).value = c.childClass;
    row.getCell(C.困境类型).value = c.difficulty;
    row.getCell(C.风险等级).value = c.risk;
    row.getCell(C.备注).value = c.notes;
    row.commit();
  });
  let next = OFFICIAL_LAYOUT.firstDataRow + children.length;
  for (let k = 0; k < (options.blankNumberedRows ?? 0); k++) ws.getCell(next++, 1).value = children.length + k + 1;
  if (options.footer ?? true) {
    ws.getCell(next + 1, 1).value = '填表人：李四            审核人：王五            联系电话：0851-26412345';
    ws.mergeCells(next + 1, 1, next + 1, last);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A plain one-header-row table as CSV text (fields quoted when needed). */
export function toCsv(rows: Array<Array<string | number>>): string {
  const q = (v: string | number): string => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(q).join(',')).join('\r\n') + '\r\n';
}

/** CSV rows of a simple roster: header plus one row per child (ID as text). */
export function simpleRosterRows(children: FactoryChild[]): Array<Array<string | number>> {
  const header = ['序号', '姓名', '性别', '出生日期', '身份证号', '村(居)代码', '就读学校', '监护人', '联系电话', '儿童类别', '风险等级'];
  return [
    header,
    ...children.map((c, i) => [
      i + 1,
      c.name,
      c.sex,
      typeof c.birth === 'string' ? c.birth : `${birthOf(i).y}-${pad2(birthOf(i).m)}-${pad2(birthOf(i).d)}`,
      String(c.idNumber),
      c.villageCode,
      '瑞溪镇中心小学',
      c.guardianName,
      c.guardianPhone,
      c.childClass,
      c.risk,
    ]),
  ];
}

let gbkTable: Map<string, number[]> | undefined;

/**
 * Encodes text as GB18030 for CJK and ASCII, by inverting Node's GB18030 decoder over every
 * two-byte code: Node ships a decoder but no encoder, and Excel on Chinese Windows saves "CSV" this way.
 */
export function encodeGb18030(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    const dec = new TextDecoder('gb18030');
    for (let hi = 0x81; hi <= 0xfe; hi++) {
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        if (lo === 0x7f) continue;
        const ch = dec.decode(Uint8Array.from([hi, lo]));
        if (ch.length === 1 && ch !== '\uFFFD' && !gbkTable.has(ch)) gbkTable.set(ch, [hi, lo]);
      }
    }
  }
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else {
      const pair = gbkTable.get(ch);
      if (!pair) throw new Error(`encodeGb18030: no two-byte code for ${ch}`);
      bytes.push(...pair);
    }
  }
  return Buffer.from(bytes);
}
