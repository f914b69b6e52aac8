import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { invitations, memberships, organizations, users } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, requirePlatformAdmin, requireSignedIn, type OrgRole, type Viewer } from '../lib/authorization';
import { ConflictError, NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import type { Mailer } from '../lib/mailer';
import { randomToken, tokenHash } from '../lib/tokens';
import { normalizeEmail } from '../accounts/accounts.rules';
import { INVITATION_DAYS, rolesAllowedFor } from './organizations.rules';
import type { ApplyInput, InviteInput } from './organizations.schemas';

export interface OrganizationsDeps {
  db: Database;
  audit: AuditService;
  mailer: Mailer;
  baseUrl: string;
  now?: () => Date;
}

/** What the public sees of an organization: nothing about its people. */
export interface PublicOrganization {
  id: string;
  name: string;
  kind: string;
  regionCode: string | null;
  description: string;
  verifiedAt: Date | null;
}

export class OrganizationsService {
  private readonly now: () => Date;
  constructor(private readonly deps: OrganizationsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** An individual applies for an organization; it stays pending until a platform admin verifies it. The applicant becomes its admin. */
  async apply(viewer: Viewer, input: ApplyInput): Promise<{ id: string }> {
    const actor = requireSignedIn(viewer);
    return this.deps.db.transaction(async (tx) => {
      const [org] = await tx
        .insert(organizations)
        .values({ name: input.name, kind: input.kind, creditCode: input.creditCode, regionCode: input.regionCode ?? null, description: input.description, appliedBy: actor.userId })
        .onConflictDoNothing({ target: organizations.creditCode })
        .returning({ id: organizations.id });
      if (!org) throw new ConflictError('organizations.credit_code.taken');
      await tx.insert(memberships).values({ organizationId: org.id, userId: actor.userId, roles: ['admin'] });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId: org.id, action: 'organization.apply', subjectType: 'organization', subjectId: org.id }, tx);
      return org;
    });
  }

  /** Applications waiting for review, oldest first (platform admins only). */
  async pendingApplications(viewer: Viewer) {
    requirePlatformAdmin(viewer);
    return this.deps.db
      .select({ id: organizations.id, name: organizations.name, kind: organizations.kind, creditCode: organizations.creditCode, regionCode: organizations.regionCode, createdAt: organizations.createdAt, applicant: users.displayName, applicantEmail: users.email })
      .from(organizations)
      .leftJoin(users, eq(users.id, organizations.appliedBy))
      .where(eq(organizations.status, 'pending'))
      .orderBy(asc(organizations.createdAt));
  }

  /** A platform admin verifies or rejects a pending application; a decided one cannot be decided again. */
  async review(viewer: Viewer, organizationId: string, decision: 'verify' | 'reject', note: string): Promise<void> {
    const actor = requirePlatformAdmin(viewer);
    await this.deps.db.transaction(async (tx) => {
      const updated = await tx
        .update(organizations)
        .set({ status: decision === 'verify' ? 'verified' : 'rejected', reviewedBy: actor.userId, reviewedAt: this.now(), reviewNote: note || null })
        .where(and(eq(organizations.id, organizationId), eq(organizations.status, 'pending')))
        .returning({ id: organizations.id });
      if (updated.length === 0) throw new RuleViolationError('organizations.review.not_pending');
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: `organization.${decision}`, subjectType: 'organization', subjectId: organizationId, reason: note || null }, tx);
    });
  }

  /** Verified organizations for the public directory, newest first. */
  async directory(page = 1, pageSize = 20): Promise<{ organizations: PublicOrganization[]; total: number }> {
    const where = eq(organizations.status, 'verified');
    const [rows, [{ total }]] = await Promise.all([
      this.deps.db
        .select({ id: organizations.id, name: organizations.name, kind: organizations.kind, regionCode: organizations.regionCode, description: organizations.description, verifiedAt: organizations.reviewedAt })
        .from(organizations)
        .where(where)
        .orderBy(desc(organizations.reviewedAt), asc(organizations.name))
        .limit(pageSize)
        .offset((page - 1) * pageSize),
      this.deps.db.select({ total: sql<number>`count(*)::int` }).from(organizations).where(where),
    ]);
    return { organizations: rows, total };
  }

  /** The public profile of a verified organization; anything else is not found. */
  async publicProfile(organizationId: string): Promise<PublicOrganization> {
    const [org] = await this.deps.db
      .select({ id: organizations.id, name: organizations.name, kind: organizations.kind, regionCode: organizations.regionCode, description: organizations.description, verifiedAt: organizations.reviewedAt })
      .from(organizations)
      .where(and(eq(organizations.id, organizationId), eq(organizations.status, 'verified')));
    if (!org) throw new NotFoundError('organization');
    return org;
  }

  /** The organization's own workspace: details, members and open invitations, for its admins. */
  async workspace(viewer: Viewer, organizationId: string) {
    const { membership } = requireOrgRole(viewer, organizationId, ['admin'], { allowUnverified: true });
    const org = await this.deps.db.query.organizations.findFirst({ where: eq(organizations.id, organizationId) });
    if (!org) throw new NotFoundError('organization');
    const [members, openInvitations] = await Promise.all([
      this.deps.db
        .select({ userId: users.id, displayName: users.displayName, email: users.email, roles: memberships.roles, since: memberships.createdAt })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.organizationId, organizationId))
        .orderBy(asc(users.displayName)),
      this.deps.db
        .select({ id: invitations.id, email: invitations.email, roles: invitations.roles, expiresAt: invitations.expiresAt })
        .from(invitations)
        .where(and(eq(invitations.organizationId, organizationId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, this.now())))
        .orderBy(desc(invitations.createdAt)),
    ]);
    return { organization: org, membership, members, invitations: openInvitations, allowedRoles: rolesAllowedFor(org.kind) };
  }

  /**
   * An org admin invites someone by e-mail with roles the organization's kind allows. The link
   * (valid 7 days) is mailed and also returned so the admin can pass it on by hand.
   */
  async invite(viewer: Viewer, organizationId: string, input: InviteInput, t: Translate): Promise<{ link: string }> {
    const { actor, membership } = requireOrgRole(viewer, organizationId, ['admin']);
    const allowed = rolesAllowedFor(membership.organizationKind);
    const bad = input.roles.find((r) => !allowed.includes(r));
    if (bad) throw new RuleViolationError('organizations.roles.not_allowed', { role: t(`roles.${bad}`) });
    const email = normalizeEmail(input.email);
    const token = randomToken();
    await this.deps.db.transaction(async (tx) => {
      const [inv] = await tx
        .insert(invitations)
        .values({ organizationId, email, roles: input.roles, tokenHash: tokenHash(token), invitedBy: actor.userId, expiresAt: new Date(this.now().getTime() + INVITATION_DAYS * 86_400_000) })
        .returning({ id: invitations.id });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'invitation.create', subjectType: 'invitation', subjectId: inv.id, detail: { email, roles: input.roles } }, tx);
    });
    const link = `${this.deps.baseUrl}/invitations/${token}`;
    await this.deps.mailer.send({
      to: email,
      subject: t('mail.invitation.subject', { organization: membership.organizationName }),
      text: t('mail.invitation.body', { organization: membership.organizationName, inviter: actor.displayName, link, days: INVITATION_DAYS }),
      kind: 'invitation',
    });
    return { link };
  }

  /** What an invitation link offers, for the page that asks the person to accept it. */
  async invitationPreview(token: string) {
    const [inv] = await this.deps.db
      .select({ id: invitations.id, email: invitations.email, roles: invitations.roles, organizationName: organizations.name, organizationId: organizations.id })
      .from(invitations)
      .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
      .where(and(eq(invitations.tokenHash, tokenHash(token)), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, this.now())));
    if (!inv) throw new NotFoundError('invitation');
    return inv;
  }

  /**
   * The invited person accepts while signed in with the invited address: they gain the roles
   * (added to any they already hold there) and the link is spent.
   */
  async acceptInvitation(viewer: Viewer, token: string): Promise<{ organizationId: string }> {
    const actor = requireSignedIn(viewer);
    return this.deps.db.transaction(async (tx) => {
      const [inv] = await tx
        .update(invitations)
        .set({ acceptedAt: this.now(), acceptedBy: actor.userId })
        .where(and(eq(invitations.tokenHash, tokenHash(token)), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, this.now()), eq(invitations.email, normalizeEmail(actor.email))))
        .returning();
      if (!inv) {
        const exists = await tx.query.invitations.findFirst({ where: and(eq(invitations.tokenHash, tokenHash(token)), isNull(invitations.acceptedAt)) });
        throw exists ? new RuleViolationError('organizations.invitation.other_email') : new NotFoundError('invitation');
      }
      const existing = await tx.query.memberships.findFirst({ where: and(eq(memberships.organizationId, inv.organizationId), eq(memberships.userId, actor.userId)) });
      if (existing) {
        const roles = Array.from(new Set([...existing.roles, ...inv.roles]));
        await tx.update(memberships).set({ roles }).where(and(eq(memberships.organizationId, inv.organizationId), eq(memberships.userId, actor.userId)));
      } else {
        await tx.insert(memberships).values({ organizationId: inv.organizationId, userId: actor.userId, roles: inv.roles });
      }
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId: inv.organizationId, action: 'invitation.accept', subjectType: 'invitation', subjectId: inv.id, detail: { roles: inv.roles } }, tx);
      return { organizationId: inv.organizationId };
    });
  }

  /** An org admin revokes an open invitation. */
  async revokeInvitation(viewer: Viewer, organizationId: string, invitationId: string): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, ['admin']);
    await this.deps.db.transaction(async (tx) => {
      const done = await tx
        .update(invitations)
        .set({ revokedAt: this.now() })
        .where(and(eq(invitations.id, invitationId), eq(invitations.organizationId, organizationId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
        .returning({ id: invitations.id });
      if (done.length === 0) throw new NotFoundError('invitation');
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'invitation.revoke', subjectType: 'invitation', subjectId: invitationId }, tx);
    });
  }

  /** An org admin changes a member's roles; the last admin cannot give up the admin role. */
  async setMemberRoles(viewer: Viewer, organizationId: string, userId: string, roles: OrgRole[], t: Translate): Promise<void> {
    const { actor, membership } = requireOrgRole(viewer, organizationId, ['admin']);
    const allowed = rolesAllowedFor(membership.organizationKind);
    const bad = roles.find((r) => !allowed.includes(r));
    if (bad) throw new RuleViolationError('organizations.roles.not_allowed', { role: t(`roles.${bad}`) });
    await this.deps.db.transaction(async (tx) => {
      const current = await tx.query.memberships.findFirst({ where: and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)) });
      if (!current) throw new NotFoundError('member');
      if (current.roles.includes('admin') && !roles.includes('admin')) {
        const [{ admins }] = await tx
          .select({ admins: sql<number>`count(*)::int` })
          .from(memberships)
          .where(and(eq(memberships.organizationId, organizationId), sql`'admin' = any(${memberships.roles})`));
        if (admins <= 1) throw new RuleViolationError('organizations.roles.last_admin');
      }
      await tx.update(memberships).set({ roles }).where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'member.roles', subjectType: 'user', subjectId: userId, detail: { from: current.roles, to: roles } }, tx);
    });
  }
}
