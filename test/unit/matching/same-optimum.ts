import { eligibility, objectiveOf, scorePair, type MatchInput, type MatchResult, type Proposal } from '../../../server/matching/matching.rules';

const NEAR: Record<number, string | undefined> = { 3: 'same_county', 2: 'same_city', 1: 'same_province' };

/**
 * What a warm `rematch` owes a full run: the same children matched, the same reasons for those
 * left out, the same objective to the last term, and every proposal an eligible pair within the
 * projects' places, scored as `scorePair` scores it. Only which of equally close projects a child
 * goes to may differ. Returns a plain value, so that a failing case shows its label and what differs.
 */
export function sameOptimum(actual: MatchResult, full: MatchResult, input: MatchInput): unknown {
  const needs = new Map(input.needs.map((n) => [n.id, n]));
  const projects = new Map(input.projects.map((p) => [p.id, p]));
  const excluded = new Set((input.excludedPairs ?? []).map((x) => `${x.needId}|${x.projectId}`));
  const placed = new Map<string, number>();
  const wrong: string[] = [];
  const withoutNear = (p: Proposal): unknown => p.reasons.filter((r) => !Object.values(NEAR).includes(r.code));
  const fullById = new Map(full.proposals.map((p) => [p.needId, p]));
  for (const p of actual.proposals) {
    const n = needs.get(p.needId);
    const project = projects.get(p.projectId);
    if (!n || !project) {
      wrong.push(`${p.needId}→${p.projectId}: not in the input`);
      continue;
    }
    placed.set(p.projectId, (placed.get(p.projectId) ?? 0) + 1);
    if (!eligibility(n, project, input.activeHelp, input.today).eligible) wrong.push(`${p.needId}→${p.projectId}: not eligible`);
    if (excluded.has(`${p.needId}|${p.projectId}`)) wrong.push(`${p.needId}→${p.projectId}: turned down before`);
    const scored = scorePair(n, project, input.coverage, input.today);
    if (scored.score !== p.score || JSON.stringify(scored.parts) !== JSON.stringify(p.parts)) wrong.push(`${p.needId}→${p.projectId}: scored ${p.score}, not ${scored.score}`);
    const near = NEAR[p.parts.closeness];
    if ((near !== undefined) !== p.reasons.some((r) => r.code === near)) wrong.push(`${p.needId}→${p.projectId}: closeness reason`);
    const other = fullById.get(p.needId);
    if (other && JSON.stringify(withoutNear(p)) !== JSON.stringify(withoutNear(other))) wrong.push(`${p.needId}: reasons differ`);
  }
  for (const [id, count] of placed) if (count > projects.get(id)!.remainingCapacity) wrong.push(`${id}: ${count} needs in fewer places`);
  return {
    matched: actual.proposals.map((p) => p.needId),
    objective: objectiveOf(actual.proposals),
    unmatched: actual.unmatched,
    wrong,
  };
}

/** The same summary of a full run, for `toEqual` against `sameOptimum`. */
export function optimumOf(full: MatchResult): unknown {
  return { matched: full.proposals.map((p) => p.needId), objective: objectiveOf(full.proposals), unmatched: full.unmatched, wrong: [] };
}
