import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { evidenceFiles } from '../db/schema';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import { NotFoundError, ValidationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { EVIDENCE_LIMITS, cleanFilename, evidenceProblem, sniffEvidenceType } from './evidence.rules';

const sha256Of = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

/** An uploaded file as the routes hand it over. */
export interface UploadedFile {
  buffer: Buffer;
  filename: string;
}

export interface StoredEvidence {
  id: string;
  sha256: string;
  mimeType: string;
  bytes: number;
  filename: string;
}

/** Who may read an organization's evidence: it can show payees' names and bank details. */
export const EVIDENCE_READERS = ['admin', 'finance'] as const;

/**
 * Evidence files (receipts, bank slips, invoices) for gifts and spending. The bytes are stored
 * once under DATA_DIR/evidence by their SHA-256, so the name is also the proof of integrity; the
 * row says which organization holds it. On several app nodes DATA_DIR/evidence must be shared storage.
 */
export class EvidenceService {
  private readonly dir: string;
  constructor(private readonly deps: { db: Database; dataDir: string }) {
    this.dir = path.join(deps.dataDir, 'evidence');
  }

  /** Checks every file (type by magic bytes, size, count) and throws a field error naming the first bad one; nothing is stored. */
  check(files: UploadedFile[], t: Translate, field = 'evidence', opts: { required: boolean } = { required: true }): void {
    const fail = (key: string, params: Record<string, string | number> = {}) => {
      throw new ValidationError({ [field]: t('validation.field', { label: t(`fields.${field}`), message: t(key, params) }) });
    };
    if (opts.required && files.length === 0) fail('evidence.required');
    if (files.length > EVIDENCE_LIMITS.maxFiles) fail('evidence.too_many', { max: EVIDENCE_LIMITS.maxFiles });
    for (const f of files) {
      const problem = evidenceProblem(f.buffer);
      if (problem) fail(problem, { name: cleanFilename(f.filename), maxMb: EVIDENCE_LIMITS.maxBytes / 1024 / 1024 });
    }
  }

  /**
   * Writes checked files to the store (idempotent: same bytes, same file) and records them for the
   * organization inside `tx`. Bytes are written before the row commits: a rollback leaves at worst
   * an unreferenced file, never a row without its file.
   */
  async store(tx: Tx, organizationId: string, uploadedBy: string, files: UploadedFile[]): Promise<StoredEvidence[]> {
    const out: StoredEvidence[] = [];
    for (const f of files) {
      const { sha256, mimeType } = this.keep(f);
      const [row] = await tx
        .insert(evidenceFiles)
        .values({ organizationId, sha256, mimeType, bytes: f.buffer.length, filename: cleanFilename(f.filename), uploadedBy })
        .returning({ id: evidenceFiles.id, sha256: evidenceFiles.sha256, mimeType: evidenceFiles.mimeType, bytes: evidenceFiles.bytes, filename: evidenceFiles.filename });
      out.push(row);
    }
    return out;
  }

  /**
   * Writes one checked file to the store and says what it is, without an evidence row: for areas
   * that keep their own record of a file and decide themselves who reads it (a guardian's consent form).
   */
  keep(file: UploadedFile): { sha256: string; mimeType: string; bytes: number } {
    const mimeType = sniffEvidenceType(file.buffer);
    if (!mimeType) throw new Error('evidence not checked before storing');
    const sha256 = sha256Of(file.buffer);
    this.writeOnce(sha256, file.buffer);
    return { sha256, mimeType, bytes: file.buffer.length };
  }

  /** The stored bytes under `sha256`, re-hashed so a damaged store is noticed. The caller has decided who may read them. */
  bytesOf(sha256: string): Buffer {
    const data = fs.readFileSync(this.pathOf(sha256));
    if (sha256Of(data) !== sha256) throw new Error(`evidence store damaged: ${sha256}`);
    return data;
  }

  /** Metadata of evidence files by id (for lists on finance pages). */
  async describe(db: Database | Tx, ids: string[]): Promise<StoredEvidence[]> {
    if (ids.length === 0) return [];
    return db.select({ id: evidenceFiles.id, sha256: evidenceFiles.sha256, mimeType: evidenceFiles.mimeType, bytes: evidenceFiles.bytes, filename: evidenceFiles.filename }).from(evidenceFiles).where(inArray(evidenceFiles.id, ids));
  }

  /** One evidence file's bytes for the organization's finance and admins; the bytes are re-hashed so a damaged store is noticed. */
  async read(viewer: Viewer, organizationId: string, fileId: string): Promise<StoredEvidence & { data: Buffer }> {
    const file = await this.readAsStored(viewer, organizationId, fileId);
    if (file.sha256Now !== file.sha256) throw new Error(`evidence store damaged: ${file.sha256}`);
    return { id: file.id, sha256: file.sha256, mimeType: file.mimeType, bytes: file.bytes, filename: file.filename, data: file.data };
  }

  /**
   * One evidence file's bytes as the store holds them now, with their hash, for the organization's
   * finance and admins: a redaction compares that hash with the one it was marked on.
   */
  async readAsStored(viewer: Viewer, organizationId: string, fileId: string): Promise<StoredEvidence & { data: Buffer; sha256Now: string }> {
    requireOrgRole(viewer, organizationId, EVIDENCE_READERS);
    const [row] = await this.deps.db.select().from(evidenceFiles).where(and(eq(evidenceFiles.id, fileId), eq(evidenceFiles.organizationId, organizationId)));
    if (!row) throw new NotFoundError('evidence');
    const data = fs.readFileSync(this.pathOf(row.sha256));
    return { id: row.id, sha256: row.sha256, mimeType: row.mimeType, bytes: row.bytes, filename: row.filename, data, sha256Now: sha256Of(data) };
  }

  /** Keeps a file made from evidence (a redacted copy) in the store, once, by its hash; no row is written. */
  putDerived(data: Buffer): string {
    const sha256 = sha256Of(data);
    this.writeOnce(sha256, data);
    return sha256;
  }

  private pathOf(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  private writeOnce(sha256: string, data: Buffer): void {
    const file = this.pathOf(sha256);
    if (fs.existsSync(file)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written aside then renamed, so a crash never leaves a half file under a hash it does not have.
    const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temp, data, { mode: 0o600 });
    fs.renameSync(temp, file);
  }
}
