import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { auditEntries, childLinks, children, rosterImports } from '../db/schema';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import { NotFoundError, ValidationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import { countyOf } from '../lib/regions';
import { parseIdNumber } from './id-number.rules';
import { CHILD_RECORD_ROLES, type ChildrenService, type NewChild } from './children.service';
import { buildRosterTemplate, readRosterFile, type RosterSheet } from './roster-file';
import {
  CHILD_CLASSES,
  DIFFICULTY_TYPES,
  GUARDIANSHIP_TYPES,
  HEALTH_STATES,
  ROSTER_TEMPLATE_COLUMNS,
  SCHOOLING_STAGES,
  rosterFieldKey,
  rosterMessageKey,
  validateRosterRows,
  type ChildClass,
  type DifficultyType,
  type RosterColumnKey,
  type RosterError,
  type RosterRecord,
  type RosterRow,
} from './roster.rules';

/**
 * Roster import (花名册导入) and export. An import is all-or-nothing: every row is checked
 * first, and only a file without a single problem is written, in one transaction. The work
 * runs in the background; the caseworker watches a progress page.
 */

export type RosterImportStatus = 'reading' | 'validating' | 'importing' | 'done' | 'failed';
const FINISHED: readonly RosterImportStatus[] = ['done', 'failed'];

/**
 * One problem of an import as stored: where, which rule, and at most a redacted hint of the
 * cell — never the cell itself, which may be an ID number or a phone.
 */
export interface StoredRosterError {
  /** Row as Excel numbers it; null for a problem with the whole file. */
  row: number | null;
  field: RosterColumnKey | null;
  code: string;
  params?: Record<string, string | number>;
  hint?: string;
}

/** Codes this service adds to the reader's and the rules' codes; messages in roster-import.json. */
export const ROSTER_IMPORT_ERROR_CODES = [
  'village_code.required',
  'child_class.required',
  'difficulty_type.required',
  'id_number.already_registered',
  'import.no_rows',
  'import.failed',
  'import.conflict',
  'import.interrupted',
] as const;
const OWN_CODES = new Set<string>(ROSTER_IMPORT_ERROR_CODES);

const VALIDATE_CHUNK = 1_000;
const INSERT_BATCH = 500;
const HASH_QUERY_BATCH = 1_000;
// A file with every cell wrong would otherwise store hundreds of thousands of entries.
export const MAX_STORED_ERRORS = 10_000;
const ERRORS_PAGE_SIZE = 100;
const RECENT_IMPORTS = 10;
// A 20,000-row import takes well under a minute; one unfinished after this long died with its process.
const INTERRUPTED_AFTER_MS = 30 * 60_000;

/** Unassessed children enter at 三级 (medium): neither first in the list nor forgotten; the caseworker sets it on the first visit. */
export const DEFAULT_RISK_LEVEL = 3;

/**
 * The kind of difficulty a child class implies when the roster leaves it blank (分类帮扶):
 * orphans, de-facto unsupported and left-behind children lack guardianship; severely disabled
 * or ill children of 低保 families are special; other 低保 children are economic. Class 5
 * (其他困境儿童) implies nothing, unless the roster says the child is disabled or ill.
 */
const DIFFICULTY_OF_CLASS: Record<ChildClass, DifficultyType | null> = {
  1: 'guardianship',
  2: 'guardianship',
  3: 'special',
  4: 'economic',
  5: null,
  6: 'guardianship',
};

/** Whether a roster is one of left-behind children (农村留守儿童): its file or sheet name says 留守. */
export function isLeftBehindRoster(filename: string, sheetName: string | null): boolean {
  return /留守/.test(filename) || /留守/.test(sheetName ?? '');
}

/**
 * Turns a validated roster row into a child to store, applying the import's defaults: the
 * county comes from the village code (required); a blank class is 6 only on a left-behind
 * roster; a blank difficulty follows from the class; a blank risk level is DEFAULT_RISK_LEVEL.
 */
export function childFromRosterRecord(
  record: RosterRecord,
  context: { leftBehindRoster: boolean },
): { ok: true; child: NewChild } | { ok: false; errors: Array<{ field: RosterColumnKey; code: string }> } {
  const errors: Array<{ field: RosterColumnKey; code: string }> = [];
  const county = record.villageCode ? countyOf(record.villageCode) : undefined;
  if (!record.villageCode) errors.push({ field: 'village_code', code: 'village_code.required' });
  else if (!county) errors.push({ field: 'village_code', code: 'village_code.unknown' });
  const childClass = record.childClass ?? (context.leftBehindRoster ? 6 : null);
  if (!childClass) errors.push({ field: 'child_class', code: 'child_class.required' });
  const unwell = record.health === 'disabled' || record.health === 'ill';
  const difficultyType = record.difficultyType ?? (childClass ? (DIFFICULTY_OF_CLASS[childClass] ?? (unwell ? 'special' : null)) : null);
  if (childClass && !difficultyType) errors.push({ field: 'difficulty_type', code: 'difficulty_type.required' });
  if (errors.length > 0 || !county || !childClass || !difficultyType) return { ok: false, errors };
  return {
    ok: true,
    child: {
      identity: {
        name: record.name,
        idNumber: record.idNumber,
        birthDate: record.birthDate,
        ethnicity: record.ethnicity,
        guardianName: record.guardianName,
        guardianRelation: record.guardianRelation,
        guardianPhone: record.guardianPhone,
        residence: record.residence,
        school: record.school,
        householdRegistration: record.householdRegistration,
        healthNote: record.healthNote,
        notes: record.notes,
      },
      sex: record.sex,
      villageCode: record.villageCode,
      countyCode: county.code,
      childClass,
      difficultyType,
      riskLevel: record.riskLevel ?? DEFAULT_RISK_LEVEL,
      schooling: record.schooling,
      health: record.health,
      guardianshipType: record.guardianshipType,
      boarding: record.boarding,
    },
  };
}

// Choices and codes say nothing about who the child is; everything else may.
const ECHOABLE_FIELDS = new Set<RosterColumnKey>(['sex', 'ethnicity', 'registered', 'schooling', 'boarding', 'guardianship_type', 'child_class', 'difficulty_type', 'risk_level', 'village_code']);

/**
 * What of a refused cell may be kept with the import: a choice or a code as typed (shortened),
 * anything else only its first and last character ("5****************X", "王*明"), enough to
 * find the cell in the file and useless to anyone reading a database dump.
 */
export function redactedHint(field: RosterColumnKey, value: string): string {
  const chars = [...value.trim()];
  if (chars.length === 0) return '';
  if (ECHOABLE_FIELDS.has(field)) return chars.length > 20 ? chars.slice(0, 20).join('') + '…' : chars.join('');
  if (chars.length <= 2) return chars[0] + '*';
  return chars[0] + '*'.repeat(Math.min(chars.length - 2, 16)) + chars[chars.length - 1];
}

function storedError(e: RosterError): StoredRosterError {
  const params = e.params
    ? Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, typeof v === 'number' ? v : redactedHint(e.field, v)]))
    : undefined;
  const hint = redactedHint(e.field, e.value);
  return { row: e.rowNumber, field: e.field, code: e.code, ...(params ? { params } : {}), ...(hint ? { hint } : {}) };
}

/** The message of a stored import problem in the reader's language, with its row and column. */
export function describeRosterError(e: StoredRosterError, t: Translate): { row: number | null; field: string; message: string } {
  const field = e.field ? t(rosterFieldKey(e.field)) : '';
  const key = OWN_CODES.has(e.code) ? `roster_import.error.${e.code}` : rosterMessageKey(e.code);
  return { row: e.row, field, message: t(key, { row: e.row ?? '', field, value: e.hint ?? '', ...e.params }) };
}

// Excel runs a cell typed as =, +, - or @ (and a CSV opened in Excel is typed). Purely numeric
// text ("+86 138…") cannot call anything, and escaping it would stop a phone re-importing.
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMERIC_ONLY = /^[+-]?[\d\s().-]*$/;

/** Cell text that a spreadsheet shows but never executes: a leading ' when it could start a formula. */
export function inertCell(value: string): string {
  const folded = value.normalize('NFKC');
  return FORMULA_START.test(folded) && !NUMERIC_ONLY.test(folded) ? `'${value}` : value;
}

const invert = <V extends string>(table: Record<string, V>): Record<string, string> => Object.fromEntries(Object.entries(table).map(([label, value]) => [value, label]));
const SCHOOLING_LABEL = invert(SCHOOLING_STAGES);
const HEALTH_LABEL = invert(HEALTH_STATES);
const GUARDIANSHIP_LABEL = invert(GUARDIANSHIP_TYPES);
const DIFFICULTY_LABEL = invert(DIFFICULTY_TYPES);
const RISK_LABEL = ['一级', '二级', '三级', '四级'];
const yesNo = (v: boolean | null): string => (v === null ? '' : v ? '是' : '否');

export interface RosterDeps {
  db: Database;
  audit: AuditService;
  children: ChildrenService;
  accounts: AccountsService;
  logger?: Logger;
  now?: () => Date;
}

/** How long each phase of a finished import took, for the log and the benchmark. */
export interface ImportOutcome {
  status: RosterImportStatus;
  rows: number;
  imported: number;
  readMs: number;
  validateMs: number;
  commitMs: number;
}

interface LiveImport {
  organizationId: string;
  status: RosterImportStatus;
  totalRows: number;
  processedRows: number;
}

/** Progress bar position: reading is open-ended (null), validating fills the first half, writing the second. */
function percentOf(status: RosterImportStatus, processed: number, total: number): number | null {
  if (FINISHED.includes(status)) return 100;
  if (status === 'reading' || total === 0) return null;
  const share = Math.min(1, processed / total) * 50;
  return Math.floor(status === 'validating' ? share : 50 + share);
}

export class RosterService {
  private readonly now: () => Date;
  private readonly running = new Map<string, Promise<ImportOutcome>>();
  // While the commit transaction is open its progress cannot reach the table: PostgreSQL shows
  // other connections only committed rows, and PGlite queues every other query behind it.
  private readonly live = new Map<string, LiveImport>();

  constructor(private readonly deps: RosterDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The downloadable template (title, header, example row, notes sheet), for the organization's caseworkers. */
  async template(viewer: Viewer, organizationId: string): Promise<Buffer> {
    requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    return buildRosterTemplate();
  }

  /** The roster page: the organization's name and its recent imports; caseworkers, supervisors and admins only. */
  async recentImports(viewer: Viewer, organizationId: string) {
    const { membership } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const rows = await this.deps.db
      .select({ id: rosterImports.id, filename: rosterImports.filename, status: rosterImports.status, totalRows: rosterImports.totalRows, importedRows: rosterImports.importedRows, errorCount: rosterImports.errorCount, createdAt: rosterImports.createdAt })
      .from(rosterImports)
      .where(eq(rosterImports.organizationId, organizationId))
      .orderBy(desc(rosterImports.createdAt))
      .limit(RECENT_IMPORTS);
    return { organizationName: membership.organizationName, imports: rows.map((r) => ({ ...r, status: this.visibleStatus(r.status, r.createdAt) })) };
  }

  /** A verified organization's caseworker starts an import: its id comes back at once, the work goes on in the background. */
  async startImport(viewer: Viewer, organizationId: string, file: { buffer: Buffer; filename: string } | null, t: Translate): Promise<string> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    if (!file) throw new ValidationError({ file: t('roster_import.file.required') });
    const filename = cleanFilename(file.filename);
    const [row] = await this.deps.db
      .insert(rosterImports)
      .values({ organizationId, uploadedBy: actor.userId, filename, status: 'reading' })
      .returning({ id: rosterImports.id });
    this.live.set(row.id, { organizationId, status: 'reading', totalRows: 0, processedRows: 0 });
    const work = this.run(row.id, organizationId, actor.userId, file.buffer, filename).finally(() => {
      this.running.delete(row.id);
      this.live.delete(row.id);
    });
    this.running.set(row.id, work);
    return row.id;
  }

  /** Resolves when the import (started by this process) has finished; at once otherwise. */
  async waitForImport(importId: string): Promise<ImportOutcome | undefined> {
    return this.running.get(importId);
  }

  /** An import's status, progress and a page of its problems, for its organization; other organizations' duplicates only as a count. */
  async importStatus(viewer: Viewer, organizationId: string, importId: string, opts: { page?: number } = {}) {
    requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const row = await this.deps.db.query.rosterImports.findFirst({ where: and(eq(rosterImports.id, importId), eq(rosterImports.organizationId, organizationId)) });
    if (!row) throw new NotFoundError('roster import');
    const live = this.live.get(importId);
    const status = live?.status ?? this.visibleStatus(row.status, row.createdAt);
    const totalRows = live?.totalRows ?? row.totalRows;
    const processedRows = live?.processedRows ?? row.processedRows;
    let errors = JSON.parse(row.errors) as StoredRosterError[];
    if (status === 'failed' && row.status !== 'failed') errors = [{ row: null, field: null, code: 'import.interrupted' }];
    const errorRows = new Set(errors.map((e) => e.row).filter((r) => r !== null)).size;
    const page = Math.max(1, Math.min(opts.page ?? 1, Math.ceil(errors.length / ERRORS_PAGE_SIZE) || 1));
    return {
      id: row.id,
      filename: row.filename,
      status,
      finished: FINISHED.includes(status),
      totalRows,
      processedRows,
      percent: percentOf(status, processedRows, totalRows),
      importedRows: row.importedRows,
      errorCount: Math.max(row.errorCount, errors.length),
      errorRows,
      errorsTruncated: row.errorCount > errors.length,
      registeredElsewhere: status === 'done' ? await this.registeredElsewhere(importId) : 0,
      errors: errors.slice((page - 1) * ERRORS_PAGE_SIZE, page * ERRORS_PAGE_SIZE),
      errorPage: { page, pageSize: ERRORS_PAGE_SIZE, total: errors.length },
      createdAt: row.createdAt,
      finishedAt: row.finishedAt,
    };
  }

  /** Every problem of an import as a downloadable .xlsx (row, column, message in the reader's language). */
  async errorReport(viewer: Viewer, organizationId: string, importId: string, t: Translate): Promise<Buffer> {
    requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const row = await this.deps.db.query.rosterImports.findFirst({ where: and(eq(rosterImports.id, importId), eq(rosterImports.organizationId, organizationId)) });
    if (!row) throw new NotFoundError('roster import');
    const wb = new ExcelJS.Workbook();
    wb.creator = '关爱桥 CareBridge';
    const ws = wb.addWorksheet(t('roster_import.report.sheet'), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = [
      { header: t('roster_import.errors.row'), width: 8 },
      { header: t('roster_import.errors.field'), width: 20 },
      { header: t('roster_import.errors.message'), width: 90 },
    ];
    ws.getRow(1).font = { bold: true };
    for (const e of JSON.parse(row.errors) as StoredRosterError[]) {
      const d = describeRosterError(e, t);
      ws.addRow([d.row ?? '', inertCell(d.field), inertCell(d.message)]);
    }
    if (row.errorCount > MAX_STORED_ERRORS) ws.addRow(['', '', t('roster_import.errors.truncated', { max: MAX_STORED_ERRORS })]);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  /** The organization's whole roster as .xlsx that imports again unchanged; needs the password again and a reason, and is audited. */
  async exportRoster(viewer: Viewer, organizationId: string, password: string, reason: string, t: Translate): Promise<{ data: Buffer; filename: string; count: number }> {
    const { actor, membership } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    await this.deps.accounts.reauthenticate(actor, password, t);
    const records = await this.deps.children.allForExport(organizationId);

    const wb = new ExcelJS.Workbook();
    wb.creator = '关爱桥 CareBridge';
    const ws = wb.addWorksheet('花名册', { views: [{ state: 'frozen', ySplit: 2 }] });
    const cols = ROSTER_TEMPLATE_COLUMNS;
    ws.addRow([inertCell(t('roster_import.export.sheet_title', { organization: membership.organizationName }))]);
    ws.mergeCells(1, 1, 1, cols.length);
    ws.getRow(1).font = { bold: true };
    ws.addRow(cols.map((c) => c.header)).font = { bold: true };
    cols.forEach((c, i) => {
      const column = ws.getColumn(i + 1);
      column.width = Math.max(10, c.header.length * 2 + 4, c.key === 'id_number' ? 22 : 0);
      if (c.key === 'id_number' || c.key === 'village_code' || c.key === 'guardian_phone') column.numFmt = '@';
    });
    for (const { facts, identity } of records) {
      const cells: Record<RosterColumnKey, string> = {
        name: identity.name,
        id_number: identity.idNumber ?? '',
        sex: facts.sex === 'male' ? '男' : '女',
        ethnicity: identity.ethnicity ?? '',
        birth_date: identity.birthDate,
        // A child without an ID number imports only when marked as not registered.
        registered: identity.idNumber ? '是' : '否',
        household_registration: identity.householdRegistration ?? '',
        residence: identity.residence ?? '',
        village_code: facts.villageCode ?? '',
        schooling: facts.schooling ? (SCHOOLING_LABEL[facts.schooling] ?? '') : '',
        school: identity.school ?? '',
        boarding: yesNo(facts.boarding),
        health: facts.health ? [HEALTH_LABEL[facts.health], identity.healthNote].filter(Boolean).join(':') : '',
        guardianship_type: facts.guardianshipType ? (GUARDIANSHIP_LABEL[facts.guardianshipType] ?? '') : '',
        guardian_name: identity.guardianName ?? '',
        guardian_phone: identity.guardianPhone ?? '',
        guardian_relation: identity.guardianRelation ?? '',
        child_class: CHILD_CLASSES[facts.childClass - 1] ?? '',
        difficulty_type: DIFFICULTY_LABEL[facts.difficultyType] ?? '',
        risk_level: RISK_LABEL[facts.riskLevel - 1] ?? '',
        notes: identity.notes ?? '',
      };
      ws.addRow(cols.map((c) => inertCell(cells[c.key])));
    }
    const data = Buffer.from(await wb.xlsx.writeBuffer());
    await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'roster.export', subjectType: 'roster', reason, detail: { count: records.length } });
    return { data, filename: `花名册-${this.now().toISOString().slice(0, 10)}.xlsx`, count: records.length };
  }

  // ---- the background work --------------------------------------------------------------

  /** Never rejects: whatever goes wrong ends as a failed import with nothing written. */
  private async run(importId: string, organizationId: string, actorId: string, buffer: Buffer, filename: string): Promise<ImportOutcome> {
    const outcome: ImportOutcome = { status: 'failed', rows: 0, imported: 0, readMs: 0, validateMs: 0, commitMs: 0 };
    try {
      let started = performance.now();
      const read = await readRosterFile(buffer, filename);
      outcome.readMs = performance.now() - started;
      if (!read.ok) {
        await this.fail(importId, [{ row: null, field: null, code: read.code, ...(read.params ? { params: read.params } : {}) }], 0, 0);
        return outcome;
      }
      const sheet = read.value;
      outcome.rows = sheet.rows.length;
      if (sheet.rows.length === 0) {
        await this.fail(importId, [{ row: null, field: null, code: 'import.no_rows' }], 0, 0);
        return outcome;
      }

      started = performance.now();
      const checked = await this.check(importId, organizationId, sheet, filename);
      outcome.validateMs = performance.now() - started;
      if (checked.errors.length > 0) {
        await this.fail(importId, checked.errors, sheet.rows.length, checked.errorCount);
        return outcome;
      }

      started = performance.now();
      outcome.imported = await this.commit(importId, organizationId, actorId, checked.children);
      outcome.commitMs = performance.now() - started;
      outcome.status = 'done';
      this.deps.logger?.info('roster import done', { importId, rows: outcome.rows, readMs: Math.round(outcome.readMs), validateMs: Math.round(outcome.validateMs), commitMs: Math.round(outcome.commitMs) });
      return outcome;
    } catch (err) {
      const code = (err as { cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
      // 23505: a child of this organization was registered between the check and the commit.
      const reason = code === '23505' ? 'import.conflict' : 'import.failed';
      if (reason === 'import.failed') this.deps.logger?.error('roster import failed', { importId, err });
      await this.fail(importId, [{ row: null, field: null, code: reason }], outcome.rows, 1).catch((e: unknown) => this.deps.logger?.error('could not mark roster import failed', { importId, err: e }));
      return outcome;
    }
  }

  /**
   * Validates the rows a chunk at a time (so the progress bar moves and the server keeps
   * answering), applies the import's defaults, and refuses children this organization has
   * already registered.
   */
  private async check(importId: string, organizationId: string, sheet: RosterSheet, filename: string) {
    const total = sheet.rows.length;
    await this.progress(importId, { status: 'validating', totalRows: total, processedRows: 0 });
    const today = this.now();
    const leftBehindRoster = isLeftBehindRoster(filename, sheet.sheetName);
    const errors: StoredRosterError[] = [];
    let errorCount = 0;
    const addError = (e: StoredRosterError) => {
      errorCount++;
      if (errors.length < MAX_STORED_ERRORS) errors.push(e);
    };
    const accepted: Array<{ row: number; child: NewChild }> = [];
    // The rules find a repeated ID number within the rows they are given; across chunks it is found here.
    const firstRowOfId = new Map<string, number>();

    for (let start = 0; start < total; start += VALIDATE_CHUNK) {
      const chunk = sheet.rows.slice(start, start + VALIDATE_CHUNK);
      const repeated = this.repeatsAcrossChunks(chunk, firstRowOfId, today);
      const { records, errors: ruleErrors } = validateRosterRows(chunk, { today });
      const found: Array<StoredRosterError & { row: number }> = [...ruleErrors.map((e) => storedError(e) as StoredRosterError & { row: number }), ...repeated];
      const refusedRows = new Set(repeated.map((e) => e.row));
      for (const record of records) {
        if (refusedRows.has(record.rowNumber)) continue;
        const mapped = childFromRosterRecord(record, { leftBehindRoster });
        if (mapped.ok) accepted.push({ row: record.rowNumber, child: mapped.child });
        else for (const e of mapped.errors) found.push({ row: record.rowNumber, field: e.field, code: e.code, ...(e.code === 'village_code.unknown' && record.villageCode ? { hint: record.villageCode } : {}) });
      }
      found.sort((a, b) => a.row - b.row);
      found.forEach(addError);
      await this.progress(importId, { processedRows: Math.min(total, start + chunk.length) });
    }

    // Same child twice in one organization: refused (the unique index would refuse it anyway).
    const hashed = accepted.map((a) => ({ ...a, idHash: a.child.identity.idNumber ? this.deps.children.idHash(a.child.identity.idNumber) : null }));
    const known = await this.existingHashes(organizationId, hashed.map((h) => h.idHash).filter((h): h is string => h !== null));
    const duplicates = hashed.filter((h) => h.idHash && known.has(h.idHash));
    for (const d of duplicates) addError({ row: d.row, field: 'id_number', code: 'id_number.already_registered', hint: redactedHint('id_number', d.child.identity.idNumber ?? '') });
    if (duplicates.length > 0) errors.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));

    return { errors, errorCount, children: hashed };
  }

  /** Rows of `chunk` whose ID number already appeared in an earlier chunk (and remembers this chunk's). */
  private repeatsAcrossChunks(chunk: readonly RosterRow[], firstRowOfId: Map<string, number>, today: Date): Array<StoredRosterError & { row: number }> {
    const repeats: Array<StoredRosterError & { row: number }> = [];
    const seenHere = new Map<string, number>();
    for (const row of chunk) {
      const raw = (row.cells.id_number ?? '').trim().replace(/^'/, '');
      if (!raw || row.cellErrors?.some((e) => e.field === 'id_number')) continue;
      const parsed = parseIdNumber(raw, today);
      if (!parsed.ok) continue;
      const earlier = firstRowOfId.get(parsed.value);
      if (earlier !== undefined) repeats.push({ row: row.rowNumber, field: 'id_number', code: 'id_number.duplicate', params: { firstRow: earlier }, hint: redactedHint('id_number', parsed.value) });
      else if (!seenHere.has(parsed.value)) seenHere.set(parsed.value, row.rowNumber);
    }
    for (const [id, row] of seenHere) firstRowOfId.set(id, row);
    return repeats;
  }

  /** Keyed hashes among `hashes` that this organization has already registered (archived children too). */
  private async existingHashes(organizationId: string, hashes: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < hashes.length; i += HASH_QUERY_BATCH) {
      const rows = await this.deps.db
        .select({ idHash: children.idHash })
        .from(children)
        .where(and(eq(children.organizationId, organizationId), inArray(children.idHash, hashes.slice(i, i + HASH_QUERY_BATCH))));
      for (const r of rows) if (r.idHash) found.add(r.idHash);
    }
    return found;
  }

  /** Writes every child in one transaction, links those other organizations also registered, and records the import. */
  private async commit(importId: string, organizationId: string, actorId: string, accepted: Array<{ child: NewChild; idHash: string | null }>): Promise<number> {
    const total = accepted.length;
    await this.progress(importId, { status: 'importing', processedRows: 0 });
    const rows = accepted.map((a) => this.deps.children.rowFor(crypto.randomUUID(), organizationId, a.child, actorId));
    return this.deps.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        await tx.insert(children).values(rows.slice(i, i + INSERT_BATCH));
        this.setLive(importId, { processedRows: Math.min(total, i + INSERT_BATCH) });
      }
      const registeredElsewhere = await this.linkRegisteredElsewhere(tx, organizationId, rows);
      await this.deps.audit.record(
        { actorUserId: actorId, organizationId, action: 'roster.import', subjectType: 'roster_import', subjectId: importId, detail: { rows: total, imported: total, registeredElsewhere } },
        tx,
      );
      // Marked done in the same transaction: the import is done exactly when its children exist.
      await tx
        .update(rosterImports)
        .set({ status: 'done', totalRows: total, processedRows: total, importedRows: total, errorCount: 0, errors: '[]', finishedAt: this.now() })
        .where(eq(rosterImports.id, importId));
      return total;
    });
  }

  /**
   * Links each new child to the same child in other organizations, both ways, as
   * ChildrenService.linkDuplicates does for one child; in bulk, because a county roster another
   * organization already holds would otherwise cost two queries per child (35 s for 10,000).
   * Returns how many of the new children were found elsewhere.
   */
  private async linkRegisteredElsewhere(tx: Tx, organizationId: string, rows: Array<{ id: string; idHash: string | null }>): Promise<number> {
    const withHash = rows.filter((r): r is { id: string; idHash: string } => r.idHash !== null);
    const others = new Map<string, string[]>();
    for (let i = 0; i < withHash.length; i += HASH_QUERY_BATCH) {
      const found = await tx
        .select({ id: children.id, idHash: children.idHash })
        .from(children)
        .where(and(ne(children.organizationId, organizationId), inArray(children.idHash, withHash.slice(i, i + HASH_QUERY_BATCH).map((r) => r.idHash))));
      for (const f of found) if (f.idHash) others.set(f.idHash, [...(others.get(f.idHash) ?? []), f.id]);
    }
    const links = withHash.flatMap((r) => (others.get(r.idHash) ?? []).flatMap((other) => [{ childId: r.id, otherChildId: other }, { childId: other, otherChildId: r.id }]));
    for (let i = 0; i < links.length; i += INSERT_BATCH) await tx.insert(childLinks).values(links.slice(i, i + INSERT_BATCH)).onConflictDoNothing();
    return withHash.filter((r) => others.has(r.idHash)).length;
  }

  private async fail(importId: string, errors: StoredRosterError[], totalRows: number, errorCount: number): Promise<void> {
    await this.deps.db
      .update(rosterImports)
      .set({ status: 'failed', totalRows, processedRows: totalRows, importedRows: 0, errorCount: Math.max(errorCount, errors.length), errors: JSON.stringify(errors), finishedAt: this.now() })
      .where(eq(rosterImports.id, importId));
  }

  private setLive(importId: string, change: Partial<LiveImport>): void {
    const live = this.live.get(importId);
    if (live) Object.assign(live, change);
  }

  /** Moves the progress bar: in memory for this process, and in the table for other nodes (outside any transaction). */
  private async progress(importId: string, change: Partial<Pick<LiveImport, 'status' | 'totalRows' | 'processedRows'>>): Promise<void> {
    this.setLive(importId, change);
    await this.deps.db.update(rosterImports).set(change).where(eq(rosterImports.id, importId));
  }

  /** An unfinished import that has been running far longer than any import takes died with its process. */
  private visibleStatus(status: string, createdAt: Date): RosterImportStatus {
    const s = status as RosterImportStatus;
    if (FINISHED.includes(s)) return s;
    return this.now().getTime() - createdAt.getTime() > INTERRUPTED_AFTER_MS ? 'failed' : s;
  }

  /** How many of the import's children another organization also registered, as its audit entry recorded it. */
  private async registeredElsewhere(importId: string): Promise<number> {
    const entry = await this.deps.db.query.auditEntries.findFirst({
      where: and(eq(auditEntries.subjectType, 'roster_import'), eq(auditEntries.subjectId, importId), eq(auditEntries.action, 'roster.import')),
    });
    const n = (entry?.detail as { registeredElsewhere?: unknown } | undefined)?.registeredElsewhere;
    return typeof n === 'number' ? n : 0;
  }
}

/** The uploaded file's own name, without any path or control characters, kept short. */
function cleanFilename(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = [...base.replace(/[\u0000-\u001f\u007f]/g, '').trim()].slice(0, 120).join('');
  return clean || 'roster';
}

