import { and, asc, eq } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { organizations, users, volunteerProfiles, volunteerVettings } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, requireVolunteer, type Viewer } from '../lib/authorization';
import { NotFoundError, RuleViolationError, ValidationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { chinaDate } from '../children/id-number.rules';
import { backgroundCheckExpiry, VOLUNTEER_COORDINATORS, vettingInputProblems, vettingState, type VettingFacts, type VettingState } from './volunteers.rules';
import type { VettingInput } from './volunteers.schemas';

export interface VettingDeps {
  db: Database;
  audit: AuditService;
  now?: () => Date;
}

type VettingRow = typeof volunteerVettings.$inferSelect;

/** A vetting record with its state today. */
export interface VettingView extends VettingFacts {
  organizationId: string;
  volunteerUserId: string;
  joinedAt: Date;
  recordedAt: Date | null;
  note: string | null;
  state: VettingState;
}

const facts = (r: VettingRow): VettingFacts => ({
  identityVerifiedOn: r.identityVerifiedOn,
  backgroundCheckOn: r.backgroundCheckOn,
  backgroundCheckExpiresOn: r.backgroundCheckExpiresOn,
  trainings: r.trainings,
  qualifiedRoles: r.qualifiedRoles,
});

/**
 * A volunteer's standing with each organization they joined: joining, and the organization's
 * vetting (identity, background check, training, qualified roles). Other services of the area
 * ask it whether a volunteer may be paired.
 */
export class VettingService {
  private readonly now: () => Date;
  constructor(private readonly deps: VettingDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Today in China, the day every vetting rule is judged on. */
  today(): string {
    return chinaDate(this.now());
  }

  private view(r: VettingRow, role?: string): VettingView {
    return { ...facts(r), organizationId: r.organizationId, volunteerUserId: r.volunteerUserId, joinedAt: r.joinedAt, recordedAt: r.recordedAt, note: r.note, state: vettingState(facts(r), this.today(), role) };
  }

  /** The volunteer's vetting with an organization (state judged for `role` when given), or undefined when they never joined it. */
  async find(organizationId: string, volunteerUserId: string, opts: { role?: string; tx?: Database | Tx } = {}): Promise<VettingView | undefined> {
    const row = await (opts.tx ?? this.deps.db).query.volunteerVettings.findFirst({ where: and(eq(volunteerVettings.organizationId, organizationId), eq(volunteerVettings.volunteerUserId, volunteerUserId)) });
    return row && this.view(row, opts.role);
  }

  /** Like find, but a volunteer who never joined the organization is simply not found. */
  async get(organizationId: string, volunteerUserId: string, opts: { role?: string; tx?: Database | Tx } = {}): Promise<VettingView> {
    const v = await this.find(organizationId, volunteerUserId, opts);
    if (!v) throw new NotFoundError('volunteer');
    return v;
  }

  /**
   * Refuses when the volunteer may not be paired (for `role`): unvetted, expired check, no
   * training, not qualified. The message lists every missing step, so the organization knows
   * what to record; nothing is changed.
   */
  async requireVetted(organizationId: string, volunteerUserId: string, role: string, t: Translate, tx?: Database | Tx): Promise<VettingView> {
    const v = await this.get(organizationId, volunteerUserId, { role, tx });
    if (!v.state.vetted) {
      const problems = v.state.problems.map((p) => t(`volunteers.vetting.problem.${p}`, { role: t(`volunteers.role_kind.${role}`), expiresOn: v.state.expiresOn ?? '' })).join(t('volunteers.list_separator'));
      throw new RuleViolationError('volunteers.pairing.not_vetted', { problems });
    }
    return v;
  }

  /** Every organization a volunteer joined, with its name and the vetting's state. */
  async forVolunteer(volunteerUserId: string): Promise<Array<VettingView & { organizationName: string }>> {
    const rows = await this.deps.db
      .select({ v: volunteerVettings, organizationName: organizations.name })
      .from(volunteerVettings)
      .innerJoin(organizations, eq(organizations.id, volunteerVettings.organizationId))
      .where(eq(volunteerVettings.volunteerUserId, volunteerUserId))
      .orderBy(asc(organizations.name));
    return rows.map((r) => ({ ...this.view(r.v), organizationName: r.organizationName }));
  }

  /** Every volunteer who joined an organization, with their name and the vetting's state. */
  async forOrganization(organizationId: string): Promise<Array<VettingView & { displayName: string }>> {
    const rows = await this.deps.db
      .select({ v: volunteerVettings, displayName: users.displayName })
      .from(volunteerVettings)
      .innerJoin(users, eq(users.id, volunteerVettings.volunteerUserId))
      .where(eq(volunteerVettings.organizationId, organizationId))
      .orderBy(asc(users.displayName), asc(users.id));
    return rows.map((r) => ({ ...this.view(r.v), displayName: r.displayName }));
  }

  /**
   * Makes the volunteer known to a verified organization (shares their profile with it). Joining
   * twice changes nothing. Needs a saved profile: an organization vets a person it can read about.
   */
  async join(viewer: Viewer, organizationId: string, tx?: Database | Tx): Promise<void> {
    const actor = requireVolunteer(viewer);
    const db = tx ?? this.deps.db;
    const profile = await db.query.volunteerProfiles.findFirst({ where: eq(volunteerProfiles.userId, actor.userId) });
    if (!profile) throw new RuleViolationError('volunteers.profile.missing');
    const org = await db.query.organizations.findFirst({ where: and(eq(organizations.id, organizationId), eq(organizations.status, 'verified')) });
    if (!org) throw new NotFoundError('organization');
    const joined = await db.insert(volunteerVettings).values({ organizationId, volunteerUserId: actor.userId }).onConflictDoNothing().returning({ id: volunteerVettings.id });
    if (joined.length > 0) await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'volunteer.join', subjectType: 'user', subjectId: actor.userId }, db);
  }

  /**
   * The organization records its vetting of a volunteer who joined it. A background check without
   * a stated expiry is stored with the default one, so every stored check has an expiry. Dates in
   * the future (other than the expiry) are refused, naming the field; nothing is changed. Nobody
   * records their own vetting.
   */
  async record(viewer: Viewer, organizationId: string, volunteerUserId: string, input: VettingInput, t: Translate): Promise<VettingView> {
    const { actor } = requireOrgRole(viewer, organizationId, VOLUNTEER_COORDINATORS);
    // A member who also volunteers is vetted by a colleague, like anyone else.
    if (volunteerUserId === actor.userId) throw new RuleViolationError('volunteers.vetting.own');
    const problems = vettingInputProblems(input, this.today());
    if (problems.length > 0) {
      throw new ValidationError(Object.fromEntries(problems.map((p) => [p.field, t('validation.field', { label: t(`fields.${p.field}`), message: t(p.code) })])));
    }
    return this.deps.db.transaction(async (tx) => {
      const current = await tx.query.volunteerVettings.findFirst({ where: and(eq(volunteerVettings.organizationId, organizationId), eq(volunteerVettings.volunteerUserId, volunteerUserId)) });
      if (!current) throw new NotFoundError('volunteer');
      const values = {
        identityVerifiedOn: input.identityVerifiedOn,
        backgroundCheckOn: input.backgroundCheckOn,
        backgroundCheckExpiresOn: input.backgroundCheckOn ? backgroundCheckExpiry(input.backgroundCheckOn, input.backgroundCheckExpiresOn) : null,
        trainings: input.trainings,
        qualifiedRoles: input.qualifiedRoles,
        note: input.vettingNote,
        recordedBy: actor.userId,
        recordedAt: this.now(),
      };
      const [row] = await tx.update(volunteerVettings).set(values).where(eq(volunteerVettings.id, current.id)).returning();
      await this.deps.audit.record(
        {
          actorUserId: actor.userId,
          organizationId,
          action: 'volunteer.vetting',
          subjectType: 'user',
          subjectId: volunteerUserId,
          detail: { identityVerifiedOn: values.identityVerifiedOn, backgroundCheckOn: values.backgroundCheckOn, backgroundCheckExpiresOn: values.backgroundCheckExpiresOn, trainings: values.trainings.length, qualifiedRoles: values.qualifiedRoles },
        },
        tx,
      );
      return this.view(row);
    });
  }
}
