import crypto from 'node:crypto';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { guardianConsents, guardianContacts, needs, pairingNeeds, pairings, publishedNeeds, users } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import type { FieldCipher } from '../lib/crypto';
import { ConflictError, NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { fieldError } from '../lib/validate';
import { chinaDate } from '../children/id-number.rules';
import { CHILD_RECORD_ROLES } from '../children/children.service';
import type { EvidenceService, UploadedFile } from '../evidence/evidence.service';
import { consentInForce, consentProblems, involvesContact, withdrawalProblems } from './consent.rules';
import { guardianContactSchedule, LIVE_PAIRING_STATUSES, PAUSED_CONSENT_WITHDRAWN, VOLUNTEER_VISIBLE_STATUSES, type CheckInSchedule } from './pairings.rules';
import { PAIRING_APPROVERS } from './volunteers.rules';
import { caseworkerConsent, type CaseworkerConsentView, type ConsentStatusView, type GuardianContactView } from './volunteers.projections';
import type { ConsentInput, GuardianContactInput, WithdrawalInput } from './volunteers.schemas';

export interface GuardianDeps {
  db: Database;
  audit: AuditService;
  cipher: FieldCipher;
  evidence: Pick<EvidenceService, 'check' | 'keep' | 'bytesOf'>;
  now?: () => Date;
}

/** Who reads a guardian's consent, its form and the contacts with the guardian: those who keep the child's record. */
export const GUARDIAN_READERS = CHILD_RECORD_ROLES;
/** Who records and withdraws consent and contacts the guardian: the caseworkers who know the family. */
export const GUARDIAN_KEEPERS = PAIRING_APPROVERS;

/** What a consent is for: one pairing, or help for one need. */
export type ConsentTarget = { purpose: 'pairing'; pairingId: string } | { purpose: 'help'; needId: string };

type ConsentRow = typeof guardianConsents.$inferSelect;

/** The consents of one purpose as the viewer may see them: in full for the child's keepers, else only whether one is in force. */
export type ConsentsView = { canRead: true; canRecord: boolean; inForce: boolean; consents: CaseworkerConsentView[] } | ({ canRead: false; canRecord: false } & ConsentStatusView);

/**
 * The child's guardian in a pairing or in help that meets the child: their consent (recorded,
 * read under audit, withdrawn — which pauses the pairing at once) and the caseworker's monthly
 * contact with them. The guardian's name and every note are encrypted; the signed form lies in
 * the evidence store, readable only through this service by the child's keepers.
 */
export class GuardianService {
  private readonly now: () => Date;
  constructor(private readonly deps: GuardianDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private today = () => chinaDate(this.now());
  private nameContext = (id: string) => `guardian_consents.guardian_name:${id}`;
  private withdrawalContext = (id: string) => `guardian_consents.withdrawal_note:${id}`;
  private contactContext = (id: string) => `guardian_contacts.note:${id}`;

  /** Encrypts a guardian's name and a contact note the way this service stores them (for the demo seed, which backdates them). */
  sealForDemo(kind: 'guardian_name' | 'contact_note', id: string, text: string): string {
    return this.deps.cipher.encrypt(text, kind === 'guardian_name' ? this.nameContext(id) : this.contactContext(id));
  }

  /** The child a consent target concerns, checked to be the organization's (and, for help, of a kind that meets the child). */
  private async childOf(organizationId: string, target: ConsentTarget): Promise<string> {
    if (target.purpose === 'pairing') {
      const [row] = await this.deps.db
        .select({ childId: needs.childId, status: pairings.status })
        .from(pairings)
        .innerJoin(pairingNeeds, eq(pairingNeeds.pairingId, pairings.id))
        .innerJoin(needs, eq(needs.id, pairingNeeds.needId))
        .where(and(eq(pairings.id, target.pairingId), eq(pairings.organizationId, organizationId)))
        .limit(1);
      if (!row) throw new NotFoundError('pairing');
      if (!LIVE_PAIRING_STATUSES.includes(row.status as (typeof LIVE_PAIRING_STATUSES)[number])) throw new RuleViolationError('volunteers.consent.pairing_ended');
      return row.childId;
    }
    const need = await this.deps.db.query.needs.findFirst({ where: and(eq(needs.id, target.needId), eq(needs.organizationId, organizationId)) });
    if (!need) throw new NotFoundError('need');
    if (!involvesContact(need.kind)) throw new RuleViolationError('volunteers.consent.no_contact');
    return need.childId;
  }

  private whereTarget(target: ConsentTarget) {
    return target.purpose === 'pairing' ? eq(guardianConsents.pairingId, target.pairingId) : eq(guardianConsents.needId, target.needId);
  }

  /**
   * A caseworker (or supervisor) records the guardian's consent for a pairing or for help with a
   * need: who consented, their relation, the day, and how — a signed form (PDF, JPEG or PNG, told
   * by its bytes) or spoken in front of the recording caseworker, who is then its witness.
   * Refused, with nothing stored, when the day is in the future, a form is said but none (or a
   * bad one) is uploaded, or a consent for that purpose is already in force.
   */
  async recordConsent(viewer: Viewer, organizationId: string, target: ConsentTarget, input: ConsentInput, files: UploadedFile[], t: Translate): Promise<{ id: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, GUARDIAN_KEEPERS);
    const childId = await this.childOf(organizationId, target);
    const [problem] = consentProblems({ consentedOn: input.consentedOn, method: input.consentMethod, hasForm: files.length > 0 }, this.today());
    if (problem) throw fieldError(t, problem.field, problem.code);
    if (input.consentMethod === 'form') this.deps.evidence.check(files.slice(0, 1), t, 'consentForm');
    const id = crypto.randomUUID();
    await this.deps.db.transaction(async (tx) => {
      const live = await tx.select({ id: guardianConsents.id }).from(guardianConsents).where(and(this.whereTarget(target), isNull(guardianConsents.withdrawnOn))).for('update');
      if (live.length > 0) throw new ConflictError('volunteers.consent.already_in_force');
      // Bytes before the row (as evidence does): a rollback leaves at worst an unreferenced file.
      const form = input.consentMethod === 'form' ? this.deps.evidence.keep(files[0]) : null;
      await tx.insert(guardianConsents).values({
        id,
        organizationId,
        childId,
        purpose: target.purpose,
        pairingId: target.purpose === 'pairing' ? target.pairingId : null,
        needId: target.purpose === 'help' ? target.needId : null,
        guardianName: this.deps.cipher.encrypt(input.guardianName, this.nameContext(id)),
        relation: input.guardianRelation,
        consentedOn: input.consentedOn,
        method: input.consentMethod,
        witnessUserId: input.consentMethod === 'verbal' ? actor.userId : null,
        formSha256: form?.sha256 ?? null,
        formMimeType: form?.mimeType ?? null,
        formBytes: form?.bytes ?? null,
        recordedBy: actor.userId,
      });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'consent.record', subjectType: 'child', subjectId: childId, detail: { consentId: id, ...target, method: input.consentMethod } }, tx);
    });
    return { id };
  }

  /**
   * The guardian withdrew consent: recorded with the day and a note, and every running pairing
   * it covers is paused at once ("consent withdrawn", audited) until a new consent is recorded.
   * The volunteer sees only that the pairing is paused.
   */
  async withdraw(viewer: Viewer, organizationId: string, target: ConsentTarget, consentId: string, input: WithdrawalInput, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, GUARDIAN_KEEPERS);
    await this.deps.db.transaction(async (tx) => {
      const [c] = await tx.select().from(guardianConsents).where(and(eq(guardianConsents.id, consentId), eq(guardianConsents.organizationId, organizationId), this.whereTarget(target))).for('update');
      if (!c) throw new NotFoundError('consent');
      const [problem] = withdrawalProblems(c, input.withdrawnOn, this.today());
      if (problem) throw fieldError(t, problem.field, problem.code, { consentedOn: c.consentedOn });
      await tx
        .update(guardianConsents)
        .set({ withdrawnOn: input.withdrawnOn, withdrawalNote: this.deps.cipher.encrypt(input.withdrawalNote, this.withdrawalContext(c.id)), withdrawnBy: actor.userId, withdrawnAt: this.now() })
        .where(eq(guardianConsents.id, c.id));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'consent.withdraw', subjectType: 'child', subjectId: c.childId, detail: { consentId: c.id, purpose: c.purpose, pairingId: c.pairingId, needId: c.needId } }, tx);
      if (c.pairingId) {
        const paused = await tx
          .update(pairings)
          .set({ status: 'paused', statusReason: PAUSED_CONSENT_WITHDRAWN, updatedAt: this.now() })
          .where(and(eq(pairings.id, c.pairingId), inArray(pairings.status, [...VOLUNTEER_VISIBLE_STATUSES])))
          .returning({ id: pairings.id });
        for (const p of paused) await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'pairing.pause', subjectType: 'pairing', subjectId: p.id, reason: PAUSED_CONSENT_WITHDRAWN }, tx);
      }
    });
  }

  private async inForce(db: Database | Tx, target: ConsentTarget): Promise<boolean> {
    const rows = await db.select({ consentedOn: guardianConsents.consentedOn, withdrawnOn: guardianConsents.withdrawnOn }).from(guardianConsents).where(and(this.whereTarget(target), isNull(guardianConsents.withdrawnOn)));
    return rows.some((c) => consentInForce(c, this.today()));
  }

  /** Rule: a pairing is approved, resumed or renewed only while the guardian's consent to it is in force. */
  async requireForPairing(tx: Database | Tx, pairingId: string): Promise<void> {
    if (!(await this.inForce(tx, { purpose: 'pairing', pairingId }))) throw new RuleViolationError('volunteers.consent.missing_pairing');
  }

  /** Rule: help of a kind that meets the child (`involvesContact`) starts only while the guardian's consent to help with that need is in force. */
  async requireForHelp(tx: Database | Tx, needId: string, kind: string): Promise<void> {
    if (involvesContact(kind) && !(await this.inForce(tx, { purpose: 'help', needId }))) throw new RuleViolationError('volunteers.consent.missing_help');
  }

  /**
   * The consents of one purpose, newest first. The child's keepers (caseworkers, supervisors,
   * admins) see them in full, and that read of the family's data is audited; anyone else sees
   * only whether one is in force.
   */
  async consents(viewer: Viewer, organizationId: string, target: ConsentTarget): Promise<ConsentsView> {
    const { actor, membership } = requireOrgRole(viewer, organizationId, [...GUARDIAN_READERS, 'staff']);
    const rows = await this.deps.db
      .select()
      .from(guardianConsents)
      .where(and(this.whereTarget(target), eq(guardianConsents.organizationId, organizationId)))
      .orderBy(desc(guardianConsents.createdAt), desc(guardianConsents.id));
    const today = this.today();
    const inForce = rows.some((c) => consentInForce(c, today));
    if (!membership.roles.some((r) => (GUARDIAN_READERS as readonly string[]).includes(r))) return { canRead: false, canRecord: false, inForce };
    if (rows.length > 0) {
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'consent.view', subjectType: 'child', subjectId: rows[0].childId, detail: { consentIds: rows.map((r) => r.id) } });
    }
    const names = await this.names(rows.flatMap((r) => [r.recordedBy, r.witnessUserId]));
    return {
      canRead: true,
      canRecord: membership.roles.some((r) => (GUARDIAN_KEEPERS as readonly string[]).includes(r)),
      inForce,
      consents: rows.map((c) => this.caseworkerView(c, names, today)),
    };
  }

  private caseworkerView(c: ConsentRow, names: Map<string, string>, today: string): CaseworkerConsentView {
    const opened = {
      guardianName: this.deps.cipher.decrypt(c.guardianName, this.nameContext(c.id)),
      withdrawalNote: c.withdrawalNote ? this.deps.cipher.decrypt(c.withdrawalNote, this.withdrawalContext(c.id)) : null,
      inForce: consentInForce(c, today),
    };
    return caseworkerConsent(c, opened, names);
  }

  private async names(ids: Array<string | null>): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    if (wanted.length === 0) return new Map();
    const rows = await this.deps.db.select({ id: users.id, displayName: users.displayName }).from(users).where(inArray(users.id, wanted));
    return new Map(rows.map((r) => [r.id, r.displayName]));
  }

  /** The signed consent form, for the child's keepers only; each download is audited. */
  async consentForm(viewer: Viewer, organizationId: string, consentId: string): Promise<{ data: Buffer; mimeType: string; filename: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, GUARDIAN_READERS);
    const c = await this.deps.db.query.guardianConsents.findFirst({ where: and(eq(guardianConsents.id, consentId), eq(guardianConsents.organizationId, organizationId)) });
    if (!c?.formSha256 || !c.formMimeType) throw new NotFoundError('consent form');
    await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'consent.form_view', subjectType: 'child', subjectId: c.childId, detail: { consentId } });
    const ext = c.formMimeType === 'application/pdf' ? 'pdf' : c.formMimeType === 'image/png' ? 'png' : 'jpg';
    // The uploaded name may carry the family's name, so the download gets a neutral one.
    return { data: this.deps.evidence.bytesOf(c.formSha256), mimeType: c.formMimeType, filename: `consent-${c.consentedOn}.${ext}` };
  }

  /** One need of the organization for its consent page (named by public code only); help of a kind that does not meet the child needs none. */
  async needForConsent(viewer: Viewer, organizationId: string, needId: string): Promise<{ needId: string; kind: string; publicCode: string | null; involvesContact: boolean; consents: ConsentsView }> {
    requireOrgRole(viewer, organizationId, GUARDIAN_READERS);
    const [need] = await this.deps.db
      .select({ kind: needs.kind, publicCode: publishedNeeds.publicCode })
      .from(needs)
      .leftJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
      .where(and(eq(needs.id, needId), eq(needs.organizationId, organizationId)));
    if (!need) throw new NotFoundError('need');
    return { needId, kind: need.kind, publicCode: need.publicCode, involvesContact: involvesContact(need.kind), consents: await this.consents(viewer, organizationId, { purpose: 'help', needId }) };
  }

  /**
   * A caseworker records their own contact with the guardian during a running pairing: not in
   * the future, not before the pairing started; the note is about the family, so encrypted.
   */
  async recordContact(viewer: Viewer, organizationId: string, pairingId: string, input: GuardianContactInput, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, GUARDIAN_KEEPERS);
    const p = await this.deps.db.query.pairings.findFirst({ where: and(eq(pairings.id, pairingId), eq(pairings.organizationId, organizationId)) });
    if (!p) throw new NotFoundError('pairing');
    if (!p.startOn || !VOLUNTEER_VISIBLE_STATUSES.includes(p.status as (typeof VOLUNTEER_VISIBLE_STATUSES)[number])) throw new RuleViolationError('volunteers.guardian_contact.not_running');
    if (input.contactOn > this.today()) throw fieldError(t, 'contactOn', 'volunteers.date.future');
    if (input.contactOn < p.startOn) throw fieldError(t, 'contactOn', 'volunteers.check_in.before_start', { startOn: p.startOn });
    const id = crypto.randomUUID();
    await this.deps.db.transaction(async (tx) => {
      await tx.insert(guardianContacts).values({ id, pairingId, occurredOn: input.contactOn, mode: input.contactMode, note: this.deps.cipher.encrypt(input.contactNote, this.contactContext(id)), recordedBy: actor.userId });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'guardian_contact.create', subjectType: 'pairing', subjectId: pairingId, detail: { contactId: id, occurredOn: input.contactOn, mode: input.contactMode } }, tx);
    });
  }

  /** When the caseworker's next contact with the guardian is due (active pairings only), from the latest one recorded. */
  async contactSchedule(pairing: { id: string; status: string; startOn: string | null }): Promise<CheckInSchedule | null> {
    if (pairing.status !== 'active' || !pairing.startOn) return null;
    const [{ last }] = await this.deps.db.select({ last: sql<string | null>`max(${guardianContacts.occurredOn})::text` }).from(guardianContacts).where(eq(guardianContacts.pairingId, pairing.id));
    return guardianContactSchedule({ startOn: pairing.startOn, lastContactOn: last }, this.today());
  }

  /**
   * Active pairings whose caseworker contact with the guardian is missed (due more than the
   * grace period ago), most overdue first; for one organization or all. For the organization's
   * volunteers page and for whoever sends notifications.
   */
  async missedContacts(organizationId?: string): Promise<Array<{ pairingId: string; organizationId: string; nickname: string; schedule: CheckInSchedule }>> {
    const rows = await this.deps.db
      .select({ id: pairings.id, organizationId: pairings.organizationId, nickname: pairings.nickname, startOn: pairings.startOn, last: sql<string | null>`(select max(gc.occurred_on)::text from guardian_contacts gc where gc.pairing_id = "pairings"."id")` })
      .from(pairings)
      .where(and(eq(pairings.status, 'active'), organizationId ? eq(pairings.organizationId, organizationId) : undefined));
    const today = this.today();
    const out = [];
    for (const r of rows) {
      if (!r.startOn) continue;
      const schedule = guardianContactSchedule({ startOn: r.startOn, lastContactOn: r.last }, today);
      if (schedule.missed) out.push({ pairingId: r.id, organizationId: r.organizationId, nickname: r.nickname, schedule });
    }
    return out.sort((a, b) => b.schedule.daysOverdue - a.schedule.daysOverdue);
  }

  /**
   * The pairing's guardian side for its organization page: the consents (see `consents`), the
   * caseworker's contacts with the guardian (notes for the child's keepers only, within the
   * audited consent read) and when the next contact is due.
   */
  async forPairing(viewer: Viewer, organizationId: string, pairing: { id: string; status: string; startOn: string | null }) {
    const consents = await this.consents(viewer, organizationId, { purpose: 'pairing', pairingId: pairing.id });
    const rows = await this.deps.db.select().from(guardianContacts).where(eq(guardianContacts.pairingId, pairing.id)).orderBy(desc(guardianContacts.occurredOn), desc(guardianContacts.createdAt));
    const names = await this.names(rows.map((r) => r.recordedBy));
    if (consents.canRead && rows.length > 0) {
      await this.deps.audit.record({ actorUserId: requireOrgRole(viewer, organizationId, GUARDIAN_READERS).actor.userId, organizationId, action: 'pairing.view', subjectType: 'pairing', subjectId: pairing.id, reason: 'guardian contacts' });
    }
    const contacts: GuardianContactView[] = rows.map((c) => ({
      id: c.id,
      occurredOn: c.occurredOn,
      mode: c.mode,
      note: consents.canRead ? this.deps.cipher.decrypt(c.note, this.contactContext(c.id)) : null,
      recordedByName: names.get(c.recordedBy) ?? '',
    }));
    return { consents, contacts, contactSchedule: await this.contactSchedule(pairing), canContact: consents.canRecord };
  }
}
