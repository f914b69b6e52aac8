/**
 * Rules for the children's roster (花名册) that caseworkers already keep in Excel: which
 * columns we take, what each cell may contain, and how a row becomes a child record.
 * Pure apart from the default village-code check, which asks the region hierarchy
 * (callers may inject `knownVillageCodes` instead).
 *
 * Deliberately not imported: parents' and grandparents' names, ID numbers and phones. The
 * product needs the child and the person who actually looks after them, nothing more.
 */
import { chinaDate, parseIdNumber } from './id-number.rules';
import { canonicalRegionCode, regionByCode } from '../lib/regions';

export const ROSTER_COLUMN_KEYS = [
  'name',
  'sex',
  'ethnicity',
  'birth_date',
  'id_number',
  'registered',
  'household_registration',
  'residence',
  'village_code',
  'schooling',
  'school',
  'boarding',
  'health',
  'guardianship_type',
  'guardian_name',
  'guardian_phone',
  'guardian_relation',
  'child_class',
  'difficulty_type',
  'risk_level',
  'notes',
] as const;
export type RosterColumnKey = (typeof ROSTER_COLUMN_KEYS)[number];

/**
 * Header names, already in normalized form (see `normalizeHeader`), that mean each column.
 * 就学情况 (a stage: 小学, 初中…) and 就读学校 (a school's name) are kept apart because the
 * official form has both and a school's name identifies a child.
 */
export const ROSTER_HEADER_SYNONYMS: Record<RosterColumnKey, readonly string[]> = {
  name: ['姓名', '儿童姓名', '学生姓名'],
  sex: ['性别'],
  ethnicity: ['民族'],
  birth_date: ['出生日期', '出生年月', '出生年月日'],
  id_number: ['公民身份证号码', '公民身份号码', '身份证号', '身份证号码', '儿童身份证号码', '身份证件号码'],
  registered: ['是否登记户口', '是否登记户籍'],
  household_registration: ['户籍所在地', '户籍地', '户口所在地'],
  residence: ['现居住地', '家庭住址', '住址', '现住址', '居住地址'],
  village_code: ['现居住地区划代码', '村(居)代码', '村居代码', '村(居)委会代码', '区划代码'],
  schooling: ['就学情况', '就学状况', '在学情况'],
  school: ['就读学校', '学校', '学校名称'],
  boarding: ['是否学校寄宿', '是否寄宿', '是否住校'],
  health: ['身体情况', '身体状况', '健康状况'],
  guardianship_type: ['监护类型', '监护情况类型'],
  guardian_name: ['委托监护人姓名', '监护人', '监护人姓名', '实际监护人', '实际监护人姓名'],
  guardian_phone: ['监护人电话', '联系电话', '监护人联系电话', '委托监护人电话', '委托监护人联系电话'],
  guardian_relation: ['与儿童关系', '关系', '与儿童的关系', '监护人与儿童关系'],
  child_class: ['儿童类别', '儿童类型', '类别'],
  difficulty_type: ['困境类型', '帮扶类型', '分类帮扶类型'],
  risk_level: ['风险等级', '风险级别'],
  notes: ['备注'],
};

/** Inside a 委托监护人 group the sub-headers name the guardian's fields, not the child's. */
export const GUARDIAN_GROUP_FIELDS: Readonly<Record<string, RosterColumnKey>> = {
  姓名: 'guardian_name',
  电话: 'guardian_phone',
  联系电话: 'guardian_phone',
  手机: 'guardian_phone',
  手机号码: 'guardian_phone',
  关系: 'guardian_relation',
  与儿童关系: 'guardian_relation',
  与儿童的关系: 'guardian_relation',
};
export const GUARDIAN_GROUP = /^(委托监护人|监护人|实际监护人)(情况|信息)?$/;
/** Groups about someone other than the child or the guardian: their columns are skipped. */
export const OTHER_PERSON_GROUP = /父|母|祖|爷|奶|外公|外婆|家庭成员|兄弟|姐妹/;

export const SCHOOLING_STAGES = {
  幼儿园: 'kindergarten',
  未入园: 'not_in_kindergarten',
  小学: 'primary',
  初中: 'junior_secondary',
  高中: 'senior_secondary',
  中职: 'vocational',
  辍学: 'dropped_out',
  不在学: 'not_in_school',
} as const;
export type SchoolingStage = (typeof SCHOOLING_STAGES)[keyof typeof SCHOOLING_STAGES];

export const HEALTH_STATES = { 健康: 'healthy', 残疾: 'disabled', 患病: 'ill' } as const;
export type HealthState = (typeof HEALTH_STATES)[keyof typeof HEALTH_STATES];

export const GUARDIANSHIP_TYPES = {
  无人监护: 'none',
  父或母无监护能力: 'parent_incapable',
  受委托监护人监护能力不足: 'delegate_insufficient',
  监护情况一般: 'fair',
  监护情况较好: 'good',
} as const;
export type GuardianshipType = (typeof GUARDIANSHIP_TYPES)[keyof typeof GUARDIANSHIP_TYPES];

/** The six classes of 6类儿童, numbered as civil-affairs bureaus number them. */
export const CHILD_CLASSES = [
  '孤儿',
  '事实无人抚养儿童',
  '低保家庭的重残、重病儿童',
  '其他低保家庭儿童',
  '其他困境儿童',
  '农村留守儿童',
] as const;
export type ChildClass = 1 | 2 | 3 | 4 | 5 | 6;

export const DIFFICULTY_TYPES = { 经济困难型: 'economic', 监护缺失型: 'guardianship', 特殊困难型: 'special' } as const;
export type DifficultyType = (typeof DIFFICULTY_TYPES)[keyof typeof DIFFICULTY_TYPES];

/**
 * Risk level in the four-level system: 1 is the HIGHEST risk, as 一级 is the most serious
 * grade in Chinese grading (一级响应, 一级风险 = 重大). Accepted spellings:
 *   1 = 一级 = 极高 = 红;  2 = 二级 = 高 = 橙;  3 = 三级 = 中 = 黄;  4 = 四级 = 低 = 蓝
 * ("风险" may follow any of them: 高风险, 一级风险).
 */
export type RiskLevel = 1 | 2 | 3 | 4;
const RISK_WORDS: Record<string, RiskLevel> = {
  '1': 1, 一级: 1, 极高: 1, 红: 1, 红色: 1,
  '2': 2, 二级: 2, 高: 2, 橙: 2, 橙色: 2,
  '3': 3, 三级: 3, 中: 3, 黄: 3, 黄色: 3,
  '4': 4, 四级: 4, 低: 4, 蓝: 4, 蓝色: 4,
};

const TRUE_WORDS = new Set(['√', '✓', '✔', '☑', '是', 'Y', 'YES', 'TRUE', '有']);
const FALSE_WORDS = new Set(['否', 'N', 'NO', 'FALSE', '×', '✗', '✘', '无']);

/** Separator the file reader puts between several ticked sub-columns of one field. */
export const TICK_JOINER = ';';

export interface RosterTemplateColumn {
  key: RosterColumnKey;
  header: string;
  example: string;
  /** What the cell may hold, shown on the template's notes sheet. */
  note: string;
  required: boolean;
}

/** The columns of the downloadable template, in order, with an example row and a note each. */
export const ROSTER_TEMPLATE_COLUMNS: readonly RosterTemplateColumn[] = [
  { key: 'name', header: '姓名', example: '王小明', required: true, note: '儿童姓名，必填。' },
  { key: 'id_number', header: '公民身份证号码', example: '520324201203051235', required: true, note: '18位身份证号码；请将单元格设为“文本”格式，否则后三位会变成0。未登记户口的儿童可留空，但须填写出生日期和性别。' },
  { key: 'sex', header: '性别', example: '男', required: false, note: '男 / 女；有身份证号码时可留空，填写则须与身份证号码一致。' },
  { key: 'ethnicity', header: '民族', example: '汉族', required: false, note: '如 汉族、苗族、仡佬族。' },
  { key: 'birth_date', header: '出生日期', example: '2012-03-05', required: false, note: '如 2012-03-05、2012.3.5、2012/3/5、2012年3月5日；有身份证号码时可留空，填写则须一致。' },
  { key: 'registered', header: '是否登记户口', example: '是', required: false, note: '是 / 否（或打 √）。' },
  { key: 'household_registration', header: '户籍所在地', example: '贵州省遵义市正安县瑞溪镇', required: false, note: '自由填写。' },
  { key: 'residence', header: '现居住地', example: '瑞溪镇尖峰村', required: false, note: '自由填写。' },
  { key: 'village_code', header: '现居住地区划代码', example: '520324101201', required: false, note: '村（居）委会12位统计用区划代码。' },
  { key: 'schooling', header: '就学情况', example: '小学', required: false, note: Object.keys(SCHOOLING_STAGES).join(' / ') },
  { key: 'school', header: '就读学校', example: '瑞溪镇中心小学', required: false, note: '学校名称，仅本机构可见，不会公开。' },
  { key: 'boarding', header: '是否学校寄宿', example: '否', required: false, note: '是 / 否（或打 √）。' },
  { key: 'health', header: '身体情况', example: '健康', required: false, note: '健康 / 残疾 / 患病；可在后面写明，如“残疾：肢体二级”。' },
  { key: 'guardianship_type', header: '监护类型', example: '监护情况一般', required: false, note: Object.keys(GUARDIANSHIP_TYPES).join(' / ') },
  { key: 'guardian_name', header: '委托监护人姓名', example: '王大山', required: false, note: '实际照料儿童的人。' },
  { key: 'guardian_phone', header: '监护人电话', example: '13812345678', required: false, note: '手机或座机号码，多个号码用分号隔开。' },
  { key: 'guardian_relation', header: '与儿童关系', example: '祖父', required: false, note: '如 祖父、祖母、外祖母、叔叔。' },
  { key: 'child_class', header: '儿童类别', example: '农村留守儿童', required: false, note: CHILD_CLASSES.map((c, i) => `${i + 1} ${c}`).join(' / ') + '（填数字或名称均可）' },
  { key: 'difficulty_type', header: '困境类型', example: '监护缺失型', required: false, note: Object.keys(DIFFICULTY_TYPES).join(' / ') },
  { key: 'risk_level', header: '风险等级', example: '三级', required: false, note: '一级（极高）/ 二级（高）/ 三级（中）/ 四级（低）；一级风险最高，也可填 1–4。' },
  { key: 'notes', header: '备注', example: '', required: false, note: '请勿填写与儿童无关的他人信息。' },
];

/**
 * Every per-row error code the import can report (the file reader's cell.* codes included).
 * Messages live under `roster.error.<code>` with {row} {field} {value} and the error's params.
 */
export const ROSTER_ERROR_CODES = [
  'cell.formula', 'cell.injection', 'cell.script', 'cell.error_value', 'cell.number_too_long',
  'name.required', 'name.invalid',
  'id_number.required', 'id_number.format', 'id_number.checksum', 'id_number.birth_date', 'id_number.future', 'id_number.duplicate',
  'birth_date.invalid', 'birth_date.future', 'birth_date.mismatch', 'birth_date.incomplete', 'birth_date.required', 'birth_date.adult',
  'sex.invalid', 'sex.mismatch', 'sex.required',
  'village_code.invalid', 'village_code.unknown',
  'guardian_name.invalid', 'guardian_phone.invalid',
  'text.too_long', 'choice.multiple',
  'registered.invalid', 'boarding.invalid', 'schooling.invalid', 'health.invalid', 'guardianship_type.invalid',
  'child_class.invalid', 'difficulty_type.invalid', 'risk_level.invalid',
] as const;

/** i18n key of an import error code (row or file). */
export const rosterMessageKey = (code: string): string => `roster.error.${code}`;

/** i18n key of a column's display name. */
export const rosterFieldKey = (field: RosterColumnKey): string => `roster.field.${field}`;

export interface RosterRow {
  /** Row number as the user sees it in Excel (or the line of a CSV file). */
  rowNumber: number;
  cells: Partial<Record<RosterColumnKey, string>>;
  /** Cells the file reader refused (formulas, injection); such a row is never imported. */
  cellErrors?: Array<{ field: RosterColumnKey; code: string; value: string }>;
}

export interface RosterError {
  rowNumber: number;
  field: RosterColumnKey;
  code: string;
  value: string;
  params?: Record<string, string | number>;
}

export interface RosterRecord {
  rowNumber: number;
  name: string;
  /** Null only for a child without 户口 (是否登记户口 = 否). */
  idNumber: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  ethnicity: string | null;
  registered: boolean | null;
  householdRegistration: string | null;
  residence: string | null;
  villageCode: string | null;
  schooling: SchoolingStage | null;
  school: string | null;
  boarding: boolean | null;
  health: HealthState | null;
  healthNote: string | null;
  guardianshipType: GuardianshipType | null;
  guardianName: string | null;
  guardianPhone: string | null;
  guardianRelation: string | null;
  childClass: ChildClass | null;
  difficultyType: DifficultyType | null;
  riskLevel: RiskLevel | null;
  notes: string | null;
}

export interface ValidateOptions {
  today: Date;
  /** Whether a 12-digit village code exists; defaults to the region hierarchy. */
  knownVillageCodes?: (code: string) => boolean;
}

export type DateResult =
  | { ok: true; value: string; precision: 'day' | 'month' }
  | { ok: false; code: 'date.invalid' | 'date.future' };

// Excel counts days from 1899-12-30 (for every serial after its fictitious 1900-02-29).
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;
// Serials 10000..73415 are 1927-05-18..2100-12-31. Below that a bare number is far more
// likely a year typed alone ("2012" in 出生年月) than a date, and is refused as ambiguous.
const MIN_SERIAL = 10_000;
const MAX_SERIAL = 73_415;

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Parses the dates caseworkers type: 2012-03-05, 2012.3.5, 2012/3/5, 2012年3月5日, 20120305,
 * a trailing time, an Excel serial number (40973; 10000–73415 only), or a year and month (2012.3, 2012年3月,
 * precision 'month', day set to 01). Impossible dates fail; so do dates after `today` if given.
 */
export function parseChineseDate(raw: string, today?: Date): DateResult {
  const text = String(raw ?? '').normalize('NFKC').replace(/\s+/g, ' ').trim();
  let year: number;
  let month: number;
  let day = 1;
  let precision: 'day' | 'month' = 'day';
  let m: RegExpMatchArray | null;
  if ((m = text.match(/^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/))) {
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = text.match(/^(\d{4})(\d{2})(\d{2})$/))) {
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = text.match(/^(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?$/))) {
    [year, month] = [Number(m[1]), Number(m[2])];
    precision = 'month';
  } else if (/^\d{5}(\.\d+)?$/.test(text) && Number(text) >= MIN_SERIAL && Number(text) < MAX_SERIAL + 1) {
    const d = new Date(EXCEL_EPOCH_MS + Math.floor(Number(text)) * DAY_MS);
    [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  } else {
    return { ok: false, code: 'date.invalid' };
  }
  if (year < 1900 || !isRealDate(year, month, day)) return { ok: false, code: 'date.invalid' };
  const value = `${year}-${pad2(month)}-${pad2(day)}`;
  if (today && value > chinaDate(today)) return { ok: false, code: 'date.future' };
  return { ok: true, value, precision };
}

/** √/✓/是/Y mean true, 否/×/N mean false, blank means unknown (null); anything else undefined. */
export function parseYesNo(raw: string): boolean | null | undefined {
  const text = raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  if (text === '') return null;
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return undefined;
}

/** Removes spaces, punctuation and brackets so "其他 困境儿童" and "其他困境儿童" compare equal. */
function choiceKey(raw: string): string {
  return raw.normalize('NFKC').replace(/[\s,.、;:()（）\-—_/]/g, '');
}

const choiceIndexes = new WeakMap<object, Map<string, unknown>>();

function lookupChoice<T>(table: Record<string, T>, raw: string): T | undefined {
  let index = choiceIndexes.get(table);
  if (!index) {
    index = new Map(Object.entries(table).map(([label, value]) => [choiceKey(label), value]));
    choiceIndexes.set(table, index);
  }
  return index.get(choiceKey(raw)) as T | undefined;
}

const CLASS_NUMERALS: Record<string, ChildClass> = { '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6 };
const CLASS_ALIASES: Record<string, ChildClass> = { 事实无人抚养: 2, 低保重残重病儿童: 3, 留守儿童: 6 };

/** Child class from 1–6, a Chinese digit, or the label (short forms 留守儿童, 事实无人抚养 accepted). */
export function parseChildClass(raw: string): ChildClass | undefined {
  const key = choiceKey(raw);
  const numeral = key.replace(/^第/, '').replace(/类$/, '');
  const digit = CLASS_NUMERALS[numeral];
  if (digit) return digit;
  const idx = CHILD_CLASSES.findIndex((c) => choiceKey(c) === key);
  if (idx >= 0) return (idx + 1) as ChildClass;
  return CLASS_ALIASES[key];
}

/** Difficulty group, with or without the trailing 型. */
export function parseDifficultyType(raw: string): DifficultyType | undefined {
  const text = choiceKey(raw).replace(/型$/, '');
  return lookupChoice(DIFFICULTY_TYPES, text + '型');
}

/** Risk level 1 (highest) … 4 (lowest); see `RiskLevel` for the accepted spellings. */
export function parseRiskLevel(raw: string): RiskLevel | undefined {
  const text = choiceKey(raw).replace(/风险$/, '').replace(/^(\d)级$/, '$1');
  return RISK_WORDS[text];
}

/** A school stage; "小学四年级" is read as 小学. */
export function parseSchooling(raw: string): SchoolingStage | undefined {
  const text = choiceKey(raw);
  const exact = lookupChoice(SCHOOLING_STAGES, text);
  if (exact) return exact;
  const prefix = (['小学', '初中', '高中', '中职'] as const).find((s) => text.startsWith(s));
  return prefix && SCHOOLING_STAGES[prefix];
}

/** Health state plus an optional note: "残疾：肢体二级" → disabled, note "肢体二级". */
export function parseHealth(raw: string): { state: HealthState; note: string | null } | undefined {
  let state: HealthState | undefined;
  const notes: string[] = [];
  for (const part of raw.normalize('NFKC').split(TICK_JOINER).map((p) => p.trim()).filter(Boolean)) {
    const [head, ...rest] = part.split(':');
    const detail = rest.join(':').trim();
    const s = lookupChoice(HEALTH_STATES, head);
    if (s) {
      if (state && state !== s) return undefined;
      state = s;
      if (detail) notes.push(detail);
    } else {
      notes.push(detail ? `${head.trim()}:${detail}` : head.trim());
    }
  }
  return state ? { state, note: notes.length ? notes.join('; ') : null } : undefined;
}

/** Mobile (11 digits from 1) or landline (0 + area code + 7–8 digits), +86 and separators dropped. */
export function normalizePhone(raw: string): string | undefined {
  const digits = raw.normalize('NFKC').replace(/[\s\-()]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  if (/^1[3-9]\d{9}$/.test(digits) || /^0\d{9,11}$/.test(digits)) return digits;
  return undefined;
}

/** A person's name: inner spaces (used to pad two-character names) removed; 1–30 characters, no digits. */
export function normalizePersonName(raw: string): string | undefined {
  const name = raw.normalize('NFKC').replace(/(?<=[^\x00-\x7F])\s+|\s+(?=[^\x00-\x7F])/g, '').replace(/\s+/g, ' ').trim();
  if (!name || name.length > 30 || /\d/.test(name) || !/[\p{L}]/u.test(name)) return undefined;
  return name;
}

const SHORT_ETHNIC_NAMES = new Set(
  ('汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 ' +
    '柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 ' +
    '裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺').split(' '),
);

/** "汉" → "汉族" for the 56 recognized groups; other values (e.g. 穿青人) are kept as written. */
export function normalizeEthnicity(raw: string): string {
  const text = raw.normalize('NFKC').replace(/\s+/g, '');
  return SHORT_ETHNIC_NAMES.has(text) ? text + '族' : text;
}

function parseSex(raw: string): 'male' | 'female' | undefined {
  const text = raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  if (['男', '男性', 'M', 'MALE'].includes(text)) return 'male';
  if (['女', '女性', 'F', 'FEMALE'].includes(text)) return 'female';
  return undefined;
}

/** The latest birth date of someone already 18 on `today` (a 29 February birthday counts from 1 March). */
function adultCutoff(today: string): string {
  return `${Number(today.slice(0, 4)) - 18}${today.slice(4)}`;
}

const MAX_TEXT = 200;

/**
 * Validates roster rows into child records. A row with any error yields no record; every
 * error names the row (as numbered in Excel), the column and the offending value. The same
 * ID number twice is reported on the later row, with the earlier row's number.
 */
export function validateRosterRows(
  rows: readonly RosterRow[],
  options: ValidateOptions,
): { records: RosterRecord[]; errors: RosterError[] } {
  const adultBefore = adultCutoff(chinaDate(options.today));
  const checkVillage = options.knownVillageCodes ?? ((code: string) => regionByCode(code)?.level === 'village');
  // A roster names a few dozen villages over and over; ask about each once.
  const villageAnswers = new Map<string, boolean>();
  const villageExists = (code: string): boolean => {
    let known = villageAnswers.get(code);
    if (known === undefined) villageAnswers.set(code, (known = checkVillage(code)));
    return known;
  };
  const records: RosterRecord[] = [];
  const errors: RosterError[] = [];
  const firstRowOfId = new Map<string, number>();

  for (const row of rows) {
    const rowErrors: RosterError[] = [];
    const fail = (field: RosterColumnKey, code: string, value: string, params?: RosterError['params']): void => {
      rowErrors.push(params ? { rowNumber: row.rowNumber, field, code, value, params } : { rowNumber: row.rowNumber, field, code, value });
    };
    const refused = new Set<RosterColumnKey>();
    for (const e of row.cellErrors ?? []) {
      fail(e.field, e.code, e.value);
      refused.add(e.field);
    }
    const cell = (key: RosterColumnKey): string => (refused.has(key) ? '' : (row.cells[key] ?? '').trim());
    const optionalText = (key: RosterColumnKey): string | null => {
      const v = cell(key);
      if (!v) return null;
      if (v.length > MAX_TEXT) {
        fail(key, 'text.too_long', v.slice(0, 40), { max: MAX_TEXT });
        return null;
      }
      return v;
    };
    const choice = <T>(key: RosterColumnKey, parse: (raw: string) => T | undefined): T | null => {
      const v = cell(key);
      if (!v) return null;
      // Only health combines parts (a state and its detail); elsewhere two parts are two ticks.
      const several = v.includes(TICK_JOINER);
      const parsed = several && key !== 'health' ? undefined : parse(v);
      if (parsed === undefined) fail(key, several ? 'choice.multiple' : `${key}.invalid`, v);
      return parsed ?? null;
    };

    // Name
    const rawName = cell('name');
    const name = rawName ? normalizePersonName(rawName) : undefined;
    if (!rawName && !refused.has('name')) fail('name', 'name.required', '');
    else if (rawName && !name) fail('name', 'name.invalid', rawName);

    // Registration decides whether an ID number is required.
    const registered = choice('registered', (v) => parseYesNo(v) ?? undefined);

    // ID number, and the birth date and sex it implies
    const rawId = cell('id_number').replace(/^'/, '');
    let idNumber: string | null = null;
    let idBirth: string | undefined;
    let idSex: 'male' | 'female' | undefined;
    if (rawId) {
      const parsed = parseIdNumber(rawId, options.today);
      if (parsed.ok) {
        idNumber = parsed.value;
        idBirth = parsed.birthDate;
        idSex = parsed.sex;
        const first = firstRowOfId.get(idNumber);
        if (first !== undefined) fail('id_number', 'id_number.duplicate', idNumber, { firstRow: first });
        else firstRowOfId.set(idNumber, row.rowNumber);
      } else {
        fail('id_number', parsed.code, rawId);
      }
    } else if (registered !== false && !refused.has('id_number')) {
      fail('id_number', 'id_number.required', '');
    }

    let birthDate = idBirth;
    const rawBirth = cell('birth_date');
    if (rawBirth) {
      const parsed = parseChineseDate(rawBirth, options.today);
      if (!parsed.ok) fail('birth_date', parsed.code === 'date.future' ? 'birth_date.future' : 'birth_date.invalid', rawBirth);
      else if (idBirth) {
        const same = parsed.precision === 'day' ? parsed.value === idBirth : parsed.value.slice(0, 7) === idBirth.slice(0, 7);
        if (!same) fail('birth_date', 'birth_date.mismatch', rawBirth, { expected: idBirth });
      } else if (parsed.precision === 'month') {
        if (!rawId) fail('birth_date', 'birth_date.incomplete', rawBirth);
      } else birthDate = parsed.value;
    } else if (!rawId && registered === false) {
      fail('birth_date', 'birth_date.required', '');
    }
    if (birthDate && birthDate <= adultBefore) fail('birth_date', 'birth_date.adult', birthDate);

    let sex = idSex;
    const rawSex = cell('sex');
    if (rawSex) {
      const parsed = parseSex(rawSex);
      if (!parsed) fail('sex', 'sex.invalid', rawSex);
      else if (idSex && parsed !== idSex) fail('sex', 'sex.mismatch', rawSex);
      else sex = parsed;
    } else if (!rawId && registered === false) {
      fail('sex', 'sex.required', '');
    }

    // Village code
    let villageCode: string | null = null;
    const rawVillage = cell('village_code').normalize('NFKC').replace(/\s+/g, '');
    if (rawVillage) {
      const code = /^\d{12}$/.test(rawVillage) ? canonicalRegionCode(rawVillage) : undefined;
      if (!code || code.length !== 12) fail('village_code', 'village_code.invalid', rawVillage);
      else if (!villageExists(code)) fail('village_code', 'village_code.unknown', rawVillage);
      else villageCode = code;
    }

    // Guardian
    const rawGuardian = cell('guardian_name');
    const guardianName = rawGuardian ? normalizePersonName(rawGuardian) ?? null : null;
    if (rawGuardian && !guardianName) fail('guardian_name', 'guardian_name.invalid', rawGuardian);
    let guardianPhone: string | null = null;
    const rawPhone = cell('guardian_phone');
    if (rawPhone) {
      const parts = rawPhone.split(/[;,，、/]/).map((p) => p.trim()).filter(Boolean);
      const phones = parts.map(normalizePhone);
      if (phones.some((p) => !p)) fail('guardian_phone', 'guardian_phone.invalid', rawPhone);
      else guardianPhone = phones.join(TICK_JOINER);
    }

    const healthParsed = choice('health', parseHealth);
    const ethnicity = cell('ethnicity') ? normalizeEthnicity(cell('ethnicity')) : null;
    const record: RosterRecord = {
      rowNumber: row.rowNumber,
      name: name ?? '',
      idNumber,
      birthDate: birthDate ?? '',
      sex: sex ?? 'male',
      ethnicity,
      registered,
      householdRegistration: optionalText('household_registration'),
      residence: optionalText('residence'),
      villageCode,
      schooling: choice('schooling', parseSchooling),
      school: optionalText('school'),
      boarding: choice('boarding', (v) => parseYesNo(v) ?? undefined),
      health: healthParsed?.state ?? null,
      healthNote: healthParsed?.note ?? null,
      guardianshipType: choice('guardianship_type', (v) => lookupChoice(GUARDIANSHIP_TYPES, v)),
      guardianName,
      guardianPhone,
      guardianRelation: optionalText('guardian_relation'),
      childClass: choice('child_class', parseChildClass),
      difficultyType: choice('difficulty_type', parseDifficultyType),
      riskLevel: choice('risk_level', parseRiskLevel),
      notes: optionalText('notes'),
    };

    if (rowErrors.length === 0 && (!birthDate || !sex)) fail('birth_date', 'birth_date.required', '');
    if (rowErrors.length > 0) errors.push(...rowErrors);
    else records.push(record);
  }
  return { records, errors };
}
