import { and, asc, count, desc, eq, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { organizations, projectRoles, projects } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgKind, requireOrgRole, requireSignedIn, type Actor, type Viewer } from '../lib/authorization';
import { ForbiddenError, NotFoundError, RuleViolationError, ValidationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import { countyOf, fullName } from '../lib/regions';
import { chinaDate } from '../children/id-number.rules';
import { regionPrefix } from '../matching/matching.rules';
import { canTransition, lockedChanges, PUBLIC_PROJECT_STATUSES, statusForCapacity, termsProblems, withinReviewArea, type ProjectStatus, type ProjectTerms } from './projects.rules';
import { managedProject, publicProject, type ManagedProject, type PublicProject } from './projects.projections';
import type { ProjectFilters, ProjectInput, RoleInput } from './projects.schemas';
import type { ProjectFunding } from '../realtime/project-funding';
import { throughCache, type PublicCache } from '../lib/public-cache';

/** Who runs a project: the admins and staff of a verified charity or caring enterprise. */
export const PROJECT_ROLES = ['admin', 'staff'] as const;
const PROJECT_ORG_KINDS: readonly string[] = ['charity', 'enterprise'];
const LIST_PAGE = 20;

/** Rule: the actor is an admin or staff member of this organization, a verified charity or caring enterprise. */
export function requireProjectPublisher(viewer: Viewer, organizationId: string): { actor: Actor } {
  const { actor, membership } = requireOrgRole(viewer, organizationId, PROJECT_ROLES);
  if (!PROJECT_ORG_KINDS.includes(membership.organizationKind)) throw new ForbiddenError('only charities and caring enterprises run projects');
  return { actor };
}

/** Rule: platform admins and members of verified government offices review projects before they are public. */
function requireReviewer(viewer: Viewer): Actor {
  const actor = requireSignedIn(viewer);
  return actor.isPlatformAdmin ? actor : requireOrgKind(viewer, ['government']).actor;
}

/** What the projects area asks of matching. Wired lazily in buildServices, because matching reads projects too. */
export interface ProjectMatchingHooks {
  /** Re-runs matching around these projects or needs (a project opened, gained places or closed). */
  rematchFor(scope: { needIds?: string[]; projectIds?: string[] }): Promise<unknown>;
  /** Inside the closing transaction: ends the project's live proposals; returns the needs that are free again. */
  releaseProject(tx: Tx, projectId: string, actorUserId: string): Promise<string[]>;
}

export interface ProjectsDeps {
  db: Database;
  audit: AuditService;
  matching: ProjectMatchingHooks;
  logger: Logger;
  /** Projects locked out for an overdue disclosure leave the public list and search (funds/disclosure-lockout.ts). */
  disclosureLockout?: {
    lockedProjectIds(): Promise<string[]>;
    lockoutOf(project: { id: string; startOn: string; endOn: string; status: string }): Promise<{ kind: string; daysOverdue: number } | null>;
  };
  now?: () => Date;
  /** Raised against goal, for the public page (the money is the ledger's, not this area's). */
  funding?: { of(projectId: string): Promise<ProjectFunding | null> };
  /** Remembers public project pages for a few seconds; forgotten on every change to what they show. */
  publicCache?: PublicCache;
}

/** An open project as matching needs it; `homeRegionCode` is the organization's county (or its wider area). */
export interface ProjectForMatching {
  id: string;
  organizationId: string;
  needKinds: string[];
  regionCodes: string[];
  eligibleClasses: number[];
  minAge: number;
  maxAge: number;
  startOn: string;
  endOn: string;
  placesLeft: number;
  homeRegionCode: string | undefined;
}

type ProjectRow = typeof projects.$inferSelect;

const termsOf = (p: ProjectTerms): ProjectTerms => ({
  needKinds: p.needKinds,
  regionCodes: p.regionCodes,
  eligibleClasses: p.eligibleClasses,
  minAge: p.minAge,
  maxAge: p.maxAge,
  capacity: p.capacity,
  budgetPerChildFen: p.budgetPerChildFen,
  fundingGoalFen: p.fundingGoalFen,
  startOn: p.startOn,
  endOn: p.endOn,
});

/** The county an organization works from, for closeness; a city- or province-level organization keeps its own code. */
function homeRegionOf(regionCode: string | null): string | undefined {
  if (!regionCode) return undefined;
  return regionCode.length === 6 ? regionCode : countyOf(regionCode)?.code;
}

/** A project row as matching sees it: what it offers, where, and the places it may still fill. */
function matchingView(p: ProjectRow, orgRegion: string | null): ProjectForMatching {
  return {
    id: p.id,
    organizationId: p.organizationId,
    needKinds: p.needKinds,
    regionCodes: p.regionCodes,
    eligibleClasses: p.eligibleClasses,
    minAge: p.minAge,
    maxAge: p.maxAge,
    startOn: p.startOn,
    endOn: p.endOn,
    placesLeft: p.capacity - p.placesTaken - p.placesPromised,
    homeRegionCode: homeRegionOf(orgRegion),
  };
}

export class ProjectsService {
  private readonly now: () => Date;
  constructor(private readonly deps: ProjectsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private today(): string {
    return chinaDate(this.now());
  }

  private async areaOf(organizationId: string): Promise<{ name: string; regionCode: string | null }> {
    const [org] = await this.deps.db.select({ name: organizations.name, regionCode: organizations.regionCode }).from(organizations).where(eq(organizations.id, organizationId));
    if (!org) throw new NotFoundError('organization');
    return org;
  }

  /** Refuses terms that break a rule, naming every field at once; nothing is written. */
  private checkTerms(terms: ProjectTerms, areaCode: string | null, assigned: number, t: Translate): void {
    const problems = termsProblems(terms, { areaCode, assigned, today: this.today() });
    if (problems.length === 0) return;
    const fields: Record<string, string> = {};
    for (const p of problems) fields[p.field] ??= t('validation.field', { label: t(`fields.${p.field}`), message: t(p.code, p.params) });
    throw new ValidationError(fields);
  }

  private async rematchAfterCommit(scope: { needIds?: string[]; projectIds?: string[] }): Promise<void> {
    // The change itself has committed; matching catches up on its next run if this one fails.
    await this.deps.matching.rematchFor(scope).catch((err) => this.deps.logger.warn('matching after a project change failed', { err }));
  }

  /** What the project form tells the organization: its name and registered area (a project's regions must lie inside it). */
  async formContext(viewer: Viewer, organizationId: string): Promise<{ organizationName: string; areaCode: string | null; areaName: string }> {
    requireProjectPublisher(viewer, organizationId);
    const area = await this.areaOf(organizationId);
    return { organizationName: area.name, areaCode: area.regionCode, areaName: area.regionCode ? fullName(area.regionCode) : '' };
  }

  /** A charity or enterprise writes a project as a draft; its regions must lie inside the organization's registered area. */
  async create(viewer: Viewer, organizationId: string, input: ProjectInput, t: Translate): Promise<{ id: string }> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    const area = await this.areaOf(organizationId);
    this.checkTerms(input, area.regionCode, 0, t);
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(projects)
        .values({ organizationId, title: input.title, description: input.description, ...termsOf(input), createdBy: actor.userId })
        .returning({ id: projects.id });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'project.create', subjectType: 'project', subjectId: row.id }, tx);
      return row;
    });
  }

  /**
   * The organization edits its project. Drafts and rejected projects change freely; under review
   * nothing changes; an open or full project may change its text, money, end date and capacity,
   * but capacity never below the children already confirmed or accepted. Places gained reopen a
   * full project and are offered to matching at once.
   */
  async update(viewer: Viewer, organizationId: string, projectId: string, input: ProjectInput, t: Translate): Promise<void> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    const area = await this.areaOf(organizationId);
    const rematch = await this.deps.db.transaction(async (tx) => {
      const [current] = await tx.select().from(projects).where(and(eq(projects.id, projectId), eq(projects.organizationId, organizationId))).for('update');
      if (!current) throw new NotFoundError('project');
      const status = current.status as ProjectStatus;
      const locked = lockedChanges(status, termsOf(current), termsOf(input));
      if (locked === 'all') throw new RuleViolationError('projects.edit.not_now', { status: t(`projects.status.${status}`) });
      if (locked.length > 0) throw new RuleViolationError('projects.edit.locked', { fields: locked.map((f) => t(`fields.${f}`)).join(t('projects.separator')) });
      this.checkTerms(input, area.regionCode, current.placesTaken + current.placesPromised, t);
      const next = statusForCapacity(status, input.capacity, current.placesTaken);
      this.deps.publicCache?.changing();
      await tx
        .update(projects)
        .set({ title: input.title, description: input.description, ...termsOf(input), status: next, updatedAt: this.now() })
        .where(eq(projects.id, projectId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'project.update', subjectType: 'project', subjectId: projectId, detail: { status: next, capacity: input.capacity } }, tx);
      return next === 'open' || status === 'open';
    });
    if (rematch) await this.rematchAfterCommit({ projectIds: [projectId] });
  }

  private async move(tx: Tx, current: ProjectRow, to: ProjectStatus, t: Translate, values: Partial<typeof projects.$inferInsert> = {}): Promise<void> {
    const from = current.status as ProjectStatus;
    if (!canTransition(from, to)) throw new RuleViolationError('projects.status.cannot', { status: t(`projects.status.${from}`), to: t(`projects.status.${to}`) });
    this.deps.publicCache?.changing();
    const moved = await tx
      .update(projects)
      .set({ ...values, status: to, updatedAt: this.now() })
      .where(and(eq(projects.id, current.id), eq(projects.status, from)))
      .returning({ id: projects.id });
    if (moved.length === 0) throw new RuleViolationError('projects.status.changed');
  }

  private async ownProject(tx: Database | Tx, organizationId: string, projectId: string): Promise<ProjectRow> {
    const [row] = await tx.select().from(projects).where(and(eq(projects.id, projectId), eq(projects.organizationId, organizationId)));
    if (!row) throw new NotFoundError('project');
    return row;
  }

  /** The organization sends a draft (or a rejected project, corrected) to review; terms are checked again first. */
  async submit(viewer: Viewer, organizationId: string, projectId: string, t: Translate): Promise<void> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    const area = await this.areaOf(organizationId);
    await this.deps.db.transaction(async (tx) => {
      const current = await this.ownProject(tx, organizationId, projectId);
      this.checkTerms(termsOf(current), area.regionCode, 0, t);
      await this.move(tx, current, 'under_review', t, { submittedAt: this.now() });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'project.submit', subjectType: 'project', subjectId: projectId }, tx);
    });
  }

  /** Registered regions of the reviewer's verified government offices; null for a platform admin (everywhere). */
  private async reviewAreas(viewer: Viewer): Promise<{ actor: Actor; areas: string[] | null }> {
    const actor = requireReviewer(viewer);
    if (actor.isPlatformAdmin) return { actor, areas: null };
    const offices = actor.memberships.filter((m) => m.organizationKind === 'government' && m.organizationStatus === 'verified').map((m) => m.organizationId);
    const rows = await this.deps.db.select({ regionCode: organizations.regionCode }).from(organizations).where(inArray(organizations.id, offices));
    return { actor, areas: rows.flatMap((r) => (r.regionCode ? [r.regionCode] : [])) };
  }

  /** Projects waiting for review that this reviewer may decide, oldest first: a government office sees those inside its region, a platform admin all. */
  async reviewQueue(viewer: Viewer): Promise<ManagedProject[]> {
    const { areas } = await this.reviewAreas(viewer);
    const rows = await this.deps.db
      .select({ p: projects, org: { name: organizations.name, regionCode: organizations.regionCode } })
      .from(projects)
      .innerJoin(organizations, eq(organizations.id, projects.organizationId))
      .where(eq(projects.status, 'under_review'))
      .orderBy(asc(projects.submittedAt), asc(projects.id));
    const mine = rows.filter((r) => withinReviewArea(r.p.regionCodes, areas));
    const roles = await this.rolesOf(mine.map((r) => r.p.id));
    return mine.map((r) => managedProject(r.p, r.org, roles.get(r.p.id) ?? []));
  }

  /**
   * A reviewer opens a project (it becomes public and matching offers it needs at once) or
   * rejects it with a note the organization reads. A project already decided, or one whose end
   * date has passed while it waited, is refused; so is a government office reviewing a project
   * with a region outside its own.
   */
  async review(viewer: Viewer, projectId: string, decision: 'approve' | 'reject', note: string, t: Translate): Promise<void> {
    const { actor, areas } = await this.reviewAreas(viewer);
    const opened = await this.deps.db.transaction(async (tx) => {
      const [current] = await tx.select().from(projects).where(eq(projects.id, projectId)).for('update');
      if (!current) throw new NotFoundError('project');
      if (!withinReviewArea(current.regionCodes, areas)) {
        // The regions no office covers; when each lies in some office but no one office covers all, every region.
        const outside = current.regionCodes.filter((c) => !withinReviewArea([c], areas));
        throw new RuleViolationError('projects.review.outside_region', { regions: (outside.length > 0 ? outside : current.regionCodes).map((c) => `${fullName(c)}（${c}）`).join(t('projects.separator')) });
      }
      if (current.status !== 'under_review') throw new RuleViolationError('projects.review.not_under_review');
      if (decision === 'approve' && current.endOn < this.today()) throw new RuleViolationError('projects.review.ended', { endOn: current.endOn });
      const at = this.now();
      await this.move(tx, current, decision === 'approve' ? 'open' : 'rejected', t, { reviewedBy: actor.userId, reviewedAt: at, reviewNote: note || null, openedAt: decision === 'approve' ? at : null });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId: current.organizationId, action: `project.${decision}`, subjectType: 'project', subjectId: projectId, reason: note || null }, tx);
      return decision === 'approve';
    });
    if (opened) await this.rematchAfterCommit({ projectIds: [projectId] });
  }

  /** The organization closes an open or full project: it takes no more children; proposals waiting on it end and their needs return to matching. */
  async close(viewer: Viewer, organizationId: string, projectId: string, t: Translate): Promise<void> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    const freed = await this.deps.db.transaction(async (tx) => {
      const current = await this.ownProject(tx, organizationId, projectId);
      const freedNeeds = await this.deps.matching.releaseProject(tx, projectId, actor.userId);
      await this.move(tx, current, 'closed', t, { closedAt: this.now(), placesPromised: 0 });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'project.close', subjectType: 'project', subjectId: projectId, detail: { freedNeeds: freedNeeds.length } }, tx);
      return freedNeeds;
    });
    if (freed.length > 0) await this.rematchAfterCommit({ needIds: freed });
  }

  /** The organization adds a volunteer role its project needs (not to a closed project). */
  async addRole(viewer: Viewer, organizationId: string, projectId: string, input: RoleInput): Promise<void> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    await this.deps.db.transaction(async (tx) => {
      const current = await this.ownProject(tx, organizationId, projectId);
      if (current.status === 'closed') throw new RuleViolationError('projects.roles.closed');
      this.deps.publicCache?.changing();
      const [role] = await tx.insert(projectRoles).values({ projectId, title: input.roleTitle, roleKind: input.roleKind, cadence: input.cadence, requiredSkills: input.requiredSkills, slots: input.slots }).returning({ id: projectRoles.id });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'project.role.add', subjectType: 'project', subjectId: projectId, detail: { roleId: role.id, roleKind: input.roleKind } }, tx);
    });
  }

  /** The organization removes a volunteer role from its project. */
  async removeRole(viewer: Viewer, organizationId: string, projectId: string, roleId: string): Promise<void> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    await this.deps.db.transaction(async (tx) => {
      this.deps.publicCache?.changing();
      await this.ownProject(tx, organizationId, projectId);
      const gone = await tx.delete(projectRoles).where(and(eq(projectRoles.id, roleId), eq(projectRoles.projectId, projectId))).returning({ id: projectRoles.id });
      if (gone.length === 0) throw new NotFoundError('role');
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'project.role.remove', subjectType: 'project', subjectId: projectId, detail: { roleId } }, tx);
    });
  }

  private async rolesOf(projectIds: string[]): Promise<Map<string, Array<typeof projectRoles.$inferSelect>>> {
    const out = new Map<string, Array<typeof projectRoles.$inferSelect>>();
    if (projectIds.length === 0) return out;
    const rows = await this.deps.db.select().from(projectRoles).where(inArray(projectRoles.projectId, projectIds)).orderBy(asc(projectRoles.createdAt), asc(projectRoles.id));
    for (const r of rows) out.set(r.projectId, [...(out.get(r.projectId) ?? []), r]);
    return out;
  }

  /** The organization's own projects in every status, newest first. */
  async forOrganization(viewer: Viewer, organizationId: string): Promise<ManagedProject[]> {
    requireProjectPublisher(viewer, organizationId);
    const area = await this.areaOf(organizationId);
    const rows = await this.deps.db.select().from(projects).where(eq(projects.organizationId, organizationId)).orderBy(desc(projects.createdAt), asc(projects.id));
    const roles = await this.rolesOf(rows.map((r) => r.id));
    return rows.map((r) => managedProject(r, area, roles.get(r.id) ?? []));
  }

  /** One project of the organization, as its own staff see it (with the review note and the area its regions must lie in). */
  async managed(viewer: Viewer, organizationId: string, projectId: string): Promise<ManagedProject> {
    requireProjectPublisher(viewer, organizationId);
    const [row, area] = await Promise.all([this.ownProject(this.deps.db, organizationId, projectId), this.areaOf(organizationId)]);
    const roles = await this.rolesOf([projectId]);
    return managedProject(row, area, roles.get(projectId) ?? []);
  }

  private searchWhere(filters: ProjectFilters, lockedOut: readonly string[]): SQL | undefined {
    const conds: SQL[] = [inArray(projects.status, ['open', 'full'])];
    if (lockedOut.length > 0) conds.push(notInArray(projects.id, [...lockedOut]));
    if (filters.kind) conds.push(sql`${filters.kind} = any(${projects.needKinds})`);
    if (filters.q) {
      const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conds.push(sql`(${projects.title} ilike ${pattern} or ${projects.description} ilike ${pattern})`);
    }
    if (filters.region) {
      // A project shows for a region it serves (its area contains the region) or serves part of (it lies inside the region).
      const inside = `${regionPrefix(filters.region)}%`;
      conds.push(sql`exists (select 1 from unnest(${projects.regionCodes}) as rc(code)
        where ${filters.region} like (case when rc.code ~ '^[0-9]{2}0000$' then left(rc.code, 2) when rc.code ~ '^[0-9]{4}00$' then left(rc.code, 4) else rc.code end) || '%'
           or rc.code like ${inside})`);
    }
    return and(...conds);
  }

  /** The public project list: open and full projects not locked out for an overdue disclosure, searchable by kind, region and words, open ones first, a page at a time. */
  async search(filters: ProjectFilters, page: number): Promise<{ projects: PublicProject[]; total: number; pageSize: number }> {
    const where = this.searchWhere(filters, (await this.deps.disclosureLockout?.lockedProjectIds()) ?? []);
    const [rows, [{ total }]] = await Promise.all([
      this.deps.db
        .select({ p: projects, orgName: organizations.name })
        .from(projects)
        .innerJoin(organizations, eq(organizations.id, projects.organizationId))
        .where(where)
        .orderBy(sql`${projects.status} = 'open' desc`, desc(projects.openedAt), asc(projects.id))
        .limit(LIST_PAGE)
        .offset((page - 1) * LIST_PAGE),
      this.deps.db.select({ total: count() }).from(projects).where(where),
    ]);
    const roles = await this.rolesOf(rows.map((r) => r.p.id));
    return { projects: rows.map((r) => publicProject(r.p, r.orgName, roles.get(r.p.id) ?? [])), total, pageSize: LIST_PAGE };
  }

  /** A project's public page with raised against goal; drafts, projects under review and rejected ones are not found. A project locked out for an overdue disclosure stays reachable and says so. */
  async publicView(projectId: string): Promise<PublicProject & { funding: ProjectFunding | null; giftLockout: { kind: string; daysOverdue: number } | null }> {
    return throughCache(this.deps.publicCache, `project:${projectId}`, () => this.loadPublicView(projectId));
  }

  private async loadPublicView(projectId: string): Promise<PublicProject & { funding: ProjectFunding | null; giftLockout: { kind: string; daysOverdue: number } | null }> {
    const [row] = await this.deps.db
      .select({ p: projects, orgName: organizations.name })
      .from(projects)
      .innerJoin(organizations, eq(organizations.id, projects.organizationId))
      .where(and(eq(projects.id, projectId), inArray(projects.status, [...PUBLIC_PROJECT_STATUSES])));
    if (!row) throw new NotFoundError('project');
    const [roles, funding, giftLockout] = await Promise.all([this.rolesOf([projectId]), this.deps.funding?.of(projectId) ?? null, this.deps.disclosureLockout?.lockoutOf(row.p) ?? null]);
    return { ...publicProject(row.p, row.orgName, roles.get(projectId) ?? []), funding, giftLockout };
  }

  /** Titles and organizations of projects, for screens that name them (proposals, help records). */
  async titles(projectIds: string[]): Promise<Map<string, { title: string; organizationId: string; organizationName: string }>> {
    if (projectIds.length === 0) return new Map();
    const rows = await this.deps.db
      .select({ id: projects.id, title: projects.title, organizationId: projects.organizationId, organizationName: organizations.name })
      .from(projects)
      .innerJoin(organizations, eq(organizations.id, projects.organizationId))
      .where(inArray(projects.id, projectIds));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Open projects with the places matching may still fill (capacity less confirmed and promised places). */
  async openForMatching(tx: Database | Tx = this.deps.db): Promise<ProjectForMatching[]> {
    const rows = await tx
      .select({ p: projects, orgRegion: organizations.regionCode })
      .from(projects)
      .innerJoin(organizations, eq(organizations.id, projects.organizationId))
      .where(eq(projects.status, 'open'));
    return rows.map(({ p, orgRegion }) => matchingView(p, orgRegion));
  }

  /** One project as matching needs it, whatever its status, locked for the caller's transaction (checking a proposal before acting on it). */
  async forMatching(tx: Database | Tx, projectId: string): Promise<(ProjectForMatching & { status: string }) | undefined> {
    const [row] = await tx
      .select({ p: projects, orgRegion: organizations.regionCode })
      .from(projects)
      .innerJoin(organizations, eq(organizations.id, projects.organizationId))
      .where(eq(projects.id, projectId))
      .for('update', { of: projects });
    return row && { ...matchingView(row.p, row.orgRegion), status: row.p.status };
  }

  /** Inside an acceptance: promises one place of an open project; false when none is left. */
  async promisePlace(tx: Tx, projectId: string): Promise<boolean> {
    this.deps.publicCache?.changing();
    const done = await tx
      .update(projects)
      .set({ placesPromised: sql`${projects.placesPromised} + 1`, updatedAt: this.now() })
      .where(and(eq(projects.id, projectId), eq(projects.status, 'open'), sql`${projects.placesTaken} + ${projects.placesPromised} < ${projects.capacity}`))
      .returning({ id: projects.id });
    return done.length > 0;
  }

  /** Inside a withdrawal of an accepted proposal: gives its promised place back. */
  async releasePromise(tx: Tx, projectId: string): Promise<void> {
    this.deps.publicCache?.changing();
    await tx
      .update(projects)
      .set({ placesPromised: sql`greatest(${projects.placesPromised} - 1, 0)`, updatedAt: this.now() })
      .where(eq(projects.id, projectId));
  }

  /** Inside a confirmation: the promised place becomes a taken one; the project is full when none is left. */
  async takePromisedPlace(tx: Tx, projectId: string): Promise<ProjectStatus> {
    this.deps.publicCache?.changing();
    const [row] = await tx
      .update(projects)
      .set({ placesTaken: sql`${projects.placesTaken} + 1`, placesPromised: sql`${projects.placesPromised} - 1`, updatedAt: this.now() })
      .where(and(eq(projects.id, projectId), sql`${projects.placesPromised} > 0`))
      .returning();
    if (!row) throw new RuleViolationError('projects.places.none_promised');
    const next = statusForCapacity(row.status as ProjectStatus, row.capacity, row.placesTaken);
    if (next !== row.status) await tx.update(projects).set({ status: next }).where(eq(projects.id, projectId));
    return next;
  }
}
