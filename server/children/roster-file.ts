/**
 * Reads an uploaded roster (花名册) as caseworkers keep it — .xlsx or .csv, title rows above a
 * one- to three-row header with merged cells, ticks (√) in sub-columns — into rows of raw cell
 * text keyed by column. What the text means is decided by roster.rules.ts.
 *
 * Never evaluates anything: a formula cell is refused (its cached result is not trusted
 * either), and text that a spreadsheet would run as a formula (=, +, -, @) or that carries
 * <script is refused, so the value can never come back out in an export and execute.
 */
import ExcelJS from 'exceljs';
import { makeIdNumber } from './id-number.rules';
import {
  CHILD_CLASSES,
  DIFFICULTY_TYPES,
  GUARDIANSHIP_TYPES,
  GUARDIAN_GROUP,
  GUARDIAN_GROUP_FIELDS,
  HEALTH_STATES,
  OTHER_PERSON_GROUP,
  ROSTER_HEADER_SYNONYMS,
  ROSTER_TEMPLATE_COLUMNS,
  SCHOOLING_STAGES,
  TICK_JOINER,
  parseYesNo,
  type RosterColumnKey,
  type RosterRow,
} from './roster.rules';

export const ROSTER_LIMITS = {
  maxBytes: 10 * 1024 * 1024,
  maxRows: 20_000,
  // An xlsx is a zip: 10 MB can inflate to gigabytes. Real 20,000-row rosters stay far below.
  maxUnzippedBytes: 200 * 1024 * 1024,
  // How far down the header may sit below title and "填报单位" rows.
  headerSearchRows: 30,
  // Sheets padded with blank pre-numbered rows are fine; past this many rows of any kind we
  // refuse before converting a single cell.
  maxRawRows: 40_000,
} as const;

export const ROSTER_FILE_ERROR_CODES = [
  'file.empty',
  'file.too_large',
  'file.too_many_rows',
  'file.unsupported_type',
  'file.xls_unsupported',
  'file.type_mismatch',
  'file.corrupt',
  'file.encoding',
  'file.no_header',
  'file.missing_column',
] as const;
export type RosterFileErrorCode = (typeof ROSTER_FILE_ERROR_CODES)[number];

export interface RosterColumn {
  key: RosterColumnKey;
  /** 1-based column index (A = 1). */
  column: number;
  /** The header (normalized), group and sub-header joined by "/". */
  header: string;
  /** For a ticked sub-column (就学情况 / 小学), the choice a tick stands for. */
  option?: string;
}

export interface RosterSheet {
  format: 'xlsx' | 'csv';
  sheetName: string | null;
  /** Row number of the first header row, as Excel shows it. */
  headerRow: number;
  headerRowCount: number;
  columns: RosterColumn[];
  /** Headers that were read but not imported (序号, 父亲/姓名, 年龄…), for the preview screen. */
  ignoredHeaders: string[];
  rows: RosterRow[];
}

export type RosterFileResult =
  | { ok: true; value: RosterSheet }
  | { ok: false; code: RosterFileErrorCode; params?: Record<string, string | number> };

/** ID number shown in the template's example row. */
export const TEMPLATE_EXAMPLE_ID = makeIdNumber('520324', '20120305', '123');
/** The template's example row carries this note; a row whose note starts with it is skipped. */
export const TEMPLATE_EXAMPLE_NOTE = '示例行，导入时自动忽略';

interface Cell {
  text: string;
  error?: string;
}
interface GridRow {
  rowNumber: number;
  cells: Cell[];
}

const EMPTY: Cell = { text: '' };
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);
// Purely numeric content (a phone "+86 138…", "-") cannot call a function, so it is let through.
const NUMERIC_ONLY = /^[+-]?[\d\s().-]*$/;
const FOOTER = /^(填表人|制表人|填报人|审核人|审核|负责人|统计人|联系人|填表日期|填报日期|合计|总计|说明|注[:：])/;
// A lone dash or slash is how many rosters say "nothing here".
const PLACEHOLDER = /^(-+|—+|\/|\\)$/;

/**
 * Cell text with zero-width characters dropped and spaces (ideographic ones too) collapsed.
 * Full-width forms are kept: "，" belongs in Chinese prose; the rules fold them (NFKC) where
 * they parse digits, dates and codes.
 */
export function normalizeCellText(raw: string): string {
  return raw
    .replace(/[\u200B-\u200D\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Header text for matching: full-width folded, all spaces and required-markers (*) removed. */
export function normalizeHeader(raw: string): string {
  return normalizeCellText(raw).normalize('NFKC').replace(/\s+/g, '').replace(/^[*※]+|[*※:]+$/g, '');
}

function checkedText(text: string): Cell {
  const t = normalizeCellText(text);
  // Judged folded: a full-width ＝ turns into = the moment anyone normalizes the text.
  const folded = t.normalize('NFKC').trim();
  if (PLACEHOLDER.test(folded)) return EMPTY;
  if (/<\s*script/i.test(folded)) return { text: t, error: 'cell.script' };
  if (/^[=+\-@]/.test(folded) && !NUMERIC_ONLY.test(folded)) return { text: t, error: 'cell.injection' };
  return { text: t };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Turns an exceljs cell value into text, refusing formulas and error values. */
function xlsxCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'string') return checkedText(value);
  if (typeof value === 'number') {
    // Excel keeps 15 significant digits: an 18-digit ID typed as a number has lost its tail.
    if (Number.isInteger(value) && Math.abs(value) >= 1e15) return { text: String(value), error: 'cell.number_too_long' };
    return { text: String(value) };
  }
  if (typeof value === 'boolean') return { text: value ? '是' : '否' };
  if (value instanceof Date) {
    // exceljs maps the serial to UTC midnight; the calendar date is in the UTC fields.
    if (Number.isNaN(value.getTime())) return { text: '', error: 'cell.error_value' };
    return { text: `${value.getUTCFullYear()}-${pad2(value.getUTCMonth() + 1)}-${pad2(value.getUTCDate())}` };
  }
  if (typeof value === 'object') {
    if ('formula' in value || 'sharedFormula' in value) {
      const f = (value as { formula?: string; sharedFormula?: string }).formula ?? (value as { sharedFormula?: string }).sharedFormula ?? '';
      return { text: '=' + f, error: 'cell.formula' };
    }
    if ('error' in value) return { text: String((value as ExcelJS.CellErrorValue).error), error: 'cell.error_value' };
    if ('richText' in value) return checkedText((value as ExcelJS.CellRichTextValue).richText.map((r) => r.text).join(''));
    if ('text' in value) return checkedText(String((value as ExcelJS.CellHyperlinkValue).text));
  }
  return checkedText(String(value));
}

/**
 * Sum of the uncompressed sizes in a zip's central directory, or undefined when the
 * directory is missing. ZIP64 entries count as infinite: no roster needs them.
 */
export function zipUncompressedSize(data: Buffer): number | undefined {
  const EOCD = 0x06054b50;
  const CEN = 0x02014b50;
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const entries = data.readUInt16LE(eocd + 10);
  let offset = data.readUInt32LE(eocd + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (offset + 46 > data.length || data.readUInt32LE(offset) !== CEN) return undefined;
    const size = data.readUInt32LE(offset + 24);
    if (size === 0xffffffff) return Infinity;
    total += size;
    offset += 46 + data.readUInt16LE(offset + 28) + data.readUInt16LE(offset + 30) + data.readUInt16LE(offset + 32);
  }
  return total;
}

/** Decodes CSV bytes: BOM-marked UTF-8/UTF-16, else strict UTF-8, else GB18030 (Excel's "CSV" on Chinese Windows). */
export function decodeCsvBytes(data: Buffer): string | undefined {
  const tryDecode = (encoding: string, bytes: Uint8Array): string | undefined => {
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  };
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return tryDecode('utf-8', data.subarray(3));
  if (data[0] === 0xff && data[1] === 0xfe) return tryDecode('utf-16le', data.subarray(2));
  if (data[0] === 0xfe && data[1] === 0xff) return tryDecode('utf-16be', data.subarray(2));
  return tryDecode('utf-8', data) ?? tryDecode('gb18030', data);
}

/** RFC 4180 CSV: quoted fields may hold separators, "" and line breaks. Separator guessed from the first line (, tab ;). */
export function parseCsv(text: string): string[][] {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const count = (ch: string): number => firstLine.split(ch).length;
  const sep = count('\t') > count(',') ? '\t' : count(';') > count(',') ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === sep) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// ---- header recognition -------------------------------------------------------------------

const SYNONYM_TO_KEY = new Map<string, RosterColumnKey>();
for (const [key, names] of Object.entries(ROSTER_HEADER_SYNONYMS) as Array<[RosterColumnKey, readonly string[]]>) {
  for (const n of names) SYNONYM_TO_KEY.set(normalizeHeader(n), key);
}

function keyOfHeader(label: string): RosterColumnKey | undefined {
  // "出生日期(年月日)", "身份证号码(18位)": the bracketed note is not part of the name.
  return SYNONYM_TO_KEY.get(label) ?? SYNONYM_TO_KEY.get(label.replace(/\([^)]*\)$/, ''));
}

function isHeaderTerm(label: string): boolean {
  return label === '序号' || keyOfHeader(label) !== undefined || GUARDIAN_GROUP.test(label) || /^(父亲|母亲|祖父|祖母|外祖父|外祖母)/.test(label);
}

interface Recognized {
  key: RosterColumnKey;
  option?: string;
}

/** What a column holds, from its header labels top to bottom (group first, leaf last). */
function recognize(labels: string[]): Recognized | undefined {
  const leaf = labels[labels.length - 1];
  const groups = labels.slice(0, -1).reverse(); // innermost group first
  for (const g of groups) {
    if (GUARDIAN_GROUP.test(g)) return GUARDIAN_GROUP_FIELDS[leaf] ? { key: GUARDIAN_GROUP_FIELDS[leaf] } : undefined;
    if (OTHER_PERSON_GROUP.test(g)) return undefined;
    const key = keyOfHeader(g);
    if (key) return { key, option: leaf };
  }
  const key = keyOfHeader(leaf);
  return key && { key };
}

function headerScore(row: GridRow): number {
  const seen = new Set<string>();
  for (const c of row.cells) {
    const h = normalizeHeader(c.text);
    if (h && isHeaderTerm(h)) seen.add(h);
  }
  return seen.size;
}

const looksLikeData = (row: GridRow): boolean =>
  row.cells.some((c) => /\d{4,}/.test(c.text) || parseYesNo(c.text) === true);

/** A header row's empty cells under which the next row has text belong to the group on their left. */
function fillGroups(top: string[], below: string[]): string[] {
  const out = [...top];
  for (let c = 1; c < out.length; c++) if (!out[c] && below[c]) out[c] = out[c - 1];
  return out;
}

/**
 * A row is a sub-header when it labels every column under some group that spans several
 * columns (父亲 over 姓名|出生日期|务工地点), the group or a label is one we know, and
 * nothing in it looks like data (long digit runs, ticks).
 */
function isSubHeader(top: string[], row: GridRow): boolean {
  if (looksLikeData(row)) return false;
  const below = row.cells.map((c) => normalizeHeader(c.text));
  const filled = fillGroups(top, below);
  for (let start = 0; start < filled.length; ) {
    let end = start;
    while (end + 1 < filled.length && filled[end + 1] === filled[start]) end++;
    const group = filled[start];
    const labels = below.slice(start, end + 1);
    if (group && end > start && labels.every((b) => b && b !== group)) {
      if (isHeaderTerm(group) || labels.some((b) => isHeaderTerm(b) || GUARDIAN_GROUP_FIELDS[b] !== undefined)) return true;
    }
    start = end + 1;
  }
  return false;
}

interface HeaderLayout {
  headerIndex: number;
  headerRowCount: number;
  columns: RosterColumn[];
  ignoredHeaders: string[];
  /** For each mapped column index (0-based), what it holds. */
  byIndex: Map<number, Recognized>;
}

function findHeader(grid: GridRow[]): HeaderLayout | undefined {
  let best = -1;
  let bestScore = 2; // at least three known headers, so a title line never wins
  for (let i = 0; i < Math.min(grid.length, ROSTER_LIMITS.headerSearchRows); i++) {
    const s = headerScore(grid[i]);
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  if (best < 0) return undefined;

  const headerRows: string[][] = [grid[best].cells.map((c) => normalizeHeader(c.text))];
  while (headerRows.length < 3 && grid[best + headerRows.length]) {
    const next = grid[best + headerRows.length];
    if (next.rowNumber !== grid[best + headerRows.length - 1].rowNumber + 1) break;
    const above = headerRows[headerRows.length - 1];
    if (!isSubHeader(above, next)) break;
    const below = next.cells.map((c) => normalizeHeader(c.text));
    headerRows[headerRows.length - 1] = fillGroups(above, below);
    headerRows.push(below);
  }

  const width = Math.max(...headerRows.map((r) => r.length));
  const columns: RosterColumn[] = [];
  const ignoredHeaders: string[] = [];
  const byIndex = new Map<number, Recognized>();
  const directKeys = new Set<RosterColumnKey>();
  for (let c = 0; c < width; c++) {
    const labels: string[] = [];
    for (const r of headerRows) {
      const l = r[c] ?? '';
      if (l && l !== labels[labels.length - 1]) labels.push(l);
    }
    if (labels.length === 0) continue;
    const header = labels.join('/');
    const found = recognize(labels);
    if (!found || (!found.option && directKeys.has(found.key))) {
      ignoredHeaders.push(header);
      continue;
    }
    if (!found.option) directKeys.add(found.key);
    byIndex.set(c, found);
    columns.push({ key: found.key, column: c + 1, header, ...(found.option ? { option: found.option } : {}) });
  }
  return { headerIndex: best, headerRowCount: headerRows.length, columns, ignoredHeaders, byIndex };
}

// ---- rows -----------------------------------------------------------------------------------

function toRosterRow(row: GridRow, layout: HeaderLayout): RosterRow | undefined {
  const direct: Partial<Record<RosterColumnKey, string>> = {};
  const ticked: Partial<Record<RosterColumnKey, string[]>> = {};
  const cellErrors: NonNullable<RosterRow['cellErrors']> = [];
  for (const [index, { key, option }] of layout.byIndex) {
    const cell = row.cells[index] ?? EMPTY;
    if (cell.error) {
      cellErrors.push({ field: key, code: cell.error, value: cell.text.slice(0, 100) });
      continue;
    }
    if (!cell.text) continue;
    if (option === undefined) direct[key] = cell.text;
    else {
      const yes = parseYesNo(cell.text);
      if (yes === true) (ticked[key] ??= []).push(option);
      else if (yes === undefined) (ticked[key] ??= []).push(`${option}:${cell.text}`);
    }
  }
  const cells = { ...direct };
  for (const [key, parts] of Object.entries(ticked) as Array<[RosterColumnKey, string[]]>) {
    cells[key] = [direct[key], ...parts].filter(Boolean).join(TICK_JOINER);
  }
  if (Object.keys(cells).length === 0 && cellErrors.length === 0) return undefined; // blank or pre-numbered row
  const firstText = row.cells.find((c) => c.text)?.text ?? '';
  if (FOOTER.test(firstText.replace(/\s+/g, ''))) return undefined;
  if (cells.name && keyOfHeader(normalizeHeader(cells.name)) === 'name') return undefined; // header repeated on each printed page
  if (cells.notes?.normalize('NFKC').startsWith(TEMPLATE_EXAMPLE_NOTE.normalize('NFKC'))) return undefined;
  return cellErrors.length ? { rowNumber: row.rowNumber, cells, cellErrors } : { rowNumber: row.rowNumber, cells };
}

function sheetFromGrid(grid: GridRow[], format: 'xlsx' | 'csv', sheetName: string | null): RosterFileResult {
  const layout = findHeader(grid);
  if (!layout) return { ok: false, code: 'file.no_header' };
  const keys = new Set(layout.columns.map((c) => c.key));
  if (!keys.has('name')) return { ok: false, code: 'file.missing_column', params: { column: '姓名' } };
  if (!keys.has('id_number') && !keys.has('birth_date')) return { ok: false, code: 'file.missing_column', params: { column: '公民身份证号码' } };

  const rows: RosterRow[] = [];
  for (let i = layout.headerIndex + layout.headerRowCount; i < grid.length; i++) {
    const r = toRosterRow(grid[i], layout);
    if (!r) continue;
    if (rows.length === ROSTER_LIMITS.maxRows) return { ok: false, code: 'file.too_many_rows', params: { max: ROSTER_LIMITS.maxRows } };
    rows.push(r);
  }
  return {
    ok: true,
    value: {
      format,
      sheetName,
      headerRow: grid[layout.headerIndex].rowNumber,
      headerRowCount: layout.headerRowCount,
      columns: layout.columns,
      ignoredHeaders: layout.ignoredHeaders,
      rows,
    },
  };
}

function xlsxRowCells(row: ExcelJS.Row): Cell[] {
  // row.values is 1-based and sparse (holes, not undefined); a merged cell reads as its master's value.
  const values = row.values as ExcelJS.CellValue[];
  const cells: Cell[] = [];
  for (let c = 1; c < values.length; c++) cells.push(xlsxCell(values[c]));
  return cells;
}

function xlsxGrid(ws: ExcelJS.Worksheet): GridRow[] {
  const grid: GridRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => grid.push({ rowNumber, cells: xlsxRowCells(row) }));
  return grid;
}

async function readXlsx(data: Buffer): Promise<RosterFileResult> {
  const unzipped = zipUncompressedSize(data);
  if (unzipped === undefined) return { ok: false, code: 'file.corrupt' };
  if (unzipped > ROSTER_LIMITS.maxUnzippedBytes) return { ok: false, code: 'file.too_large', params: { maxMb: ROSTER_LIMITS.maxBytes / 1024 / 1024 } };
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    return { ok: false, code: 'file.corrupt' };
  }
  // The roster is the visible sheet whose header is best recognized (a notes sheet may come first).
  let chosen: { ws: ExcelJS.Worksheet; score: number } | undefined;
  for (const ws of wb.worksheets) {
    if (ws.state !== 'visible') continue;
    if (ws.actualRowCount > ROSTER_LIMITS.maxRawRows) return { ok: false, code: 'file.too_many_rows', params: { max: ROSTER_LIMITS.maxRows } };
    const head: GridRow[] = [];
    for (let rowNumber = 1; rowNumber <= Math.min(ws.rowCount, ROSTER_LIMITS.headerSearchRows); rowNumber++) {
      const row = ws.findRow(rowNumber);
      if (row) head.push({ rowNumber, cells: xlsxRowCells(row) });
    }
    const score = Math.max(0, ...head.map(headerScore));
    if (!chosen || score > chosen.score) chosen = { ws, score };
  }
  if (!chosen) return { ok: false, code: 'file.no_header' };
  return sheetFromGrid(xlsxGrid(chosen.ws), 'xlsx', chosen.ws.name);
}

function readCsv(data: Buffer): RosterFileResult {
  const text = decodeCsvBytes(data);
  if (text === undefined) return { ok: false, code: 'file.encoding' };
  if (text.includes('\u0000')) return { ok: false, code: 'file.unsupported_type' };
  const records = parseCsv(text);
  if (records.length > ROSTER_LIMITS.maxRawRows) return { ok: false, code: 'file.too_many_rows', params: { max: ROSTER_LIMITS.maxRows } };
  // Record n is the row Excel shows as n when it opens the file.
  const grid = records.map((fields, i) => ({ rowNumber: i + 1, cells: fields.map(checkedText) })).filter((r) => r.cells.some((c) => c.text || c.error));
  return sheetFromGrid(grid, 'csv', null);
}

/** Reads an uploaded roster: .xlsx (zip magic checked) or .csv; at most 10 MB and 20,000 data rows. */
export async function readRosterFile(data: Buffer, filename: string): Promise<RosterFileResult> {
  if (data.length === 0) return { ok: false, code: 'file.empty' };
  if (data.length > ROSTER_LIMITS.maxBytes) return { ok: false, code: 'file.too_large', params: { maxMb: ROSTER_LIMITS.maxBytes / 1024 / 1024 } };
  const ext = (filename.match(/\.([^.]+)$/)?.[1] ?? '').toLowerCase();
  const head = data.subarray(0, 4);
  if (head.equals(OLE_MAGIC)) return { ok: false, code: 'file.xls_unsupported' }; // .xls, or an encrypted .xlsx
  if (head.equals(ZIP_MAGIC)) return ext === 'xlsx' ? readXlsx(data) : { ok: false, code: 'file.type_mismatch' };
  if (ext === 'xlsx') return { ok: false, code: 'file.type_mismatch' };
  if (ext === 'csv') return readCsv(data);
  return { ok: false, code: 'file.unsupported_type' };
}

/** The downloadable .xlsx template: title row, header, one example row, and a notes sheet. */
export async function buildRosterTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '关爱桥 CareBridge';
  const ws = wb.addWorksheet('花名册', { views: [{ state: 'frozen', ySplit: 2 }] });
  const cols = ROSTER_TEMPLATE_COLUMNS;
  const width = cols.length;

  ws.addRow(['XX县XX镇（街道）困境儿童花名册']);
  ws.mergeCells(1, 1, 1, width);
  ws.getRow(1).font = { bold: true, size: 14 };
  ws.getRow(1).alignment = { horizontal: 'center' };

  const header = ws.addRow(cols.map((c) => (c.required ? `${c.header}*` : c.header)));
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
    cell.border = { bottom: { style: 'thin' } };
  });

  const example = ws.addRow(cols.map((c) => (c.key === 'id_number' ? TEMPLATE_EXAMPLE_ID : c.key === 'notes' ? `${TEMPLATE_EXAMPLE_NOTE}，可删除` : c.example)));
  example.font = { italic: true, color: { argb: 'FF808080' } };

  cols.forEach((c, i) => {
    const column = ws.getColumn(i + 1);
    column.width = Math.max(10, c.header.length * 2 + 4, c.key === 'id_number' ? 22 : 0);
    // Typed as text, an ID number keeps its 18 digits; as a number Excel rounds it to 15.
    if (c.key === 'id_number' || c.key === 'village_code' || c.key === 'guardian_phone') column.numFmt = '@';
  });

  const lists: Partial<Record<RosterColumnKey, string[]>> = {
    sex: ['男', '女'],
    registered: ['是', '否'],
    boarding: ['是', '否'],
    schooling: Object.keys(SCHOOLING_STAGES),
    health: Object.keys(HEALTH_STATES),
    guardianship_type: Object.keys(GUARDIANSHIP_TYPES),
    difficulty_type: Object.keys(DIFFICULTY_TYPES),
    risk_level: ['一级', '二级', '三级', '四级'],
    child_class: [...CHILD_CLASSES],
  };
  for (const c of cols) {
    const choices = lists[c.key];
    if (!choices) continue;
    const letter = ws.getColumn(cols.indexOf(c) + 1).letter;
    // Data-validation lists only suggest: the cell still accepts typed text, which the importer checks.
    (ws as unknown as { dataValidations: { add(range: string, v: object): void } }).dataValidations.add(`${letter}3:${letter}${ROSTER_LIMITS.maxRows + 2}`, {
      type: 'list',
      allowBlank: true,
      showErrorMessage: false,
      formulae: [`"${choices.join(',')}"`],
    });
  }

  const notes = wb.addWorksheet('填写说明');
  notes.addRow(['填写说明']).font = { bold: true, size: 14 };
  notes.addRow(['第1行为标题，第2行为表头，第3行为示例（导入时自动忽略）；请从第3行或第4行起逐行填写，每名儿童一行。']);
  notes.addRow(['勾选项可填“√”或“是”；请勿使用公式，含公式或以 = + - @ 开头的单元格将被拒绝。']);
  notes.addRow(['儿童信息仅本机构可见，不会公开发布。父母、祖父母等其他人的身份信息无需填写。']);
  notes.addRow([]);
  const noteHeader = notes.addRow(['列名', '是否必填', '填写说明', '示例']);
  noteHeader.font = { bold: true };
  for (const c of cols) notes.addRow([c.header, c.required ? '必填' : '选填', c.note, c.key === 'id_number' ? TEMPLATE_EXAMPLE_ID : c.example]);
  notes.getColumn(1).width = 20;
  notes.getColumn(2).width = 10;
  notes.getColumn(3).width = 80;
  notes.getColumn(4).width = 24;

  return Buffer.from(await wb.xlsx.writeBuffer());
}
