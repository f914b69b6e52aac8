import crypto from 'node:crypto';
import { and, asc, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { children, needReviews, needs, publishedNeeds, users } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import type { FieldCipher } from '../lib/crypto';
import { NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { fullName, regionByCode } from '../lib/regions';
import { CHILD_RECORD_ROLES, type ChildrenService } from '../children/children.service';
import type { NeedInput } from '../children/children.schemas';
import { anonymizePopulation, ageInYears, chooseGeneralization, type PublicationRecord } from './publication.rules';
import { findPii, redactPreview, type PiiSpan } from './scrub.rules';
import { canTransition, isBeingHelped, isPublicCodeShape, mayDecideReview, NEED_APPROVER_ROLES, needDescriptionContext, newPublicCode, PUBLIC_STATUSES, type NeedStatus, type ReviewKind } from './needs.rules';
import type { CaseworkerNeedView, NeedReviewView, PublicNeedView, ServedNeedView, TuplePreview } from './needs.projections';
import type { RealtimeHub } from '../realtime/hub';
import type { Logger } from '../lib/logger';
import { throughCache, type PublicCache } from '../lib/public-cache';

/** Publication refused because the description may identify someone; carries the spans to show. */
export class PiiFoundError extends RuleViolationError {
  constructor(public readonly spans: PiiSpan[], public readonly preview: string, found: string) {
    super('needs.publish.pii_found', { found });
  }
}

export interface NeedsDeps {
  db: Database;
  audit: AuditService;
  cipher: FieldCipher;
  children: ChildrenService;
  kAnonymity: number;
  /** Pushes the board's live count; absent in scripts. */
  hub?: RealtimeHub;
  /** Re-runs matching for a newly published need (matching depends on needs, so it arrives as a callback). */
  rematch?: (scope: { needIds: string[] }) => Promise<unknown>;
  /** Whether a live volunteer pairing covers the need (pairings belong to volunteers, so this arrives as a callback). */
  pairedNeed?: (tx: Tx, needId: string) => Promise<boolean>;
  logger?: Logger;
  now?: () => Date;
  /** Remembers the board's public answers for a few seconds; forgotten on every publication change. */
  publicCache?: PublicCache;
}

export interface BoardFilters {
  region?: string;
  kind?: string;
  childClass?: number;
  ageBand?: string;
  urgency?: number;
}

const BOARD_PAGE = 20;
const QUEUE_PAGE = 20;

/** The board's need with this public code (any case); a string that cannot be a code finds nothing. */
function listedByCode(code: string): SQL {
  if (!isPublicCodeShape(code)) throw new NotFoundError('need');
  return and(eq(publishedNeeds.publicCode, code.toUpperCase()), eq(publishedNeeds.visible, true))!;
}

type NeedRow = typeof needs.$inferSelect;
type ReviewRow = typeof needReviews.$inferSelect;

export class NeedsService {
  private readonly now: () => Date;
  constructor(private readonly deps: NeedsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private context = needDescriptionContext;
  private reviewContext = (reviewId: string, field: 'reason' | 'note') => `need_reviews.${field}:${reviewId}`;
  private openText = (token: string | null, reviewId: string, field: 'reason' | 'note') => (token === null ? null : this.deps.cipher.decrypt(token, this.reviewContext(reviewId, field)));

  /** A caseworker records a need of a child of their organization, as a draft. */
  async create(viewer: Viewer, organizationId: string, childId: string, input: NeedInput): Promise<{ id: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const id = crypto.randomUUID();
    await this.deps.db.transaction(async (tx) => {
      const child = await tx.query.children.findFirst({ where: and(eq(children.id, childId), eq(children.organizationId, organizationId)) });
      if (!child) throw new NotFoundError('child');
      await tx.insert(needs).values({
        id,
        childId,
        organizationId,
        kind: input.needKind,
        description: this.deps.cipher.encrypt(input.needDescription, this.context(id)),
        urgency: input.urgency,
        amountFen: input.amount,
        quantity: input.quantity,
        startOn: input.startOn,
        endOn: input.endOn,
        createdBy: actor.userId,
      });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.create', subjectType: 'need', subjectId: id, detail: { childId, kind: input.needKind } }, tx);
    });
    return { id };
  }

  /** The needs of one child, with their publication state, for the caseworker. */
  async forChild(viewer: Viewer, organizationId: string, childId: string): Promise<CaseworkerNeedView[]> {
    requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const rows = await this.deps.db
      .select({ need: needs, pub: publishedNeeds })
      .from(needs)
      .leftJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
      .where(and(eq(needs.childId, childId), eq(needs.organizationId, organizationId)))
      .orderBy(desc(needs.createdAt));
    const reviews = rows.length
      ? await this.deps.db.select().from(needReviews).where(inArray(needReviews.needId, rows.map((r) => r.need.id))).orderBy(desc(needReviews.requestedAt))
      : [];
    // The open request if there is one, else the last decided (a fixed test clock can tie requestedAt).
    const rank = (r: ReviewRow) => (r.decidedAt === null ? Number.MAX_SAFE_INTEGER : r.decidedAt.getTime());
    const latest = new Map<string, ReviewRow>();
    for (const r of reviews) {
      const seen = latest.get(r.needId);
      if (!seen || rank(r) > rank(seen)) latest.set(r.needId, r);
    }
    return rows.map(({ need, pub }) => {
      const last = latest.get(need.id);
      const returned = last?.decision === 'returned';
      return {
      id: need.id,
      childId: need.childId,
      kind: need.kind,
      description: this.deps.cipher.decrypt(need.description, this.context(need.id)),
      urgency: need.urgency,
      amountFen: need.amountFen,
      quantity: need.quantity,
      startOn: need.startOn,
      endOn: need.endOn,
      status: need.status,
      publicCode: pub?.publicCode ?? null,
      visible: pub?.visible ?? null,
      heldBackReason: pub?.heldBackReason ?? null,
      openReview: last && last.decision === null ? (last.kind as ReviewKind) : null,
      returnNote: returned ? this.openText(last.note, last.id, 'note') : null,
      returnedWhat: returned ? (last.kind as ReviewKind) : null,
      withdrawable: PUBLIC_STATUSES.includes(need.status as NeedStatus) && !(last && last.decision === null),
      };
    });
  }

  /**
   * The author rewrites a draft's description (after a return, say). Only drafts change: what a
   * supervisor sees awaiting approval is exactly what would be published.
   */
  async revise(viewer: Viewer, organizationId: string, needId: string, description: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    await this.deps.db.transaction(async (tx) => {
      const need = await this.ownNeed(tx, organizationId, needId);
      if (need.status !== 'draft') throw new RuleViolationError('needs.status.cannot_revise', { status: t(`needs.status.${need.status}`) });
      await tx.update(needs).set({ description: this.deps.cipher.encrypt(description, this.context(needId)), updatedAt: this.now() }).where(and(eq(needs.id, needId), eq(needs.status, 'draft')));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.revise', subjectType: 'need', subjectId: needId }, tx);
    });
  }

  /** Refuses a description with personal information in it, naming what was found (so it is fixed before anyone reviews it). */
  private async refusePii(need: NeedRow, description: string, t: Translate): Promise<void> {
    const spans = findPii(description, await this.deps.children.scrubTerms(need.childId));
    if (spans.length > 0) {
      const found = spans.map((s) => `「${s.text}」（${t(`pii.${s.kind}`)}）`).join(t('needs.publish.separator'));
      throw new PiiFoundError(spans, redactPreview(description, spans), found);
    }
  }

  private async ownNeed(tx: Database | Tx, organizationId: string, needId: string): Promise<NeedRow> {
    const need = await tx.query.needs.findFirst({ where: and(eq(needs.id, needId), eq(needs.organizationId, organizationId)) });
    if (!need) throw new NotFoundError('need');
    return need;
  }

  private async openReview(tx: Database | Tx, needId: string): Promise<ReviewRow | undefined> {
    return tx.query.needReviews.findFirst({ where: and(eq(needReviews.needId, needId), isNull(needReviews.decision)) });
  }

  /**
   * Submits a draft need for publication: the description is scrubbed now (refused, with the
   * offending spans, when it may identify someone) and the k-anonymity preview computed, so the
   * author fixes both before a supervisor sees it. The need then awaits approval.
   */
  async submit(viewer: Viewer, organizationId: string, needId: string, t: Translate): Promise<{ preview: TuplePreview }> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const need = await this.ownNeed(this.deps.db, organizationId, needId);
    if (!canTransition(need.status as NeedStatus, 'awaiting_approval')) throw new RuleViolationError('needs.status.cannot_submit', { status: t(`needs.status.${need.status}`) });
    await this.refusePii(need, this.deps.cipher.decrypt(need.description, this.context(need.id)), t);
    const preview = (await this.previews([need.childId])).get(need.childId)!;
    await this.deps.db.transaction(async (tx) => {
      const moved = await tx.update(needs).set({ status: 'awaiting_approval', updatedAt: this.now() }).where(and(eq(needs.id, needId), eq(needs.status, need.status))).returning({ id: needs.id });
      if (moved.length === 0) throw new RuleViolationError('needs.status.changed');
      await tx.insert(needReviews).values({ id: crypto.randomUUID(), needId, organizationId, kind: 'publication', requestedBy: actor.userId, requestedAt: this.now() });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.submit', subjectType: 'need', subjectId: needId, detail: { heldBack: preview.heldBack } }, tx);
    });
    return { preview };
  }

  /**
   * A supervisor approves the open request on a need, never their own (nor one on a need they
   * wrote). A publication is then published as it always was: random public code, the whole
   * published set re-anonymized (a need that would single a child out is held back), matching
   * run for it. A withdrawal takes the need off the board.
   */
  async approve(viewer: Viewer, organizationId: string, needId: string, t: Translate): Promise<{ kind: ReviewKind; publicCode: string | null; visible: boolean; heldBackReason: string | null }> {
    const { actor } = requireOrgRole(viewer, organizationId, NEED_APPROVER_ROLES);
    const need = await this.ownNeed(this.deps.db, organizationId, needId);
    const review = await this.openReview(this.deps.db, needId);
    if (!review) throw new RuleViolationError('needs.review.none');
    if (!mayDecideReview(review, need, actor.userId)) throw new RuleViolationError('needs.review.own');
    const kind = review.kind as ReviewKind;
    const description = this.deps.cipher.decrypt(need.description, this.context(need.id));
    // The child's record may have changed since submission (a new guardian's name): scrub again.
    if (review.kind === 'publication') await this.refusePii(need, description, t);
    const child = (await this.deps.db.query.children.findFirst({ where: eq(children.id, need.childId) }))!;
    const result = await this.deps.db.transaction(async (tx) => {
      await this.decide(tx, review, 'approved', actor.userId, null);
      if (kind === 'withdrawal') {
        await this.takeOff(tx, need, 'withdrawn');
        await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.withdraw', subjectType: 'need', subjectId: needId, reason: this.openText(review.reason, review.id, 'reason'), detail: { requestedBy: review.requestedBy, approvedBy: actor.userId } }, tx);
        return { kind, publicCode: null, visible: false, heldBackReason: null };
      }
      if (!canTransition(need.status as NeedStatus, 'published')) throw new RuleViolationError('needs.status.cannot_publish', { status: t(`needs.status.${need.status}`) });
      const existing = await tx.query.publishedNeeds.findFirst({ where: eq(publishedNeeds.needId, needId) });
      const publicCode = existing?.publicCode ?? newPublicCode((max) => crypto.randomInt(max));
      const values = { kind: need.kind, urgency: need.urgency, description, difficultyType: child.difficultyType, amountFen: need.amountFen, publishedAt: this.now(), visible: false };
      if (existing) await tx.update(publishedNeeds).set(values).where(eq(publishedNeeds.needId, needId));
      else await tx.insert(publishedNeeds).values({ needId, publicCode, ...values });
      const moved = await tx.update(needs).set({ status: 'published', updatedAt: this.now() }).where(and(eq(needs.id, needId), eq(needs.status, 'awaiting_approval'))).returning({ id: needs.id });
      if (moved.length === 0) throw new RuleViolationError('needs.status.changed');
      await this.reanonymize(tx);
      const after = (await tx.query.publishedNeeds.findFirst({ where: eq(publishedNeeds.needId, needId) }))!;
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.publish', subjectType: 'need', subjectId: needId, detail: { publicCode, visible: after.visible, requestedBy: review.requestedBy, approvedBy: actor.userId } }, tx);
      return { kind, publicCode, visible: after.visible, heldBackReason: after.heldBackReason };
    });
    await this.announceBoardCount();
    if (result.kind === 'publication') {
      // Matching failing must not undo a publication that has committed; the scheduled run catches up.
      await this.deps.rematch?.({ needIds: [needId] }).catch((err) => this.deps.logger?.warn('matching after publication failed', { err }));
    }
    return result;
  }

  /**
   * A supervisor returns the open request with a note the author reads: a publication goes back
   * to draft, a withdrawal is not done and the need stays as it is. Four-eyes as for approval.
   */
  async returnToAuthor(viewer: Viewer, organizationId: string, needId: string, note: string): Promise<{ kind: ReviewKind }> {
    const { actor } = requireOrgRole(viewer, organizationId, NEED_APPROVER_ROLES);
    return this.deps.db.transaction(async (tx) => {
      const need = await this.ownNeed(tx, organizationId, needId);
      const review = await this.openReview(tx, needId);
      if (!review) throw new RuleViolationError('needs.review.none');
      if (!mayDecideReview(review, need, actor.userId)) throw new RuleViolationError('needs.review.own');
      await this.decide(tx, review, 'returned', actor.userId, note);
      if (review.kind === 'publication') {
        const moved = await tx.update(needs).set({ status: 'draft', updatedAt: this.now() }).where(and(eq(needs.id, needId), eq(needs.status, 'awaiting_approval'))).returning({ id: needs.id });
        if (moved.length === 0) throw new RuleViolationError('needs.status.changed');
      }
      // The note may quote what identified the child: it stays encrypted in the review, not copied here.
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.return', subjectType: 'need', subjectId: needId, detail: { kind: review.kind, requestedBy: review.requestedBy } }, tx);
      return { kind: review.kind as ReviewKind };
    });
  }

  /** Records the decision on a review once; a second decision racing it finds it decided and changes nothing. */
  private async decide(tx: Tx, review: ReviewRow, decision: 'approved' | 'returned', deciderUserId: string, note: string | null): Promise<void> {
    const decided = await tx
      .update(needReviews)
      .set({ decision, decidedBy: deciderUserId, decidedAt: this.now(), note: note === null ? null : this.deps.cipher.encrypt(note, this.reviewContext(review.id, 'note')) })
      .where(and(eq(needReviews.id, review.id), isNull(needReviews.decision)))
      .returning({ id: needReviews.id });
    if (decided.length === 0) throw new RuleViolationError('needs.status.changed');
  }

  /** The tuple each child would be published under now, over the current published set (one child at a time, as approval would). */
  private async previews(childIds: string[]): Promise<Map<string, TuplePreview>> {
    const { population } = await this.publishedPopulation(this.deps.db);
    const rows = childIds.length ? await this.deps.db.select().from(children).where(inArray(children.id, childIds)) : [];
    const out = new Map<string, TuplePreview>();
    for (const c of rows) {
      const d = chooseGeneralization(this.publicationRecord(c), [...population.values()], this.deps.kAnonymity);
      out.set(c.id, d.heldBack ? { heldBack: true, reason: d.reason } : { heldBack: false, ageBand: d.ageBand, sex: d.sex, regionName: fullName(d.regionCode), childClass: d.childClass });
    }
    return out;
  }

  /** A supervisor's queue: the organization's open publication and withdrawal requests, oldest first, a page at a time. */
  async approvalQueue(viewer: Viewer, organizationId: string, page: number): Promise<{ reviews: NeedReviewView[]; total: number; pageSize: number }> {
    const { actor } = requireOrgRole(viewer, organizationId, NEED_APPROVER_ROLES);
    const where = and(eq(needReviews.organizationId, organizationId), isNull(needReviews.decision));
    const [rows, [{ total }]] = await Promise.all([
      this.deps.db
        .select({ review: needReviews, need: needs, requestedByName: users.displayName, publicCode: publishedNeeds.publicCode })
        .from(needReviews)
        .innerJoin(needs, eq(needs.id, needReviews.needId))
        .innerJoin(users, eq(users.id, needReviews.requestedBy))
        .leftJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
        .where(where)
        .orderBy(asc(needReviews.requestedAt), asc(needReviews.id))
        .limit(QUEUE_PAGE)
        .offset((page - 1) * QUEUE_PAGE),
      this.deps.db.select({ total: count() }).from(needReviews).where(where),
    ]);
    const previews = await this.previews(rows.filter((r) => r.review.kind === 'publication').map((r) => r.need.childId));
    const reviews: NeedReviewView[] = [];
    for (const { review, need, requestedByName, publicCode } of rows) {
      const description = this.deps.cipher.decrypt(need.description, this.context(need.id));
      reviews.push({
        needId: need.id,
        childId: need.childId,
        kind: review.kind as ReviewKind,
        needKind: need.kind,
        urgency: need.urgency,
        amountFen: need.amountFen,
        preview: redactPreview(description, findPii(description, await this.deps.children.scrubTerms(need.childId))),
        needStatus: need.status,
        publicCode,
        requestedByName,
        requestedAt: review.requestedAt,
        reason: this.openText(review.reason, review.id, 'reason'),
        tuple: previews.get(need.childId) ?? null,
        mayDecide: mayDecideReview(review, need, actor.userId),
      });
    }
    return { reviews, total, pageSize: QUEUE_PAGE };
  }

  /** Tells every open board page the new number of public needs (after the change has committed). */
  private async announceBoardCount(): Promise<void> {
    this.deps.publicCache?.invalidate();
    if (!this.deps.hub) return;
    const [{ total }] = await this.deps.db.select({ total: count() }).from(publishedNeeds).where(eq(publishedNeeds.visible, true));
    this.deps.hub.toBoard('figures', { room: 'board', values: { total: String(total) } });
  }

  /**
   * Withdraws a need (with a reason). A need being helped (accepted by a project, help under way,
   * or paired with a volunteer) is only asked to be withdrawn: a supervisor other than the
   * requester approves it. Any other need leaves the public board at once.
   */
  async withdraw(viewer: Viewer, organizationId: string, needId: string, reason: string, t: Translate): Promise<{ withdrawn: boolean }> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const result = await this.deps.db.transaction(async (tx) => {
      const need = await this.ownNeed(tx, organizationId, needId);
      if (!canTransition(need.status as NeedStatus, 'withdrawn')) throw new RuleViolationError('needs.status.cannot_withdraw', { status: t(`needs.status.${need.status}`) });
      if (isBeingHelped(need.status as NeedStatus, (await this.deps.pairedNeed?.(tx, needId)) ?? false)) {
        if (await this.openReview(tx, needId)) throw new RuleViolationError('needs.review.already_requested');
        const id = crypto.randomUUID();
        await tx.insert(needReviews).values({ id, needId, organizationId, kind: 'withdrawal', requestedBy: actor.userId, requestedAt: this.now(), reason: this.deps.cipher.encrypt(reason, this.reviewContext(id, 'reason')) });
        await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.withdraw_request', subjectType: 'need', subjectId: needId, reason }, tx);
        return { withdrawn: false };
      }
      await this.takeOff(tx, need, 'withdrawn');
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.withdraw', subjectType: 'need', subjectId: needId, reason }, tx);
      return { withdrawn: true };
    });
    if (result.withdrawn) await this.announceBoardCount();
    return result;
  }

  /** Withdraws inside the caller's transaction: off the board and out of the anonymized set, which is recomputed. */
  private async takeOff(tx: Tx, need: NeedRow, to: 'withdrawn'): Promise<void> {
    const moved = await tx.update(needs).set({ status: to, updatedAt: this.now() }).where(and(eq(needs.id, need.id), eq(needs.status, need.status))).returning({ id: needs.id });
    if (moved.length === 0) throw new RuleViolationError('needs.status.changed');
    await tx.delete(publishedNeeds).where(eq(publishedNeeds.needId, need.id));
    await this.reanonymize(tx);
  }

  /**
   * Moves a need along the help lifecycle inside the caller's transaction (matching drives
   * published → matched → being_helped → met, or back to published); refused when the need is
   * no longer in `from`. A need leaving the public statuses (met) leaves the board and the
   * anonymized set, which is then recomputed as any publication change requires.
   */
  async advance(tx: Tx, needId: string, from: NeedStatus, to: NeedStatus): Promise<void> {
    if (!canTransition(from, to)) throw new Error(`need transition ${from} → ${to} is not allowed`);
    const moved = await tx.update(needs).set({ status: to, updatedAt: this.now() }).where(and(eq(needs.id, needId), eq(needs.status, from))).returning({ id: needs.id });
    if (moved.length === 0) throw new RuleViolationError('needs.status.changed');
    // The board shows the status; the caller's transaction commits later than this.
    this.deps.publicCache?.changing();
    if (PUBLIC_STATUSES.includes(from) && !PUBLIC_STATUSES.includes(to)) {
      // Kept (its public code names it in help records) but no longer shown or counted.
      await tx.update(publishedNeeds).set({ visible: false, heldBackReason: null, ageBand: null, sex: null, regionCode: null, regionLevel: null, childClass: null }).where(eq(publishedNeeds.needId, needId));
      await this.reanonymize(tx);
    }
  }

  /**
   * Recomputes the public projection of every published need together, so the k-anonymity
   * guarantee holds for the set as a whole (patching one need could single a child out).
   */
  async reanonymize(tx: Database | Tx = this.deps.db): Promise<{ visible: number; heldBack: number }> {
    this.deps.publicCache?.changing();
    const { rows, population } = await this.publishedPopulation(tx);
    const decisions = anonymizePopulation([...population.values()], this.deps.kAnonymity);
    let visible = 0;
    for (const r of rows) {
      const d = decisions.get(r.childId)!;
      const next = d.heldBack
        ? { visible: false, heldBackReason: d.reason, ageBand: null, sex: null, regionCode: null, regionLevel: null, childClass: null }
        : { visible: true, heldBackReason: null, ageBand: d.ageBand, sex: d.sex, regionCode: d.regionCode, regionLevel: d.regionLevel, childClass: d.childClass };
      if (next.visible) visible++;
      const c = r.current;
      if (c.visible !== next.visible || c.heldBackReason !== next.heldBackReason || c.ageBand !== next.ageBand || c.sex !== next.sex || c.regionCode !== next.regionCode || c.regionLevel !== next.regionLevel || c.childClass !== next.childClass) {
        await tx.update(publishedNeeds).set(next).where(eq(publishedNeeds.needId, r.needId));
      }
    }
    return { visible, heldBack: rows.length - visible };
  }

  private publicationRecord(c: { id: string; sex: string; birthMonth: string; countyCode: string; childClass: number }): PublicationRecord {
    return { id: c.id, childAgeYears: ageInYears(`${c.birthMonth}-01`, this.now()), sex: c.sex as 'male' | 'female', countyCode: c.countyCode, childClass: c.childClass as 1 | 2 | 3 | 4 | 5 | 6 };
  }

  /** Every published need with its child, and one publication record per child: what anonymity is counted over. */
  private async publishedPopulation(tx: Database | Tx) {
    const rows = await tx
      .select({ needId: publishedNeeds.needId, childId: needs.childId, sex: children.sex, birthMonth: children.birthMonth, countyCode: children.countyCode, childClass: children.childClass, current: publishedNeeds })
      .from(publishedNeeds)
      .innerJoin(needs, eq(needs.id, publishedNeeds.needId))
      .innerJoin(children, eq(children.id, needs.childId))
      .where(inArray(needs.status, [...PUBLIC_STATUSES]));
    const population = new Map<string, PublicationRecord>();
    for (const r of rows) if (!population.has(r.childId)) population.set(r.childId, this.publicationRecord({ id: r.childId, ...r }));
    return { rows, population };
  }

  private boardWhere(filters: BoardFilters): SQL | undefined {
    const conds: SQL[] = [eq(publishedNeeds.visible, true)];
    if (filters.region) {
      const region = regionByCode(filters.region);
      if (region?.level === 'province') conds.push(sql`left(${publishedNeeds.regionCode}, 2) = ${region.code.slice(0, 2)}`);
      else if (region?.level === 'city') conds.push(sql`left(${publishedNeeds.regionCode}, 4) = ${region.code.slice(0, 4)}`);
      else if (region) conds.push(eq(publishedNeeds.regionCode, region.code));
    }
    if (filters.kind) conds.push(eq(publishedNeeds.kind, filters.kind));
    if (filters.childClass) conds.push(eq(publishedNeeds.childClass, filters.childClass));
    if (filters.ageBand) conds.push(eq(publishedNeeds.ageBand, filters.ageBand));
    if (filters.urgency) conds.push(eq(publishedNeeds.urgency, filters.urgency));
    return and(...conds);
  }

  private toPublic(p: typeof publishedNeeds.$inferSelect, status: string): PublicNeedView {
    return {
      publicCode: p.publicCode,
      kind: p.kind,
      urgency: p.urgency,
      description: p.description,
      ageBand: p.ageBand,
      sex: p.sex,
      regionCode: p.regionCode,
      regionName: p.regionCode ? fullName(p.regionCode) : '',
      regionLevel: p.regionLevel,
      childClass: p.childClass,
      difficultyType: p.difficultyType,
      amountFen: p.amountFen,
      status,
      publishedAt: p.publishedAt,
    };
  }

  /** The public needs board: visible published needs, most urgent first, filtered, a page at a time. */
  async board(filters: BoardFilters, page: number): Promise<{ needs: PublicNeedView[]; total: number; allVisible: number; pageSize: number }> {
    return throughCache(this.deps.publicCache, `board:${JSON.stringify([filters.region, filters.kind, filters.childClass, filters.ageBand, filters.urgency, page])}`, () => this.loadBoard(filters, page));
  }

  private async loadBoard(filters: BoardFilters, page: number): Promise<{ needs: PublicNeedView[]; total: number; allVisible: number; pageSize: number }> {
    const where = this.boardWhere(filters);
    const [rows, [{ total }], [{ allVisible }]] = await Promise.all([
      this.deps.db
        .select({ p: publishedNeeds, status: needs.status })
        .from(publishedNeeds)
        .innerJoin(needs, eq(needs.id, publishedNeeds.needId))
        .where(where)
        .orderBy(desc(publishedNeeds.urgency), asc(publishedNeeds.publishedAt), asc(publishedNeeds.publicCode))
        .limit(BOARD_PAGE)
        .offset((page - 1) * BOARD_PAGE),
      this.deps.db.select({ total: count() }).from(publishedNeeds).where(where),
      this.deps.db.select({ allVisible: count() }).from(publishedNeeds).where(eq(publishedNeeds.visible, true)),
    ]);
    return { needs: rows.map((r) => this.toPublic(r.p, r.status)), total, allVisible, pageSize: BOARD_PAGE };
  }

  /** Counts of visible needs per region one level below `parent` (provinces when none), for the board's region list. */
  async countsByRegion(parent?: string): Promise<Array<{ code: string; name: string; count: number }>> {
    return throughCache(this.deps.publicCache, `regions:${parent ?? ''}`, () => this.loadCountsByRegion(parent));
  }

  private async loadCountsByRegion(parent?: string): Promise<Array<{ code: string; name: string; count: number }>> {
    const region = parent ? regionByCode(parent) : undefined;
    const prefixLen = !region ? 2 : region.level === 'province' ? 4 : 6;
    const filterLen = !region ? 0 : region.level === 'province' ? 2 : 4;
    // The length is inlined (a computed integer, not input) so SELECT and GROUP BY are the same expression.
    const key = sql<string>`left(${publishedNeeds.regionCode}, ${sql.raw(String(prefixLen))})`;
    const rows = await this.deps.db
      .select({ key, n: count() })
      .from(publishedNeeds)
      .where(and(eq(publishedNeeds.visible, true), region && filterLen ? sql`left(${publishedNeeds.regionCode}, ${filterLen}) = ${region.code.slice(0, filterLen)}` : undefined))
      .groupBy(key)
      .orderBy(key);
    return rows.map((r) => {
      const code = r.key.padEnd(6, '0');
      return { code, name: regionByCode(code)?.name ?? code, count: r.n };
    });
  }

  /**
   * What the trace of money shows of needs (`ServedNeedView`), by need id: code, kind and the
   * published region only. A withdrawn need has no public row and is absent from the map.
   */
  async servedViews(needIds: readonly string[]): Promise<Map<string, ServedNeedView>> {
    if (needIds.length === 0) return new Map();
    const rows = await this.deps.db
      .select({ needId: publishedNeeds.needId, publicCode: publishedNeeds.publicCode, kind: publishedNeeds.kind, regionCode: publishedNeeds.regionCode, visible: publishedNeeds.visible })
      .from(publishedNeeds)
      .where(inArray(publishedNeeds.needId, [...needIds]));
    return new Map(rows.map((r) => [r.needId, { publicCode: r.publicCode, kind: r.kind, regionName: r.visible && r.regionCode ? fullName(r.regionCode) : '', listed: r.visible }]));
  }

  /** The need behind a public code on the board, for what other areas show on its page; held-back or withdrawn needs are not found. */
  async listedNeedId(code: string): Promise<string> {
    const [row] = await this.deps.db.select({ needId: publishedNeeds.needId }).from(publishedNeeds).where(listedByCode(code));
    if (!row) throw new NotFoundError('need');
    return row.needId;
  }

  /** One published need by its public code; held-back or withdrawn needs are not found. */
  async byPublicCode(code: string): Promise<PublicNeedView> {
    const [row] = await this.deps.db.select({ p: publishedNeeds, status: needs.status }).from(publishedNeeds).innerJoin(needs, eq(needs.id, publishedNeeds.needId)).where(listedByCode(code));
    if (!row) throw new NotFoundError('need');
    return this.toPublic(row.p, row.status);
  }
}
