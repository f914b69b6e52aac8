import { and, asc, count, desc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { organizations, roleApplications, users, volunteerProfiles } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import type { AccountsService } from '../accounts/accounts.service';
import { requireOrgRole, requireSignedIn, requireVolunteer, type Viewer } from '../lib/authorization';
import { ConflictError, NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { fullName } from '../lib/regions';
import { availabilityKey, CONCERN_READERS, PAIRING_APPROVERS, VOLUNTEER_COORDINATORS } from './volunteers.rules';
import { rankRoles } from './opportunities.rules';
import type { ProfileInput, VettingInput } from './volunteers.schemas';
import type { VettingService } from './vetting.service';
import type { PairingsService } from './pairings.service';
import type { GuardianService } from './guardian.service';
import type { HoursService } from './hours.service';
import type { SafeguardingService } from './safeguarding.service';
import type { RoleDirectory } from './role-directory';

export interface VolunteersDeps {
  db: Database;
  audit: AuditService;
  accounts: AccountsService;
  vetting: VettingService;
  pairings: PairingsService;
  guardian: GuardianService;
  hours: HoursService;
  safeguarding: SafeguardingService;
  roles: RoleDirectory;
  now?: () => Date;
}

type ProfileRow = typeof volunteerProfiles.$inferSelect;

/** A volunteer's profile as they and the organizations they joined see it. */
export interface ProfileView {
  userId: string;
  skills: string[];
  tutoringSubjects: string[];
  languages: string[];
  regionCode: string | null;
  regionName: string | null;
  travelKm: number;
  onlineOnly: boolean;
  /** Form values such as "3-evening". */
  availability: string[];
  availabilitySlots: Array<{ day: number; part: string }>;
  motivation: string;
}

const profileView = (p: ProfileRow): ProfileView => ({
  userId: p.userId,
  skills: p.skills,
  tutoringSubjects: p.tutoringSubjects,
  languages: p.languages,
  regionCode: p.regionCode,
  regionName: p.regionCode ? fullName(p.regionCode) : null,
  travelKm: p.travelKm,
  onlineOnly: p.onlineOnly,
  availability: p.availability.map((a) => availabilityKey(a.day, a.part)),
  availabilitySlots: p.availability,
  motivation: p.motivation,
});

/**
 * Volunteers' own side (sign-up and profile, dashboard, opportunities and applications) and the
 * organization's volunteer pages, composed from the area's other services.
 */
export class VolunteersService {
  private readonly now: () => Date;
  constructor(private readonly deps: VolunteersDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private async profileOf(userId: string): Promise<ProfileView | undefined> {
    const row = await this.deps.db.query.volunteerProfiles.findFirst({ where: eq(volunteerProfiles.userId, userId) });
    return row && profileView(row);
  }

  /** The signed-in person's volunteer profile, or null before they signed up as a volunteer. */
  async profile(viewer: Viewer): Promise<ProfileView | null> {
    const actor = requireSignedIn(viewer);
    return (await this.profileOf(actor.userId)) ?? null;
  }

  /** Signs the person up as a volunteer (or updates their profile); saving it turns on the volunteer capacity of the account. */
  async saveProfile(viewer: Viewer, input: ProfileInput): Promise<void> {
    const actor = requireSignedIn(viewer);
    const values = { ...input, updatedAt: this.now() };
    await this.deps.db.insert(volunteerProfiles).values({ userId: actor.userId, ...values }).onConflictDoUpdate({ target: volunteerProfiles.userId, set: values });
    if (!actor.isVolunteer) await this.deps.accounts.updateProfile(viewer, { displayName: actor.displayName, asVolunteer: true, asDonor: actor.isDonor });
  }

  /** The volunteer's home: profile, organizations joined (with vetting), pairings, hours and certificates, and organizations to join. */
  async dashboard(viewer: Viewer) {
    const actor = requireVolunteer(viewer);
    const [profile, memberships, pairings, totals, certificates] = await Promise.all([
      this.profileOf(actor.userId),
      this.deps.vetting.forVolunteer(actor.userId),
      this.deps.pairings.viewsForVolunteer(actor.userId),
      this.deps.hours.totalsForVolunteer(actor.userId),
      this.deps.hours.certificatesOf(actor.userId),
    ]);
    const joined = memberships.map((m) => m.organizationId);
    const joinable = await this.deps.db
      .select({ id: organizations.id, name: organizations.name })
      .from(organizations)
      .where(and(eq(organizations.status, 'verified'), inArray(organizations.kind, ['charity', 'government', 'enterprise']), joined.length ? notInArray(organizations.id, joined) : undefined))
      .orderBy(asc(organizations.name))
      .limit(200);
    return { profile: profile ?? null, memberships, pairings, totals, certificates, joinable };
  }

  /** What the volunteer sees of one organization they joined: their vetting there, the messages, and the concern form's choices. */
  async organizationForVolunteer(viewer: Viewer, organizationId: string) {
    const actor = requireVolunteer(viewer);
    const vetting = await this.deps.vetting.get(organizationId, actor.userId);
    const [org, messages, pairings] = await Promise.all([
      this.deps.db.query.organizations.findFirst({ where: eq(organizations.id, organizationId) }),
      this.deps.safeguarding.thread(organizationId, actor.userId),
      this.deps.safeguarding.concernChoices(organizationId, actor.userId),
    ]);
    return { organization: { id: organizationId, name: org?.name ?? '' }, vetting: { ...vetting, note: null }, messages, pairings };
  }

  /**
   * Open project roles that fit the volunteer's profile and region, best first (see
   * opportunities.rules.ts), with whether they already applied.
   */
  async opportunities(viewer: Viewer) {
    const actor = requireVolunteer(viewer);
    const profile = await this.profileOf(actor.userId);
    if (!profile) throw new RuleViolationError('volunteers.profile.missing');
    const [roles, memberships, applied, accepted] = await Promise.all([
      this.deps.roles.openRoles(),
      this.deps.vetting.forVolunteer(actor.userId),
      this.deps.db.select({ roleId: roleApplications.roleId, status: roleApplications.status }).from(roleApplications).where(eq(roleApplications.volunteerUserId, actor.userId)),
      this.acceptedCounts(),
    ]);
    const ranked = rankRoles(
      { ...profile, qualified: new Map(memberships.map((m) => [m.organizationId, m.qualifiedRoles])) },
      roles.map((r) => ({ roleId: r.roleId, organizationId: r.organizationId, roleKind: r.roleKind, requiredSkills: r.requiredSkills, regionCodes: r.regionCodes, slotsLeft: r.slots - (accepted.get(r.roleId) ?? 0) })),
    );
    const byId = new Map(roles.map((r) => [r.roleId, r]));
    const status = new Map(applied.map((a) => [a.roleId, a.status]));
    return ranked.map((r) => {
      const role = byId.get(r.roleId)!;
      return { ...r, role, regions: role.regionCodes.map((c) => fullName(c) || c), slotsLeft: role.slots - (accepted.get(r.roleId) ?? 0), applied: status.get(r.roleId) ?? null };
    });
  }

  private async acceptedCounts(): Promise<Map<string, number>> {
    const rows = await this.deps.db.select({ roleId: roleApplications.roleId, n: count() }).from(roleApplications).where(eq(roleApplications.status, 'accepted')).groupBy(roleApplications.roleId);
    return new Map(rows.map((r) => [r.roleId, r.n]));
  }

  /**
   * The volunteer applies to an open role. Applying joins the role's organization (sharing the
   * profile with it) if they had not joined yet; applying twice is refused.
   */
  async apply(viewer: Viewer, roleId: string, message: string | null): Promise<void> {
    const actor = requireVolunteer(viewer);
    const role = (await this.deps.roles.roles([roleId])).get(roleId);
    if (!role || role.projectStatus !== 'open') throw new NotFoundError('role');
    await this.deps.db.transaction(async (tx) => {
      await this.deps.vetting.join(viewer, role.organizationId, tx);
      const rows = await tx.insert(roleApplications).values({ roleId, organizationId: role.organizationId, volunteerUserId: actor.userId, message: message ?? '' }).onConflictDoNothing().returning({ id: roleApplications.id });
      if (rows.length === 0) throw new ConflictError('volunteers.apply.already');
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId: role.organizationId, action: 'role.apply', subjectType: 'role_application', subjectId: rows[0].id, detail: { roleId } }, tx);
    });
  }

  /** The organization accepts or declines an application; acceptances never exceed the role's slots. */
  async decideApplication(viewer: Viewer, organizationId: string, applicationId: string, decision: 'accept' | 'decline'): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    const app = await this.deps.db.query.roleApplications.findFirst({ where: and(eq(roleApplications.id, applicationId), eq(roleApplications.organizationId, organizationId)) });
    if (!app) throw new NotFoundError('application');
    // Read before the transaction: the embedded database has one connection, which the transaction holds.
    const role = (await this.deps.roles.roles([app.roleId])).get(app.roleId);
    await this.deps.db.transaction(async (tx) => {
      const [{ n }] = await tx.select({ n: count() }).from(roleApplications).where(and(eq(roleApplications.roleId, app.roleId), eq(roleApplications.status, 'accepted')));
      if (decision === 'accept' && (!role || n >= role.slots)) throw new RuleViolationError('volunteers.apply.no_slots');
      const done = await tx
        .update(roleApplications)
        .set({ status: decision === 'accept' ? 'accepted' : 'declined', decidedBy: actor.userId, decidedAt: this.now() })
        .where(and(eq(roleApplications.id, applicationId), eq(roleApplications.status, 'applied')))
        .returning({ id: roleApplications.id });
      if (done.length === 0) throw new RuleViolationError('volunteers.apply.already_decided');
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: `role.${decision}`, subjectType: 'role_application', subjectId: applicationId }, tx);
    });
  }

  /**
   * The organization's volunteers page: who joined and their vetting, pairings waiting for
   * approval and running, missed check-ins and missed contacts with guardians, applications, hours waiting and concerns (admins).
   * Expired checks suspend pairings before anything is shown.
   */
  async organizationOverview(viewer: Viewer, organizationId: string) {
    const { membership } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    await this.deps.pairings.suspendExpired({ organizationId });
    const isAdmin = membership.roles.some((r) => (CONCERN_READERS as readonly string[]).includes(r));
    const [volunteers, pairings, missed, missedGuardianContacts, applications, pendingHours, concernCount] = await Promise.all([
      this.deps.vetting.forOrganization(organizationId),
      this.deps.pairings.listForOrganization(organizationId),
      this.deps.pairings.missedCheckIns(organizationId),
      this.deps.guardian.missedContacts(organizationId),
      this.applicationsFor(organizationId),
      this.deps.hours.pendingCount(organizationId),
      isAdmin ? this.deps.safeguarding.concernCount(organizationId) : Promise.resolve(0),
    ]);
    return {
      organizationName: membership.organizationName,
      volunteers,
      requested: pairings.filter((p) => p.status === 'requested'),
      running: pairings.filter((p) => ['active', 'paused', 'suspended'].includes(p.status)),
      ended: pairings.filter((p) => ['closed', 'declined'].includes(p.status)).slice(0, 20),
      missed,
      missedGuardianContacts,
      applications,
      pendingHours,
      concernCount,
      isAdmin,
      canApprove: membership.roles.some((r) => (PAIRING_APPROVERS as readonly string[]).includes(r)),
    };
  }

  private async applicationsFor(organizationId: string) {
    const rows = await this.deps.db
      .select({ a: roleApplications, volunteerName: users.displayName })
      .from(roleApplications)
      .innerJoin(users, eq(users.id, roleApplications.volunteerUserId))
      .where(and(eq(roleApplications.organizationId, organizationId), eq(roleApplications.status, 'applied')))
      .orderBy(desc(roleApplications.createdAt));
    const roles = await this.deps.roles.roles(rows.map((r) => r.a.roleId));
    return rows.map(({ a, volunteerName }) => ({ ...a, volunteerName, role: roles.get(a.roleId) ?? null }));
  }

  /** One volunteer as the organization sees them: profile, vetting, pairings there, needs they could be paired with, messages. */
  async volunteerForOrganization(viewer: Viewer, organizationId: string, volunteerUserId: string) {
    requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    await this.deps.pairings.suspendExpired({ organizationId, volunteerUserId });
    const vetting = await this.deps.vetting.get(organizationId, volunteerUserId);
    const [person, profile, pairings, pairable, messages] = await Promise.all([
      this.deps.db.query.users.findFirst({ where: eq(users.id, volunteerUserId), columns: { displayName: true } }),
      this.profileOf(volunteerUserId),
      this.deps.pairings.listForOrganization(organizationId, volunteerUserId),
      this.deps.pairings.pairableNeeds(organizationId),
      this.deps.safeguarding.thread(organizationId, volunteerUserId),
    ]);
    return { volunteerUserId, displayName: person?.displayName ?? '', profile: profile ?? null, vetting, pairings, pairable, messages };
  }

  /**
   * One pairing's page for its organization: the pairing (see PairingsService.forOrganization)
   * and its guardian side — consent and the caseworker's contacts with the guardian — in full only
   * for the child's keepers (see GuardianService.forPairing).
   */
  async pairingPage(viewer: Viewer, organizationId: string, pairingId: string) {
    const pairing = await this.deps.pairings.forOrganization(viewer, organizationId, pairingId);
    return { pairing, guardian: await this.deps.guardian.forPairing(viewer, organizationId, pairing) };
  }

  /** The organization records its vetting; pairings whose check is no longer valid are suspended at once. */
  async recordVetting(viewer: Viewer, organizationId: string, volunteerUserId: string, input: VettingInput, t: Translate): Promise<void> {
    await this.deps.vetting.record(viewer, organizationId, volunteerUserId, input, t);
    await this.deps.pairings.suspendExpired({ organizationId, volunteerUserId });
  }

  /** The volunteer's hours page: logs, totals per organization, certificates and the log form's choices. */
  async hoursPage(viewer: Viewer) {
    const actor = requireVolunteer(viewer);
    const [logs, totals, certificates, options] = await Promise.all([
      this.deps.hours.logsOf(actor.userId),
      this.deps.hours.totalsForVolunteer(actor.userId),
      this.deps.hours.certificatesOf(actor.userId),
      this.deps.hours.logOptions(actor.userId),
    ]);
    return { logs, totals, certificates, options };
  }
}
