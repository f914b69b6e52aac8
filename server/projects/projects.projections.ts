import type { projectRoles, projects } from '../db/schema';
import { fullName } from '../lib/regions';
import { formatFen } from '../lib/money';
import { projectActions, type ProjectStatus } from './projects.rules';

/** A volunteer role as anyone may see it. */
export interface ProjectRoleView {
  id: string;
  title: string;
  roleKind: string;
  cadence: string;
  requiredSkills: string[];
  slots: number;
}

/**
 * What the public sees of a project: what it offers, where, to whom, how many places are left
 * and the money it asks for. Nothing about reviewers, the people who wrote it, or the children in it.
 */
export interface PublicProject {
  id: string;
  organizationId: string;
  organizationName: string;
  title: string;
  description: string;
  needKinds: string[];
  regions: Array<{ code: string; name: string }>;
  eligibleClasses: number[];
  minAge: number;
  maxAge: number;
  capacity: number;
  placesLeft: number;
  budgetPerChildFen: number | null;
  fundingGoalFen: number | null;
  startOn: string;
  endOn: string;
  status: string;
  roles: ProjectRoleView[];
}

/** The organization's own view adds what only it and its reviewers see: the review and the counts behind "places left". */
export interface ManagedProject extends PublicProject {
  placesTaken: number;
  placesPromised: number;
  reviewNote: string | null;
  reviewedAt: Date | null;
  submittedAt: Date | null;
  actions: ReturnType<typeof projectActions>;
  /** The organization's registered area, which the project's regions must lie inside. */
  area: { code: string | null; name: string };
}

type ProjectRow = typeof projects.$inferSelect;
type RoleRow = typeof projectRoles.$inferSelect;

export const roleView = (r: RoleRow): ProjectRoleView => ({ id: r.id, title: r.title, roleKind: r.roleKind, cadence: r.cadence, requiredSkills: r.requiredSkills, slots: r.slots });

/** The one place a project row becomes its public shape. */
export function publicProject(p: ProjectRow, organizationName: string, roles: RoleRow[]): PublicProject {
  return {
    id: p.id,
    organizationId: p.organizationId,
    organizationName,
    title: p.title,
    description: p.description,
    needKinds: p.needKinds,
    regions: p.regionCodes.map((code) => ({ code, name: fullName(code) || code })),
    eligibleClasses: p.eligibleClasses,
    minAge: p.minAge,
    maxAge: p.maxAge,
    capacity: p.capacity,
    placesLeft: Math.max(0, p.capacity - p.placesTaken - p.placesPromised),
    budgetPerChildFen: p.budgetPerChildFen,
    fundingGoalFen: p.fundingGoalFen,
    startOn: p.startOn,
    endOn: p.endOn,
    status: p.status,
    roles: roles.map(roleView),
  };
}

/** The organization's view of its own project. */
export function managedProject(p: ProjectRow, organization: { name: string; regionCode: string | null }, roles: RoleRow[]): ManagedProject {
  const area = { code: organization.regionCode, name: organization.regionCode ? fullName(organization.regionCode) : '' };
  return { ...publicProject(p, organization.name, roles), area, placesTaken: p.placesTaken, placesPromised: p.placesPromised, reviewNote: p.reviewNote, reviewedAt: p.reviewedAt, submittedAt: p.submittedAt, actions: projectActions(p.status as ProjectStatus) };
}

/** A project as the edit form shows it: the strings a person would type (money in yuan, regions as a list). */
export function projectFormValues(p: ManagedProject): Record<string, unknown> {
  const yuan = (fen: number | null) => (fen === null ? '' : formatFen(fen));
  return {
    title: p.title,
    description: p.description,
    needKinds: p.needKinds,
    regionCodes: p.regions.map((r) => r.code).join(' '),
    eligibleClasses: p.eligibleClasses.map(String),
    minAge: p.minAge,
    maxAge: p.maxAge,
    capacity: p.capacity,
    budgetPerChildFen: yuan(p.budgetPerChildFen),
    fundingGoalFen: yuan(p.fundingGoalFen),
    startOn: p.startOn,
    endOn: p.endOn,
  };
}
