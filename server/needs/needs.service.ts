import crypto from 'node:crypto';
import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { children, needs, publishedNeeds } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import type { FieldCipher } from '../lib/crypto';
import { NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { fullName, regionByCode } from '../lib/regions';
import { CHILD_RECORD_ROLES, type ChildrenService } from '../children/children.service';
import type { NeedInput } from '../children/children.schemas';
import { anonymizePopulation, ageInYears, type PublicationRecord } from './publication.rules';
import { findPii, redactPreview, type PiiSpan } from './scrub.rules';
import { canTransition, isPublicCodeShape, needDescriptionContext, newPublicCode, PUBLIC_STATUSES, type NeedStatus } from './needs.rules';
import type { CaseworkerNeedView, PublicNeedView } from './needs.projections';
import type { RealtimeHub } from '../realtime/hub';
import type { Logger } from '../lib/logger';

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
  logger?: Logger;
  now?: () => Date;
}

export interface BoardFilters {
  region?: string;
  kind?: string;
  childClass?: number;
  ageBand?: string;
  urgency?: number;
}

const BOARD_PAGE = 20;

export class NeedsService {
  private readonly now: () => Date;
  constructor(private readonly deps: NeedsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private context = needDescriptionContext;

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
    return rows.map(({ need, pub }) => ({
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
    }));
  }

  /**
   * Publishes a draft need as an anonymized need. Refused when the description contains an ID
   * number, phone, address, school or a name (the offending spans are returned). Otherwise it
   * gets a random public code, and the whole published set is re-anonymized so every
   * combination of region, age band, sex and class covers at least k children; a need that
   * would break that is held back (not shown) and the caseworker is told why.
   */
  async publish(viewer: Viewer, organizationId: string, needId: string, t: Translate): Promise<{ publicCode: string; visible: boolean; heldBackReason: string | null }> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const need = await this.deps.db.query.needs.findFirst({ where: and(eq(needs.id, needId), eq(needs.organizationId, organizationId)) });
    if (!need) throw new NotFoundError('need');
    if (!canTransition(need.status as NeedStatus, 'published')) throw new RuleViolationError('needs.status.cannot_publish', { status: t(`needs.status.${need.status}`) });
    const description = this.deps.cipher.decrypt(need.description, this.context(need.id));
    const spans = findPii(description, await this.deps.children.scrubTerms(need.childId));
    if (spans.length > 0) {
      const found = spans.map((s) => `「${s.text}」（${t(`pii.${s.kind}`)}）`).join(t('needs.publish.separator'));
      throw new PiiFoundError(spans, redactPreview(description, spans), found);
    }
    const child = (await this.deps.db.query.children.findFirst({ where: eq(children.id, need.childId) }))!;
    const result = await this.deps.db.transaction(async (tx) => {
      const existing = await tx.query.publishedNeeds.findFirst({ where: eq(publishedNeeds.needId, needId) });
      const publicCode = existing?.publicCode ?? newPublicCode((max) => crypto.randomInt(max));
      const values = { kind: need.kind, urgency: need.urgency, description, difficultyType: child.difficultyType, amountFen: need.amountFen, publishedAt: this.now(), visible: false };
      if (existing) await tx.update(publishedNeeds).set(values).where(eq(publishedNeeds.needId, needId));
      else await tx.insert(publishedNeeds).values({ needId, publicCode, ...values });
      await tx.update(needs).set({ status: 'published', updatedAt: this.now() }).where(eq(needs.id, needId));
      await this.reanonymize(tx);
      const after = (await tx.query.publishedNeeds.findFirst({ where: eq(publishedNeeds.needId, needId) }))!;
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.publish', subjectType: 'need', subjectId: needId, detail: { publicCode, visible: after.visible } }, tx);
      return { publicCode, visible: after.visible, heldBackReason: after.heldBackReason };
    });
    await this.announceBoardCount();
    // Matching failing must not undo a publication that has committed; the scheduled run catches up.
    await this.deps.rematch?.({ needIds: [needId] }).catch((err) => this.deps.logger?.warn('matching after publication failed', { err }));
    return result;
  }

  /** Tells every open board page the new number of public needs (after the change has committed). */
  private async announceBoardCount(): Promise<void> {
    if (!this.deps.hub) return;
    const [{ total }] = await this.deps.db.select({ total: count() }).from(publishedNeeds).where(eq(publishedNeeds.visible, true));
    this.deps.hub.toBoard('figures', { room: 'board', values: { total: String(total) } });
  }

  /** Withdraws a need (with a reason); it leaves the public board at once. */
  async withdraw(viewer: Viewer, organizationId: string, needId: string, reason: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    await this.deps.db.transaction(async (tx) => {
      const need = await tx.query.needs.findFirst({ where: and(eq(needs.id, needId), eq(needs.organizationId, organizationId)) });
      if (!need) throw new NotFoundError('need');
      if (!canTransition(need.status as NeedStatus, 'withdrawn')) throw new RuleViolationError('needs.status.cannot_withdraw', { status: t(`needs.status.${need.status}`) });
      await tx.update(needs).set({ status: 'withdrawn', updatedAt: this.now() }).where(eq(needs.id, needId));
      await tx.delete(publishedNeeds).where(eq(publishedNeeds.needId, needId));
      await this.reanonymize(tx);
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'need.withdraw', subjectType: 'need', subjectId: needId, reason }, tx);
    });
    await this.announceBoardCount();
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
    const rows = await tx
      .select({ needId: publishedNeeds.needId, childId: needs.childId, sex: children.sex, birthMonth: children.birthMonth, countyCode: children.countyCode, childClass: children.childClass, current: publishedNeeds })
      .from(publishedNeeds)
      .innerJoin(needs, eq(needs.id, publishedNeeds.needId))
      .innerJoin(children, eq(children.id, needs.childId))
      .where(inArray(needs.status, [...PUBLIC_STATUSES]));
    const today = this.now();
    const population = new Map<string, PublicationRecord>();
    for (const r of rows) {
      if (!population.has(r.childId)) population.set(r.childId, { id: r.childId, childAgeYears: ageInYears(`${r.birthMonth}-01`, today), sex: r.sex as 'male' | 'female', countyCode: r.countyCode, childClass: r.childClass as 1 | 2 | 3 | 4 | 5 | 6 });
    }
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

  /** One published need by its public code; held-back or withdrawn needs are not found. */
  async byPublicCode(code: string): Promise<PublicNeedView> {
    if (!isPublicCodeShape(code)) throw new NotFoundError('need');
    const [row] = await this.deps.db
      .select({ p: publishedNeeds, status: needs.status })
      .from(publishedNeeds)
      .innerJoin(needs, eq(needs.id, publishedNeeds.needId))
      .where(and(eq(publishedNeeds.publicCode, code.toUpperCase()), eq(publishedNeeds.visible, true)));
    if (!row) throw new NotFoundError('need');
    return this.toPublic(row.p, row.status);
  }
}
