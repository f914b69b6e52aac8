import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { evidenceFiles, evidenceRedactions } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import { NotFoundError, RuleViolationError, ValidationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { randomToken } from '../lib/tokens';
import { EVIDENCE_READERS, type EvidenceService } from './evidence.service';
import type { EvidenceType } from './evidence.rules';
import { FlattenError, countPages, flatten, pageImage } from './flatten';
import { publicReceipt, redactionForFinance, type PublicReceipt, type RedactionForFinance } from './evidence.projections';
import { REDACTION_COVERS, REDACTION_LIMITS, boxesFromRows, confirmProblem, mayReview, pageInRange, type BoxRow, type RedactionStatus } from './redaction.rules';

/** The spending an evidence file backs, as the expenditures area tells it. */
export interface ReceiptOwner {
  expenditureId: string;
  status: string;
  description: string;
  amountFen: number;
  spentOn: string;
}

export interface RedactionsDeps {
  db: Database;
  evidence: EvidenceService;
  audit: AuditService;
  /** Which spending of the organization an evidence file backs (null: none, e.g. a gift's bank slip). */
  ownerOf: (organizationId: string, evidenceFileId: string) => Promise<ReceiptOwner | null>;
  now?: () => Date;
}

/** Who marks boxes: finance, who handles the receipts. */
export const REDACTION_MARKERS = ['finance'] as const;
/** Who confirms or returns a redaction: a second person with the finance or admin role. */
export const REDACTION_REVIEWERS = ['finance', 'admin'] as const;

type RedactionRow = typeof evidenceRedactions.$inferSelect;

/** The live (marked or confirmed) redaction of a file, locked for the rest of `tx` when asked. */
async function liveRedaction(db: Database | Tx, evidenceFileId: string, lock = false): Promise<RedactionRow | undefined> {
  const q = db.select().from(evidenceRedactions).where(and(eq(evidenceRedactions.evidenceFileId, evidenceFileId), ne(evidenceRedactions.status, 'returned')));
  const [row] = lock ? await q.for('update') : await q;
  return row;
}

/**
 * Public receipts: a spending's evidence file is published only as a flattened copy with marked
 * boxes painted black (no text layer, no metadata, no original bytes), after a second person
 * confirmed that copy. The original never leaves the organization's finance and admins.
 */
export class RedactionsService {
  private readonly now: () => Date;
  constructor(private readonly deps: RedactionsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The original, checked to back a spending of the organization: finance and admins only. */
  private async original(viewer: Viewer, organizationId: string, fileId: string) {
    const file = await this.deps.evidence.readAsStored(viewer, organizationId, fileId);
    const owner = await this.deps.ownerOf(organizationId, fileId);
    if (!owner) throw new NotFoundError('receipt');
    return { file, owner, type: file.mimeType as EvidenceType };
  }

  private async pages(data: Buffer, type: EvidenceType): Promise<number> {
    try {
      return await countPages(data, type);
    } catch {
      throw new RuleViolationError('redactions.unreadable');
    }
  }

  /** The redaction page of one receipt for finance and admins: the spending, the pages, the live redaction and the returned ones. */
  async workspace(viewer: Viewer, organizationId: string, fileId: string) {
    const { actor, membership } = requireOrgRole(viewer, organizationId, EVIDENCE_READERS);
    const { file, owner, type } = await this.original(viewer, organizationId, fileId);
    const pageCount = await this.pages(file.data, type);
    const rows = await this.deps.db.select().from(evidenceRedactions).where(eq(evidenceRedactions.evidenceFileId, fileId)).orderBy(desc(evidenceRedactions.markedAt));
    const live = rows.find((r) => r.status !== 'returned');
    const tooManyPages = pageCount > REDACTION_LIMITS.maxPages;
    const isMarker = membership.roles.some((r) => (REDACTION_MARKERS as readonly string[]).includes(r));
    return {
      file: { id: file.id, filename: file.filename, mimeType: file.mimeType, sha256: file.sha256 },
      owner,
      pageCount,
      // Once confirmed nothing is marked any more: the original's pages are not rendered again.
      pages: tooManyPages || live?.status === 'confirmed' ? [] : Array.from({ length: pageCount }, (_, i) => i + 1),
      tooManyPages,
      maxPages: REDACTION_LIMITS.maxPages,
      coverKinds: REDACTION_COVERS,
      live: live ? redactionForFinance(live, actor.userId) : null,
      copyPages: live ? Array.from({ length: live.pageCount }, (_, i) => i + 1) : [],
      returned: rows.filter((r) => r.status === 'returned').map((r) => redactionForFinance(r, actor.userId)),
      mayMark: isMarker && !tooManyPages && owner.status !== 'rejected' && live?.status !== 'confirmed',
      mayReview: live?.status === 'marked' && mayReview(live, actor.userId),
    };
  }

  /** One page of the original, rendered as a PNG for marking: finance and admins only, never cached. */
  async originalPage(viewer: Viewer, organizationId: string, fileId: string, page: number): Promise<Buffer> {
    const { file, type } = await this.original(viewer, organizationId, fileId);
    const pageCount = await this.pages(file.data, type);
    if (!pageInRange(page, pageCount)) throw new NotFoundError('page');
    return this.render(() => pageImage(file.data, type, page));
  }

  private async render<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof FlattenError) throw new RuleViolationError(`redactions.${err.reason}`, { max: REDACTION_LIMITS.maxImagePixels / 1_000_000 });
      throw new RuleViolationError('redactions.unreadable');
    }
  }

  /**
   * Finance marks boxes on a receipt: the server renders every page, paints the boxes black and
   * keeps the flattened copy, which waits for a second person. Marking again before confirmation
   * replaces the copy; a confirmed redaction is final. Bad boxes or too many pages change nothing.
   */
  async mark(viewer: Viewer, organizationId: string, fileId: string, rows: BoxRow[], t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, REDACTION_MARKERS);
    const { file, owner, type } = await this.original(viewer, organizationId, fileId);
    if (owner.status === 'rejected') throw new RuleViolationError('redactions.rejected_spending');
    if (file.sha256Now !== file.sha256) throw new RuleViolationError('redactions.original_damaged');
    const pageCount = await this.pages(file.data, type);
    if (pageCount > REDACTION_LIMITS.maxPages) throw new RuleViolationError('redactions.too_many_pages', { pages: pageCount, max: REDACTION_LIMITS.maxPages });
    const parsed = boxesFromRows(rows, pageCount);
    if (!parsed.ok) {
      const message = t(`redactions.box.${parsed.problem}`, { pages: pageCount, max: REDACTION_LIMITS.maxBoxes });
      throw new ValidationError({ boxes: t('validation.field', { label: t('fields.boxes'), message: t('redactions.box.row', { row: parsed.row, message }) }) });
    }
    const copy = await this.render(() => flatten(file.data, type, pageCount, parsed.boxes));
    const copySha256 = this.deps.evidence.putDerived(copy.data);
    const values = { originalSha256: file.sha256Now, pageCount, boxes: parsed.boxes, copySha256, copyMimeType: copy.mimeType, copyBytes: copy.data.length, markedBy: actor.userId, markedAt: this.now() };
    await this.deps.db.transaction(async (tx) => {
      // The file's row is the lock: two people marking at once take turns, so the second replaces the first's marks.
      await tx.select({ id: evidenceFiles.id }).from(evidenceFiles).where(eq(evidenceFiles.id, fileId)).for('update');
      const live = await liveRedaction(tx, fileId, true);
      if (live?.status === 'confirmed') throw new RuleViolationError('redactions.already_confirmed');
      if (live) await tx.update(evidenceRedactions).set(values).where(eq(evidenceRedactions.id, live.id));
      else await tx.insert(evidenceRedactions).values({ organizationId, evidenceFileId: fileId, ...values });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'receipt.redaction.mark', subjectType: 'evidence', subjectId: fileId, detail: { boxes: parsed.boxes.length, pages: pageCount } }, tx);
    });
  }

  /** The flattened copy awaiting (or past) review, for the organization's finance and admins. */
  async reviewCopy(viewer: Viewer, organizationId: string, fileId: string): Promise<{ data: Buffer; mimeType: string }> {
    requireOrgRole(viewer, organizationId, EVIDENCE_READERS);
    const live = await liveRedaction(this.deps.db, fileId);
    if (!live || live.organizationId !== organizationId) throw new NotFoundError('redaction');
    return { data: this.deps.evidence.bytesOf(live.copySha256), mimeType: live.copyMimeType };
  }

  /** One page of the flattened copy as a PNG, so a reviewer sees a PDF copy page by page as the public will. */
  async reviewCopyPage(viewer: Viewer, organizationId: string, fileId: string, page: number): Promise<Buffer> {
    const copy = await this.reviewCopy(viewer, organizationId, fileId);
    const live = (await liveRedaction(this.deps.db, fileId))!;
    if (!pageInRange(page, live.pageCount)) throw new NotFoundError('page');
    if (copy.mimeType === 'image/png') return copy.data;
    return this.render(() => pageImage(copy.data, 'application/pdf', page));
  }

  /**
   * A second person confirms the copy they saw and it goes public under a random address. Refused
   * to the one who marked it, twice, for a copy changed since it was seen, and when the original's
   * bytes are no longer those it was marked on.
   */
  async confirm(viewer: Viewer, organizationId: string, fileId: string, sawCopySha256: string): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, REDACTION_REVIEWERS);
    const { file } = await this.original(viewer, organizationId, fileId);
    await this.deps.db.transaction(async (tx) => {
      const live = await liveRedaction(tx, fileId, true);
      if (!live || live.organizationId !== organizationId) throw new RuleViolationError('redactions.not_marked');
      const problem = confirmProblem({ ...live, status: live.status as RedactionStatus }, { userId: actor.userId, sawCopySha256, originalSha256Now: file.sha256Now });
      if (problem) throw new RuleViolationError(problem);
      await tx.update(evidenceRedactions).set({ status: 'confirmed', publicId: randomToken(), decidedBy: actor.userId, decidedAt: this.now() }).where(eq(evidenceRedactions.id, live.id));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'receipt.redaction.confirm', subjectType: 'evidence', subjectId: fileId, detail: { copySha256: live.copySha256 } }, tx);
    });
  }

  /** A second person returns a marked redaction with a reason; it stays private and may be marked again. */
  async returnForRework(viewer: Viewer, organizationId: string, fileId: string, reason: string): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, REDACTION_REVIEWERS);
    await this.deps.db.transaction(async (tx) => {
      const live = await liveRedaction(tx, fileId, true);
      if (!live || live.organizationId !== organizationId) throw new RuleViolationError('redactions.not_marked');
      if (live.status !== 'marked') throw new RuleViolationError('redactions.already_confirmed');
      if (!mayReview(live, actor.userId)) throw new RuleViolationError('redactions.four_eyes');
      await tx.update(evidenceRedactions).set({ status: 'returned', decidedBy: actor.userId, decidedAt: this.now(), returnReason: reason }).where(eq(evidenceRedactions.id, live.id));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'receipt.redaction.return', subjectType: 'evidence', subjectId: fileId, reason }, tx);
    });
  }

  /** A confirmed redacted copy by its public id, for anyone; anything else is not found. */
  async publicCopy(publicId: string): Promise<{ data: Buffer; mimeType: string }> {
    const [row] = await this.deps.db.select().from(evidenceRedactions).where(and(eq(evidenceRedactions.publicId, publicId), eq(evidenceRedactions.status, 'confirmed')));
    if (!row) throw new NotFoundError('receipt');
    return { data: this.deps.evidence.bytesOf(row.copySha256), mimeType: row.copyMimeType };
  }

  /** What the public sees of each evidence file: its confirmed copy, or that it is being redacted. */
  async publicReceipts(evidenceFileIds: string[]): Promise<Map<string, PublicReceipt>> {
    const live = await this.liveOf(evidenceFileIds);
    return new Map(evidenceFileIds.map((id) => [id, publicReceipt(live.get(id))]));
  }

  /** The live redaction status of each evidence file (none when never marked or returned), for finance lists. */
  async statusOf(evidenceFileIds: string[]): Promise<Map<string, RedactionForFinance['status']>> {
    const live = await this.liveOf(evidenceFileIds);
    return new Map([...live].map(([id, r]) => [id, r.status as RedactionForFinance['status']]));
  }

  private async liveOf(evidenceFileIds: string[]): Promise<Map<string, RedactionRow>> {
    if (evidenceFileIds.length === 0) return new Map();
    const rows = await this.deps.db.select().from(evidenceRedactions).where(and(inArray(evidenceRedactions.evidenceFileId, evidenceFileIds), ne(evidenceRedactions.status, 'returned')));
    return new Map(rows.map((r) => [r.evidenceFileId, r]));
  }
}
