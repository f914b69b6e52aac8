/** Pure rules of help projects: statuses, what may change when, capacity, dates and regions. No I/O. */
import { regionPrefix } from '../matching/matching.rules';

export const PROJECT_STATUSES = ['draft', 'under_review', 'open', 'full', 'closed', 'rejected'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

/** Statuses in which a project is public (its page and the project list show it). */
export const PUBLIC_PROJECT_STATUSES: readonly ProjectStatus[] = ['open', 'full', 'closed'];

/** Statuses in which the organization may still rewrite everything; once public only some fields change. */
const FREELY_EDITABLE: readonly ProjectStatus[] = ['draft', 'rejected'];

const TRANSITIONS: Record<ProjectStatus, readonly ProjectStatus[]> = {
  draft: ['under_review'],
  under_review: ['open', 'rejected'],
  rejected: ['under_review'],
  open: ['full', 'closed'],
  full: ['open', 'closed'],
  closed: [],
};

/** Whether a project may move from one status to another (e.g. only a reviewer opens one, and only from review). */
export const canTransition = (from: ProjectStatus, to: ProjectStatus): boolean => TRANSITIONS[from].includes(to);

/** What the organization may do with a project in a status: the screen offers exactly these. */
export function projectActions(status: ProjectStatus): { edit: boolean; submit: boolean; close: boolean; isPublic: boolean; addRoles: boolean } {
  return {
    edit: FREELY_EDITABLE.includes(status) || status === 'open' || status === 'full',
    submit: canTransition(status, 'under_review'),
    close: canTransition(status, 'closed'),
    isPublic: PUBLIC_PROJECT_STATUSES.includes(status),
    addRoles: status !== 'closed',
  };
}

/** Volunteer roles a project can ask for; the volunteers area matches people to them. */
export const ROLE_KINDS = ['tutor', 'companion', 'counselor', 'trainer', 'medical', 'other'] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

/** What a project offers, as the rules check it. Dates are 'YYYY-MM-DD' (China calendar). */
export interface ProjectTerms {
  needKinds: string[];
  regionCodes: string[];
  eligibleClasses: number[];
  minAge: number;
  maxAge: number;
  capacity: number;
  budgetPerChildFen: number | null;
  fundingGoalFen: number | null;
  startOn: string;
  endOn: string;
}

/** One refused field, with the message key that says why. */
export interface TermsProblem {
  field: keyof ProjectTerms;
  code: string;
  params?: Record<string, string | number>;
}

/**
 * Whether a reviewer may open or return a project with these regions: every region must lie
 * inside the registered region of one of the reviewer's government offices (`null`: a platform
 * admin, who reviews everywhere). An office without a registered region reviews nothing, as it
 * has no area to answer for.
 */
export function withinReviewArea(regionCodes: readonly string[], officeAreas: readonly string[] | null): boolean {
  if (officeAreas === null) return true;
  return officeAreas.some((area) => regionCodes.every((code) => regionWithinArea(code, area)));
}

/**
 * True when `regionCode` lies inside the organization's registered area. An organization
 * registered at a city works anywhere in that city; one without a region, anywhere.
 */
export function regionWithinArea(regionCode: string, areaCode: string | null): boolean {
  if (!areaCode) return true;
  return regionCode.startsWith(regionPrefix(areaCode));
}

/**
 * Everything wrong with a project's terms: end before start or already past, an age range upside
 * down, a region outside the organization's area, capacity below the children already confirmed
 * or accepted (`assigned`), a funding goal smaller than one child's budget.
 */
export function termsProblems(terms: ProjectTerms, ctx: { areaCode: string | null; assigned: number; today: string }): TermsProblem[] {
  const out: TermsProblem[] = [];
  if (terms.endOn < terms.startOn) out.push({ field: 'endOn', code: 'projects.rules.end_before_start' });
  else if (terms.endOn < ctx.today) out.push({ field: 'endOn', code: 'projects.rules.already_ended' });
  if (terms.minAge > terms.maxAge) out.push({ field: 'maxAge', code: 'projects.rules.ages_reversed' });
  const outside = terms.regionCodes.filter((c) => !regionWithinArea(c, ctx.areaCode));
  if (outside.length > 0) out.push({ field: 'regionCodes', code: 'projects.rules.region_outside_area', params: { codes: outside.join('、'), area: ctx.areaCode ?? '' } });
  if (terms.capacity < ctx.assigned) out.push({ field: 'capacity', code: 'projects.rules.capacity_below_assigned', params: { assigned: ctx.assigned } });
  if (terms.budgetPerChildFen !== null && terms.fundingGoalFen !== null && terms.fundingGoalFen < terms.budgetPerChildFen) {
    out.push({ field: 'fundingGoalFen', code: 'projects.rules.goal_below_budget' });
  }
  return out;
}

/** The fields a project keeps once it is public: what it promised may not change under the children matched to it. */
const LOCKED_WHEN_PUBLIC = ['needKinds', 'regionCodes', 'eligibleClasses', 'minAge', 'maxAge', 'startOn'] as const;

/**
 * The locked fields an edit would change. Drafts and rejected projects change freely; under
 * review nothing changes (the reviewer is reading it); once public, only capacity, end date,
 * money and the text may move.
 */
export function lockedChanges(status: ProjectStatus, current: ProjectTerms, next: ProjectTerms): Array<keyof ProjectTerms> | 'all' {
  if (FREELY_EDITABLE.includes(status)) return [];
  if (status === 'under_review' || status === 'closed') return 'all';
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const sorted = (xs: Array<string | number>) => [...xs].map(String).sort();
  return LOCKED_WHEN_PUBLIC.filter((f) => {
    const a = current[f];
    const b = next[f];
    return Array.isArray(a) && Array.isArray(b) ? !same(sorted(a), sorted(b)) : a !== b;
  });
}

/**
 * The status capacity implies for a public project: full when every place is taken by a confirmed
 * child, open again when places come back (capacity raised). Other statuses are left as they are.
 */
export function statusForCapacity(status: ProjectStatus, capacity: number, taken: number): ProjectStatus {
  if (status === 'open' && taken >= capacity) return 'full';
  if (status === 'full' && taken < capacity) return 'open';
  return status;
}
