import crypto from 'node:crypto';
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { checkIns, needs, organizations, pairingNeeds, pairings, publishedNeeds, users } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, requireVolunteer, type Viewer } from '../lib/authorization';
import type { FieldCipher } from '../lib/crypto';
import { NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { fieldError } from '../lib/validate';
import { fullName } from '../lib/regions';
import { CHILD_RECORD_ROLES, type ChildrenService } from '../children/children.service';
import { PUBLIC_STATUSES } from '../needs/needs.rules';
import { canApply, checkInSchedule, LIVE_PAIRING_STATUSES, nicknameRevealsName, renewedEnd, statusAfter, SUSPENDED_EXPIRED, termEnd, termEnded, VOLUNTEER_VISIBLE_STATUSES, type CheckInEvery, type CheckInSchedule, type PairingStatus } from './pairings.rules';
import { PAIRING_APPROVERS, VOLUNTEER_COORDINATORS } from './volunteers.rules';
import { pairingFacts, volunteerPairingView, type OrgCheckInView, type OrgPairingNeedView, type OrgPairingView, type PublishedNeedFacts, type VolunteerPairingView } from './volunteers.projections';
import type { CheckInInput, PairingChangeInput, PairingInput } from './volunteers.schemas';
import type { VettingService } from './vetting.service';
import type { GuardianService } from './guardian.service';
import { CONTACT_NEED_KINDS } from './consent.rules';
import { findContacts } from './contacts.rules';
import type { Notifier } from '../notifications/notifications.service';

export interface PairingsDeps {
  db: Database;
  audit: AuditService;
  cipher: FieldCipher;
  children: ChildrenService;
  vetting: VettingService;
  /** The guardian's consent, checked before anyone may start (or go on) meeting the child. */
  consent: Pick<GuardianService, 'requireForPairing'>;
  /** Tells people of requests and decisions, after they committed. */
  notifications?: Notifier;
  now?: () => Date;
}

/** Kinds of need a volunteer can help with in person or over video — those whose help meets the child (money and goods go through projects). */
export const VOLUNTEER_NEED_KINDS: readonly string[] = CONTACT_NEED_KINDS;

type PairingRow = typeof pairings.$inferSelect;

/** A pairing the platform suspended, or one whose check-in is missed: enough to tell its organization. */
export interface PairingAlert {
  pairingId: string;
  organizationId: string;
  volunteerUserId: string;
  nickname: string;
}

/** An organization's need that can still be paired, grouped by child without saying who the child is. */
export interface PairableChild {
  childId: string;
  /** 1, 2, 3 … in the list: how the form tells children apart without saying who they are. */
  group: number;
  needs: Array<{ needId: string; publicCode: string; kind: string; ageBand: string | null; regionName: string | null }>;
}

/**
 * Long-term pairings (结对) of vetted volunteers with one child's needs: requested by the
 * organization, approved by a caseworker, then run with check-ins, paused, renewed, closed, and
 * suspended by the platform when the volunteer's background check expires.
 */
export class PairingsService {
  private readonly now: () => Date;
  constructor(private readonly deps: PairingsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private checkInContext = (id: string) => `check_ins.notes:${id}`;

  /** Encrypts check-in notes the way recordCheckIn stores them (for the demo seed, which backdates them). */
  sealCheckInNotes(checkInId: string, notes: string): string {
    return this.deps.cipher.encrypt(notes, this.checkInContext(checkInId));
  }

  private reviewContext = (id: string) => `check_ins.review_note:${id}`;
  private today = () => this.deps.vetting.today();

  /**
   * Suspends every running pairing (active or paused) whose volunteer no longer holds a valid
   * background check with the pairing's organization, and audits each. Runs on a timer and at the
   * start of every read that shows or acts on pairings, so an expiry takes effect the day it happens.
   */
  async suspendExpired(scope: { organizationId?: string; volunteerUserId?: string } = {}): Promise<PairingAlert[]> {
    const conds: SQL[] = [inArray(pairings.status, ['active', 'paused'])];
    if (scope.organizationId) conds.push(eq(pairings.organizationId, scope.organizationId));
    if (scope.volunteerUserId) conds.push(eq(pairings.volunteerUserId, scope.volunteerUserId));
    // Every stored check has an expiry (VettingService stores the default one), so one comparison decides.
    conds.push(sql`not exists (select 1 from volunteer_vettings v where v.organization_id = "pairings"."organization_id" and v.volunteer_user_id = "pairings"."volunteer_user_id" and v.background_check_expires_on >= ${this.today()}::date)`);
    return this.deps.db.transaction(async (tx) => {
      const rows = await tx
        .update(pairings)
        .set({ status: 'suspended', statusReason: SUSPENDED_EXPIRED, updatedAt: this.now() })
        .where(and(...conds))
        .returning({ pairingId: pairings.id, organizationId: pairings.organizationId, volunteerUserId: pairings.volunteerUserId, nickname: pairings.nickname });
      for (const r of rows) {
        await this.deps.audit.record({ actorUserId: null, organizationId: r.organizationId, action: 'pairing.suspend', subjectType: 'pairing', subjectId: r.pairingId, reason: SUSPENDED_EXPIRED }, tx);
      }
      return rows;
    });
  }

  /** Needs of the organization a volunteer may be paired with: published, of a kind volunteers help with, in no running pairing. */
  async pairableNeeds(organizationId: string): Promise<PairableChild[]> {
    const rows = await this.deps.db
      .select({ needId: needs.id, childId: needs.childId, kind: needs.kind, publicCode: publishedNeeds.publicCode, ageBand: publishedNeeds.ageBand, regionCode: publishedNeeds.regionCode })
      .from(needs)
      .innerJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
      .where(
        and(
          eq(needs.organizationId, organizationId),
          inArray(needs.status, [...PUBLIC_STATUSES]),
          inArray(needs.kind, [...VOLUNTEER_NEED_KINDS]),
          sql`not exists (select 1 from pairing_needs pn join pairings p on p.id = pn.pairing_id where pn.need_id = ${needs.id} and p.status in (${sql.join(LIVE_PAIRING_STATUSES.map((s) => sql`${s}`), sql`, `)}))`,
        ),
      )
      .orderBy(desc(needs.urgency), asc(needs.childId), asc(publishedNeeds.publicCode))
      .limit(200);
    const byChild = new Map<string, PairableChild>();
    for (const r of rows) {
      const child = byChild.get(r.childId) ?? { childId: r.childId, group: byChild.size + 1, needs: [] };
      child.needs.push({ needId: r.needId, publicCode: r.publicCode, kind: r.kind, ageBand: r.ageBand, regionName: r.regionCode ? fullName(r.regionCode) : null });
      byChild.set(r.childId, child);
    }
    return [...byChild.values()];
  }

  /**
   * The organization asks for a pairing of a volunteer with needs of one of its children.
   * Refused, with nothing changed, when the volunteer is not vetted for the role (or the check
   * has expired), when a need is not the organization's, not published, of another child or
   * already in a running pairing, or when the nickname is the child's or a guardian's full name
   * or carries a contact. The caseworker's approval follows; until then the volunteer sees nothing.
   */
  async request(viewer: Viewer, organizationId: string, volunteerUserId: string, input: PairingInput, t: Translate): Promise<{ id: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    await this.deps.vetting.requireVetted(organizationId, volunteerUserId, input.roleKind, t);
    const rows = await this.deps.db
      .select({ id: needs.id, childId: needs.childId, status: needs.status, published: publishedNeeds.needId })
      .from(needs)
      .leftJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
      .where(and(inArray(needs.id, input.needIds), eq(needs.organizationId, organizationId)));
    if (rows.length !== new Set(input.needIds).size) throw new NotFoundError('need');
    if (rows.some((r) => !r.published || !PUBLIC_STATUSES.includes(r.status as (typeof PUBLIC_STATUSES)[number]))) throw fieldError(t, 'needIds', 'volunteers.pairing.need_not_published');
    const childIds = new Set(rows.map((r) => r.childId));
    if (childIds.size > 1) throw fieldError(t, 'needIds', 'volunteers.pairing.one_child');
    const [childId] = childIds;
    const terms = await this.deps.children.scrubTerms(childId);
    if (nicknameRevealsName(input.nickname, terms.names) || findContacts(input.nickname).length > 0) throw fieldError(t, 'nickname', 'volunteers.pairing.nickname_reveals');
    const id = crypto.randomUUID();
    await this.deps.db.transaction(async (tx) => {
      const taken = await tx
        .select({ needId: pairingNeeds.needId })
        .from(pairingNeeds)
        .innerJoin(pairings, eq(pairings.id, pairingNeeds.pairingId))
        .where(and(inArray(pairingNeeds.needId, input.needIds), inArray(pairings.status, [...LIVE_PAIRING_STATUSES])));
      if (taken.length > 0) throw fieldError(t, 'needIds', 'volunteers.pairing.need_taken');
      await tx.insert(pairings).values({ id, organizationId, volunteerUserId, roleKind: input.roleKind, nickname: input.nickname, termMonths: input.termMonths, checkInEvery: input.checkInEvery, requestedBy: actor.userId });
      await tx.insert(pairingNeeds).values(input.needIds.map((needId) => ({ pairingId: id, needId })));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'pairing.request', subjectType: 'pairing', subjectId: id, detail: { volunteerUserId, needIds: input.needIds, roleKind: input.roleKind } }, tx);
    });
    await this.deps.notifications?.tell({ organizationId, roles: PAIRING_APPROVERS, exceptUserIds: [actor.userId, volunteerUserId] }, 'pairing_requested', { nickname: input.nickname }, `/org/${organizationId}/volunteers/pairings/${id}`);
    return { id };
  }

  private async own(tx: Database | Tx, organizationId: string, pairingId: string): Promise<PairingRow> {
    const row = await tx.query.pairings.findFirst({ where: and(eq(pairings.id, pairingId), eq(pairings.organizationId, organizationId)) });
    if (!row) throw new NotFoundError('pairing');
    return row;
  }

  private refuse(status: string, t: Translate): never {
    throw new RuleViolationError('volunteers.pairing.wrong_status', { status: t(`volunteers.pairing.status.${status}`) });
  }

  /**
   * A caseworker (or supervisor) of the organization approves a requested pairing: it becomes
   * active today for its term, and only now does the volunteer see it. The person who asked for
   * the pairing cannot approve it: two people decide before a stranger meets a child. The
   * volunteer's vetting is checked again, since it may have expired since the request, and the
   * guardian's consent to this pairing must be in force.
   */
  async approve(viewer: Viewer, organizationId: string, pairingId: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, PAIRING_APPROVERS);
    const p = await this.deps.db.transaction(async (tx) => {
      const p = await this.own(tx, organizationId, pairingId);
      if (p.status !== 'requested') this.refuse(p.status, t);
      if (p.requestedBy === actor.userId || p.volunteerUserId === actor.userId) throw new RuleViolationError('volunteers.pairing.approve_own_request');
      await this.deps.vetting.requireVetted(organizationId, p.volunteerUserId, p.roleKind, t, tx);
      await this.deps.consent.requireForPairing(tx, pairingId);
      const startOn = this.today();
      await tx.update(pairings).set({ status: 'active', startOn, endOn: termEnd(startOn, p.termMonths), decidedBy: actor.userId, decidedAt: this.now(), updatedAt: this.now() }).where(eq(pairings.id, pairingId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'pairing.approve', subjectType: 'pairing', subjectId: pairingId }, tx);
      return p;
    });
    await this.tellDecision(p, 'pairing_approved', actor.userId);
  }

  /** The requester hears on the organization's page, the volunteer on their own (a declined request is not theirs to open). */
  private async tellDecision(p: PairingRow, kind: 'pairing_approved' | 'pairing_declined', actorUserId: string): Promise<void> {
    const params = { nickname: p.nickname };
    await this.deps.notifications?.tell({ userIds: [p.requestedBy], exceptUserIds: [actorUserId] }, kind, params, `/org/${p.organizationId}/volunteers/pairings/${p.id}`);
    await this.deps.notifications?.tell({ userIds: [p.volunteerUserId], exceptUserIds: [actorUserId] }, kind, params, kind === 'pairing_approved' ? `/volunteer/pairings/${p.id}` : '/volunteer');
  }

  /** A caseworker declines a requested pairing with a note; its needs are free to pair again. */
  async decline(viewer: Viewer, organizationId: string, pairingId: string, note: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, PAIRING_APPROVERS);
    const p = await this.deps.db.transaction(async (tx) => {
      const p = await this.own(tx, organizationId, pairingId);
      if (p.status !== 'requested') this.refuse(p.status, t);
      await tx.update(pairings).set({ status: 'declined', closingNote: note, decidedBy: actor.userId, decidedAt: this.now(), closedAt: this.now(), updatedAt: this.now() }).where(eq(pairings.id, pairingId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'pairing.decline', subjectType: 'pairing', subjectId: pairingId, reason: note }, tx);
      return p;
    });
    await this.tellDecision(p, 'pairing_declined', actor.userId);
  }

  /**
   * Pauses (with a reason), resumes, renews for another term, or closes (with a reason and a
   * closing note) a pairing. Resuming and renewing need a valid vetting again and the guardian's
   * consent in force (a pairing paused because consent was withdrawn resumes only after a new one).
   */
  async change(viewer: Viewer, organizationId: string, pairingId: string, input: PairingChangeInput, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    await this.suspendExpired({ organizationId });
    await this.deps.db.transaction(async (tx) => {
      const p = await this.own(tx, organizationId, pairingId);
      if (!canApply(input.action, p.status as PairingStatus)) this.refuse(p.status, t);
      if (input.action === 'resume' || input.action === 'renew') {
        await this.deps.vetting.requireVetted(organizationId, p.volunteerUserId, p.roleKind, t, tx);
        await this.deps.consent.requireForPairing(tx, pairingId);
      }
      const now = this.now();
      const values: Partial<typeof pairings.$inferInsert> = { status: statusAfter(input.action), updatedAt: now };
      if (input.action === 'pause') values.statusReason = input.reason;
      if (input.action === 'resume') values.statusReason = null;
      if (input.action === 'renew') Object.assign(values, { endOn: renewedEnd(p.endOn ?? this.today(), this.today(), p.termMonths), renewals: p.renewals + 1, statusReason: null });
      if (input.action === 'close') Object.assign(values, { statusReason: input.reason, closingNote: input.closingNote, closedAt: now });
      await tx.update(pairings).set(values).where(eq(pairings.id, pairingId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: `pairing.${input.action}`, subjectType: 'pairing', subjectId: pairingId, reason: input.reason, detail: { from: p.status } }, tx);
    });
  }

  private async lastCheckIns(pairingIds: string[]): Promise<Map<string, string>> {
    if (pairingIds.length === 0) return new Map();
    const rows = await this.deps.db
      .select({ pairingId: checkIns.pairingId, last: sql<string>`max(${checkIns.occurredOn})::text` })
      .from(checkIns)
      .where(inArray(checkIns.pairingId, pairingIds))
      .groupBy(checkIns.pairingId);
    return new Map(rows.map((r) => [r.pairingId, r.last]));
  }

  private scheduleOf(p: Pick<PairingRow, 'status' | 'startOn' | 'checkInEvery'>, last: string | undefined, today = this.today()): CheckInSchedule | null {
    if (p.status !== 'active' || !p.startOn) return null;
    return checkInSchedule({ startOn: p.startOn, every: p.checkInEvery as CheckInEvery, lastCheckInOn: last ?? null }, today);
  }

  /**
   * Active pairings whose check-in is missed (due more than the grace period ago), with how late
   * they are; for one organization or all, as of `today` (the service's clock unless given).
   * For the organization's pages and for the reminders.
   */
  async missedCheckIns(organizationId?: string, today = this.today()): Promise<Array<PairingAlert & { schedule: CheckInSchedule; volunteerName: string }>> {
    const rows = await this.deps.db
      .select({ p: pairings, volunteerName: users.displayName })
      .from(pairings)
      .innerJoin(users, eq(users.id, pairings.volunteerUserId))
      .where(and(eq(pairings.status, 'active'), organizationId ? eq(pairings.organizationId, organizationId) : undefined));
    const last = await this.lastCheckIns(rows.map((r) => r.p.id));
    const out = [];
    for (const { p, volunteerName } of rows) {
      const schedule = this.scheduleOf(p, last.get(p.id), today);
      if (schedule?.missed) out.push({ pairingId: p.id, organizationId: p.organizationId, volunteerUserId: p.volunteerUserId, nickname: p.nickname, volunteerName, schedule });
    }
    return out.sort((a, b) => b.schedule.daysOverdue - a.schedule.daysOverdue);
  }

  /** An organization's pairings (optionally of one volunteer), newest first, with their schedules; for its own pages. */
  async listForOrganization(organizationId: string, volunteerUserId?: string) {
    const rows = await this.deps.db
      .select({ p: pairings, volunteerName: users.displayName })
      .from(pairings)
      .innerJoin(users, eq(users.id, pairings.volunteerUserId))
      .where(and(eq(pairings.organizationId, organizationId), volunteerUserId ? eq(pairings.volunteerUserId, volunteerUserId) : undefined))
      .orderBy(desc(pairings.createdAt), asc(pairings.id));
    const last = await this.lastCheckIns(rows.map((r) => r.p.id));
    const today = this.today();
    return rows.map(({ p, volunteerName }) => ({ ...p, volunteerName, schedule: this.scheduleOf(p, last.get(p.id)), termEnded: p.status === 'active' && termEnded(p.endOn, today) }));
  }

  /**
   * One pairing as its organization sees it. Check-in notes are about a child, so they are
   * decrypted only for those who keep children's records (caseworkers, supervisors, admins),
   * and that read is audited.
   */
  async forOrganization(viewer: Viewer, organizationId: string, pairingId: string): Promise<OrgPairingView & { canApprove: boolean; canReadNotes: boolean }> {
    const { actor, membership } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    await this.suspendExpired({ organizationId });
    const p = await this.own(this.deps.db, organizationId, pairingId);
    const canReadNotes = membership.roles.some((r) => (CHILD_RECORD_ROLES as readonly string[]).includes(r));
    const canApprove = membership.roles.some((r) => (PAIRING_APPROVERS as readonly string[]).includes(r)) && p.requestedBy !== actor.userId;
    const [people, needRows, checkInRows, last] = await Promise.all([
      this.deps.db.select({ id: users.id, displayName: users.displayName }).from(users).where(inArray(users.id, [p.volunteerUserId, p.requestedBy])),
      this.deps.db
        .select({ needId: needs.id, childId: needs.childId, kind: needs.kind, publicCode: publishedNeeds.publicCode, ageBand: publishedNeeds.ageBand, regionCode: publishedNeeds.regionCode })
        .from(pairingNeeds)
        .innerJoin(needs, eq(needs.id, pairingNeeds.needId))
        .leftJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
        .where(eq(pairingNeeds.pairingId, pairingId)),
      this.deps.db.select().from(checkIns).where(eq(checkIns.pairingId, pairingId)).orderBy(desc(checkIns.occurredOn), desc(checkIns.createdAt)),
      this.lastCheckIns([pairingId]),
    ]);
    const nameOf = (id: string) => people.find((u) => u.id === id)?.displayName ?? '';
    if (canReadNotes && checkInRows.length > 0) {
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'pairing.view', subjectType: 'pairing', subjectId: pairingId, reason: 'check-in notes' });
    }
    const needViews: OrgPairingNeedView[] = needRows.map((n) => ({ needId: n.needId, childId: n.childId, publicCode: n.publicCode ?? '', kind: n.kind, ageBand: n.ageBand, regionName: n.regionCode ? fullName(n.regionCode) : null }));
    const checkInViews: OrgCheckInView[] = checkInRows.map((c) => ({
      id: c.id,
      occurredOn: c.occurredOn,
      mode: c.mode,
      minutes: c.minutes,
      guardianPresent: c.guardianPresent,
      caseworkerPresent: c.caseworkerPresent,
      notes: canReadNotes ? this.deps.cipher.decrypt(c.notes, this.checkInContext(c.id)) : null,
      reviewedAt: c.reviewedAt,
      reviewNote: canReadNotes && c.reviewNote ? this.deps.cipher.decrypt(c.reviewNote, this.reviewContext(c.id)) : null,
    }));
    return {
      ...pairingFacts(p),
      volunteerUserId: p.volunteerUserId,
      volunteerName: nameOf(p.volunteerUserId),
      requestedByName: nameOf(p.requestedBy),
      statusReason: p.statusReason,
      closingNote: p.closingNote,
      schedule: this.scheduleOf(p, last.get(p.id)),
      termEnded: p.status === 'active' && termEnded(p.endOn, this.today()),
      needs: needViews,
      checkIns: checkInViews,
      canApprove,
      canReadNotes,
    };
  }

  /** The pairings a volunteer sees (approved and not ended), as VolunteerPairingView; `pairingId` narrows to one. */
  async viewsForVolunteer(volunteerUserId: string, pairingId?: string): Promise<VolunteerPairingView[]> {
    await this.suspendExpired({ volunteerUserId });
    const rows = await this.deps.db
      .select({ p: pairings, organizationName: organizations.name })
      .from(pairings)
      .innerJoin(organizations, eq(organizations.id, pairings.organizationId))
      .where(and(eq(pairings.volunteerUserId, volunteerUserId), inArray(pairings.status, [...VOLUNTEER_VISIBLE_STATUSES]), pairingId ? eq(pairings.id, pairingId) : undefined))
      .orderBy(asc(pairings.startOn), asc(pairings.id));
    const ids = rows.map((r) => r.p.id);
    if (ids.length === 0) return [];
    // Only the published projection's columns: the volunteer's side never reads the children table.
    const [needRows, checkInRows, last] = await Promise.all([
      this.deps.db
        .select({ pairingId: pairingNeeds.pairingId, kind: publishedNeeds.kind, ageBand: publishedNeeds.ageBand, regionCode: publishedNeeds.regionCode, description: publishedNeeds.description, visible: publishedNeeds.visible })
        .from(pairingNeeds)
        .innerJoin(publishedNeeds, eq(publishedNeeds.needId, pairingNeeds.needId))
        .where(inArray(pairingNeeds.pairingId, ids)),
      pairingId ? this.deps.db.select().from(checkIns).where(eq(checkIns.pairingId, pairingId)).orderBy(desc(checkIns.occurredOn), desc(checkIns.createdAt)) : Promise.resolve([]),
      this.lastCheckIns(ids),
    ]);
    const today = this.today();
    return rows.map(({ p, organizationName }) =>
      volunteerPairingView(p, {
        organizationName,
        needs: needRows.filter((n) => n.pairingId === p.id) satisfies PublishedNeedFacts[],
        checkIns: checkInRows
          .filter((c) => c.pairingId === p.id)
          .map((c) => ({ id: c.id, occurredOn: c.occurredOn, mode: c.mode, minutes: c.minutes, notes: this.deps.cipher.decrypt(c.notes, this.checkInContext(c.id)), reviewed: c.reviewedAt !== null })),
        schedule: this.scheduleOf(p, last.get(p.id)),
        termEnded: p.status === 'active' && termEnded(p.endOn, today),
      }),
    );
  }

  /** One of the volunteer's own pairings, as they see it; a pairing not yet approved (or ended) is not found. */
  async forVolunteer(viewer: Viewer, pairingId: string): Promise<VolunteerPairingView> {
    const actor = requireVolunteer(viewer);
    const [view] = await this.viewsForVolunteer(actor.userId, pairingId);
    if (!view) throw new NotFoundError('pairing');
    return view;
  }

  /**
   * The volunteer records a check-in of an active pairing — with who else was there, the
   * guardian, the caseworker, both or neither: not in the future, not before the pairing
   * started. The notes are about a child and so are encrypted.
   */
  async recordCheckIn(viewer: Viewer, pairingId: string, input: CheckInInput, t: Translate): Promise<void> {
    const actor = requireVolunteer(viewer);
    await this.suspendExpired({ volunteerUserId: actor.userId });
    const today = this.today();
    await this.deps.db.transaction(async (tx) => {
      const p = await tx.query.pairings.findFirst({ where: and(eq(pairings.id, pairingId), eq(pairings.volunteerUserId, actor.userId), inArray(pairings.status, [...VOLUNTEER_VISIBLE_STATUSES])) });
      if (!p) throw new NotFoundError('pairing');
      if (p.status !== 'active') throw new RuleViolationError('volunteers.check_in.not_active', { status: t(`volunteers.pairing.status.${p.status}`) });
      if (input.occurredOn > today) throw fieldError(t, 'occurredOn', 'volunteers.date.future');
      if (p.startOn && input.occurredOn < p.startOn) throw fieldError(t, 'occurredOn', 'volunteers.check_in.before_start', { startOn: p.startOn });
      const id = crypto.randomUUID();
      await tx.insert(checkIns).values({ id, pairingId, occurredOn: input.occurredOn, mode: input.mode, minutes: input.minutes, notes: this.deps.cipher.encrypt(input.notes, this.checkInContext(id)), guardianPresent: input.guardianPresent, caseworkerPresent: input.caseworkerPresent, recordedBy: actor.userId });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId: p.organizationId, action: 'check_in.create', subjectType: 'pairing', subjectId: pairingId, detail: { checkInId: id, occurredOn: input.occurredOn, mode: input.mode } }, tx);
    });
  }

  /** A caseworker marks a check-in as reviewed, with an optional note kept inside the organization. */
  async reviewCheckIn(viewer: Viewer, organizationId: string, pairingId: string, checkInId: string, note: string | null): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, PAIRING_APPROVERS);
    await this.deps.db.transaction(async (tx) => {
      await this.own(tx, organizationId, pairingId);
      const done = await tx
        .update(checkIns)
        .set({ reviewedBy: actor.userId, reviewedAt: this.now(), reviewNote: note ? this.deps.cipher.encrypt(note, this.reviewContext(checkInId)) : null })
        .where(and(eq(checkIns.id, checkInId), eq(checkIns.pairingId, pairingId)))
        .returning({ id: checkIns.id });
      if (done.length === 0) throw new NotFoundError('check-in');
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'check_in.review', subjectType: 'pairing', subjectId: pairingId, detail: { checkInId } }, tx);
    });
  }

  /** The volunteer's active pairings (id, nickname, organization), for logging hours against one. */
  async activeForVolunteer(volunteerUserId: string): Promise<Array<{ id: string; nickname: string; organizationId: string; organizationName: string }>> {
    return this.deps.db
      .select({ id: pairings.id, nickname: pairings.nickname, organizationId: pairings.organizationId, organizationName: organizations.name })
      .from(pairings)
      .innerJoin(organizations, eq(organizations.id, pairings.organizationId))
      .where(and(eq(pairings.volunteerUserId, volunteerUserId), eq(pairings.status, 'active')))
      .orderBy(asc(pairings.nickname));
  }

  /**
   * An active pairing of the volunteer to log hours against, with the region its hours count for:
   * the county (or wider area) the needs are published under. Not found unless active.
   */
  async loggable(tx: Database | Tx, volunteerUserId: string, pairingId: string): Promise<{ organizationId: string; startOn: string | null; regionCode: string | null }> {
    const p = await tx.query.pairings.findFirst({ where: and(eq(pairings.id, pairingId), eq(pairings.volunteerUserId, volunteerUserId), eq(pairings.status, 'active')) });
    if (!p) throw new NotFoundError('pairing');
    const [region] = await tx
      .select({ regionCode: publishedNeeds.regionCode })
      .from(pairingNeeds)
      .innerJoin(publishedNeeds, eq(publishedNeeds.needId, pairingNeeds.needId))
      .where(and(eq(pairingNeeds.pairingId, pairingId), eq(publishedNeeds.visible, true)))
      .limit(1);
    return { organizationId: p.organizationId, startOn: p.startOn, regionCode: region?.regionCode ?? null };
  }

  /** Whether a live pairing (requested, active, paused or suspended) covers the need: withdrawing it then needs a second person. */
  async coversNeed(tx: Database | Tx, needId: string): Promise<boolean> {
    const [row] = await tx
      .select({ id: pairings.id })
      .from(pairingNeeds)
      .innerJoin(pairings, eq(pairings.id, pairingNeeds.pairingId))
      .where(and(eq(pairingNeeds.needId, needId), inArray(pairings.status, [...LIVE_PAIRING_STATUSES])))
      .limit(1);
    return Boolean(row);
  }

  /** Nicknames of pairings by id, for lists that name them (hour logs). */
  async nicknames(pairingIds: string[]): Promise<Map<string, string>> {
    if (pairingIds.length === 0) return new Map();
    const rows = await this.deps.db.select({ id: pairings.id, nickname: pairings.nickname }).from(pairings).where(inArray(pairings.id, pairingIds));
    return new Map(rows.map((r) => [r.id, r.nickname]));
  }
}
