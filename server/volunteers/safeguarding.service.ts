import crypto from 'node:crypto';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { memberships, organizations, pairings, users, volunteerConcerns, volunteerMessages } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, requireVolunteer, type Actor, type Viewer } from '../lib/authorization';
import type { FieldCipher } from '../lib/crypto';
import { NotFoundError } from '../lib/errors';
import { translator, type Locale, type Translate } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import type { Mailer } from '../lib/mailer';
import { fieldError } from '../lib/validate';
import { findContacts } from './contacts.rules';
import { CONCERN_READERS, VOLUNTEER_COORDINATORS } from './volunteers.rules';
import type { VettingService } from './vetting.service';

export interface SafeguardingDeps {
  db: Database;
  audit: AuditService;
  cipher: FieldCipher;
  vetting: VettingService;
  mailer: Mailer;
  logger: Logger;
  baseUrl: string;
  now?: () => Date;
}

/** One message of a volunteer's thread with an organization. */
export interface MessageView {
  id: string;
  fromVolunteer: boolean;
  authorName: string;
  body: string;
  createdAt: Date;
}

/**
 * Keeping children safe around volunteers: messages only between a volunteer and an
 * organization, with contact details refused (see contacts.rules.ts), and concerns reported
 * to the organization's admins, encrypted and audited.
 */
export class SafeguardingService {
  private readonly now: () => Date;
  constructor(private readonly deps: SafeguardingDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private messageContext = (id: string) => `volunteer_messages.body:${id}`;
  private concernContext = (id: string) => `volunteer_concerns.body:${id}`;

  /** The thread between a volunteer and an organization, oldest first, decrypted. */
  async thread(organizationId: string, volunteerUserId: string): Promise<MessageView[]> {
    const rows = await this.deps.db
      .select({ m: volunteerMessages, authorName: users.displayName })
      .from(volunteerMessages)
      .innerJoin(users, eq(users.id, volunteerMessages.authorUserId))
      .where(and(eq(volunteerMessages.organizationId, organizationId), eq(volunteerMessages.volunteerUserId, volunteerUserId)))
      .orderBy(asc(volunteerMessages.createdAt), asc(volunteerMessages.id));
    return rows.map(({ m, authorName }) => ({ id: m.id, fromVolunteer: m.fromVolunteer, authorName, body: this.deps.cipher.decrypt(m.body, this.messageContext(m.id)), createdAt: m.createdAt }));
  }

  /**
   * Refuses a message that carries a phone number, e-mail, ID number or WeChat/QQ id, showing
   * what was found; the attempt (not its text) is audited, since a pattern of them is itself a
   * safeguarding signal.
   */
  private async refuseContacts(actor: Actor, organizationId: string, volunteerUserId: string, body: string, t: Translate): Promise<void> {
    const found = findContacts(body);
    if (found.length === 0) return;
    await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'message.contact_refused', subjectType: 'user', subjectId: volunteerUserId, detail: { kinds: [...new Set(found.map((f) => f.kind))] } });
    throw fieldError(t, 'messageBody', 'volunteers.message.contact_found', { found: found.map((f) => `「${f.text}」（${t(`volunteers.contact.${f.kind}`)}）`).join(t('volunteers.list_separator')) });
  }

  private async store(organizationId: string, volunteerUserId: string, author: Actor, fromVolunteer: boolean, body: string): Promise<void> {
    const id = crypto.randomUUID();
    await this.deps.db.insert(volunteerMessages).values({ id, organizationId, volunteerUserId, authorUserId: author.userId, fromVolunteer, body: this.deps.cipher.encrypt(body, this.messageContext(id)), createdAt: this.now() });
  }

  /** A volunteer writes to an organization they joined. */
  async sendFromVolunteer(viewer: Viewer, organizationId: string, body: string, t: Translate): Promise<void> {
    const actor = requireVolunteer(viewer);
    await this.deps.vetting.get(organizationId, actor.userId);
    await this.refuseContacts(actor, organizationId, actor.userId, body, t);
    await this.store(organizationId, actor.userId, actor, true, body);
  }

  /** The organization's coordinators write to a volunteer who joined it. */
  async sendFromOrganization(viewer: Viewer, organizationId: string, volunteerUserId: string, body: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    await this.deps.vetting.get(organizationId, volunteerUserId);
    await this.refuseContacts(actor, organizationId, volunteerUserId, body, t);
    await this.store(organizationId, volunteerUserId, actor, false, body);
  }

  /**
   * A volunteer reports a concern to an organization they joined, optionally about one of their
   * pairings there. The text is encrypted; the report is audited; the organization's admins are
   * told by mail that a concern waits for them (the mail carries no detail).
   */
  async reportConcern(viewer: Viewer, organizationId: string, input: { concern: string; pairingId: string | null }, t: Translate): Promise<void> {
    const actor = requireVolunteer(viewer);
    await this.deps.vetting.get(organizationId, actor.userId);
    if (input.pairingId) {
      const p = await this.deps.db.query.pairings.findFirst({ where: and(eq(pairings.id, input.pairingId), eq(pairings.organizationId, organizationId), eq(pairings.volunteerUserId, actor.userId)) });
      if (!p) throw fieldError(t, 'pairingId', 'validation.choice');
    }
    const id = crypto.randomUUID();
    await this.deps.db.transaction(async (tx) => {
      await tx.insert(volunteerConcerns).values({ id, organizationId, reporterUserId: actor.userId, pairingId: input.pairingId, body: this.deps.cipher.encrypt(input.concern, this.concernContext(id)), createdAt: this.now() });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'concern.report', subjectType: 'concern', subjectId: id, detail: { pairingId: input.pairingId } }, tx);
    });
    await this.tellAdmins(organizationId);
  }

  // After the commit: nobody hears of a concern that was not stored.
  private async tellAdmins(organizationId: string): Promise<void> {
    const admins = await this.deps.db
      .select({ email: users.email, locale: users.locale, organizationName: organizations.name })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
      .where(and(eq(memberships.organizationId, organizationId), sql`${CONCERN_READERS[0]} = any(${memberships.roles})`));
    for (const a of admins) {
      const t = translator(a.locale as Locale);
      await this.deps.mailer
        .send({ to: a.email, subject: t('volunteers.concern.mail_subject', { organization: a.organizationName }), text: t('volunteers.concern.mail_body', { link: `${this.deps.baseUrl}/org/${organizationId}/volunteers/concerns` }), kind: 'volunteer_concern' })
        .catch((err) => this.deps.logger.warn('concern mail failed', { err }));
    }
  }

  /** The organization's concerns, newest first, decrypted for its admins; each reading is audited. */
  async concerns(viewer: Viewer, organizationId: string) {
    const { actor } = requireOrgRole(viewer, organizationId, CONCERN_READERS);
    const rows = await this.deps.db
      .select({ c: volunteerConcerns, reporterName: users.displayName, nickname: pairings.nickname })
      .from(volunteerConcerns)
      .innerJoin(users, eq(users.id, volunteerConcerns.reporterUserId))
      .leftJoin(pairings, eq(pairings.id, volunteerConcerns.pairingId))
      .where(eq(volunteerConcerns.organizationId, organizationId))
      .orderBy(desc(volunteerConcerns.createdAt))
      .limit(100);
    if (rows.length > 0) await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'concern.view', subjectType: 'concern', detail: { concernIds: rows.map((r) => r.c.id) } });
    return rows.map(({ c, reporterName, nickname }) => ({ id: c.id, reporterUserId: c.reporterUserId, reporterName, pairingId: c.pairingId, nickname, body: this.deps.cipher.decrypt(c.body, this.concernContext(c.id)), createdAt: c.createdAt }));
  }

  /** How many concerns an organization has received (shown to its admins on the volunteers page). */
  async concernCount(organizationId: string): Promise<number> {
    const [{ n }] = await this.deps.db.select({ n: sql<number>`count(*)::int` }).from(volunteerConcerns).where(eq(volunteerConcerns.organizationId, organizationId));
    return n;
  }

  /** Pairing ids of a volunteer in an organization, with nicknames: the concern form's choices. */
  async concernChoices(organizationId: string, volunteerUserId: string) {
    return this.deps.db
      .select({ id: pairings.id, nickname: pairings.nickname })
      .from(pairings)
      .where(and(eq(pairings.organizationId, organizationId), eq(pairings.volunteerUserId, volunteerUserId), inArray(pairings.status, ['active', 'paused', 'suspended', 'closed'])))
      .orderBy(asc(pairings.nickname));
  }
}
