import type { StoredReason } from '../db/schema';
import type { Translate } from '../lib/i18n';

/**
 * What each side sees of a proposal. The project's organization sees the need's PUBLIC
 * projection only (public code, kind, urgency, age band, region) and only the reasons that add
 * nothing to it; the need's organization sees the project and every reason, since it already
 * knows the child.
 */

/** A need as the project's organization may see it: the published projection, no identity. */
export interface NeedForProject {
  publicCode: string;
  kind: string;
  urgency: number;
  /** null while k-anonymity holds the need back (then region and age band are not shown either). */
  ageBand: string | null;
  regionName: string;
  regionLevel: string | null;
  /** Whether the need is on the public board (its page can be linked). */
  visible: boolean;
}

export interface ProposalForProject {
  id: string;
  status: string;
  projectId: string;
  projectTitle: string;
  need: NeedForProject;
  reasons: string[];
  /** Some reasons were left out because they would describe the child beyond the public projection. */
  reasonsWithheld: boolean;
  proposedAt: Date;
}

/** A need of the organization, with its proposal (if any) and the reasons in plain words. */
export interface ProposalForNeed {
  id: string;
  status: string;
  needId: string;
  childId: string;
  publicCode: string;
  kind: string;
  urgency: number;
  projectId: string;
  projectTitle: string;
  projectOrganization: string;
  reasons: string[];
  proposedAt: Date;
}

/** A need of the organization that the latest run left without a proposal, and why. */
export interface UnmatchedForNeed {
  needId: string;
  childId: string;
  publicCode: string;
  kind: string;
  urgency: number;
  reasons: string[];
}

/** Reasons the service adds to the engine's (a need or project no longer open). */
const SERVICE_REASONS = new Set(['need_not_open', 'project_not_open']);

/** One reason in the reader's language: kind, class and risk codes become their names. */
export function reasonText(reason: StoredReason, t: Translate): string {
  const params: Record<string, string | number> = { ...reason.params };
  // The engine counts risk 4 = highest; caseworkers' records say 一级 (1) = highest, so say it their way.
  if (reason.code === 'risk' && typeof params.level === 'number') return t('matching_ui.reason.risk', { level: t(`risk.${5 - params.level}`) });
  if (typeof params.kind === 'string') params.kind = t(`kind.${params.kind}`);
  if (params.class !== undefined) params.class = t(`class.${params.class}`);
  return t(SERVICE_REASONS.has(reason.code) ? `matching_ui.reason.${reason.code}` : `matching.reason.${reason.code}`, params);
}

/**
 * Risk level, remote township and county coverage are not in a published need's tuple: telling
 * them to the project's organization would split the k children the tuple hides among. Urgency
 * and waiting time are public; closeness is public when no finer than the region shown.
 */
function publicReason(code: string, regionLevel: string | null): boolean {
  if (code === 'urgency' || code === 'waiting') return true;
  if (code === 'same_city' || code === 'same_province') return regionLevel !== null;
  return code === 'same_county' && regionLevel === 'county';
}

/** The reasons of a proposal the project's organization may read, given the region level the need is published at (null: held back). */
export function reasonsForProject(reasons: StoredReason[], regionLevel: string | null, t: Translate): { reasons: string[]; withheld: boolean } {
  const shown = reasons.filter((r) => publicReason(r.code, regionLevel));
  return { reasons: shown.map((r) => reasonText(r, t)), withheld: shown.length < reasons.length };
}
