import fs from 'node:fs';
import path from 'node:path';
import {
  compareObjectives,
  eligibility,
  eligibilityGraph,
  greedyMatches,
  incrementalScope,
  matchState,
  objectiveOf,
  proposeMatches,
  regionPrefix,
  rematch,
  scorePair,
  COVERAGE_POINTS,
  REMOTE_POINTS,
  SCORE_WEIGHTS,
  WAITING_CAP_DAYS,
  type MatchInput,
  type MatchResult,
  type MatchState,
  type Objective,
  type OpenNeed,
  type OpenProject,
  type Reason,
  type ScoreParts,
} from '../../../server/matching/matching.rules';
import { day, help, input, need, project, prng, randomInstance, shuffled, TODAY, withExclusions } from './factories';
import { optimumOf, sameOptimum } from './same-optimum';

const codes = (reasons: Reason[]): string[] => reasons.map((r) => r.code);
const notEligible = (n: OpenNeed, p: OpenProject, active = [help({ childKey: 'nobody' })]): Reason[] => {
  const e = eligibility(n, p, active, TODAY);
  if (e.eligible) throw new Error('expected the pair not to be eligible');
  return e.reasons;
};
const pairsOf = (r: MatchResult): Array<[string, string]> => r.proposals.map((p) => [p.needId, p.projectId]);

describe('eligibility', () => {
  it('matches a need to a project that fits it in every respect', () => {
    expect(eligibility(need(), project(), [], TODAY)).toEqual({ eligible: true });
  });

  it('requires the kind of help the need asks for', () => {
    expect(notEligible(need({ kind: 'psychological' }), project())).toEqual([{ code: 'kind_not_offered', params: { kind: 'psychological' } }]);
    expect(eligibility(need({ kind: 'psychological' }), project({ kinds: ['tutoring', 'psychological'] }), [], TODAY).eligible).toBe(true);
  });

  it('covers a need from any level of the region hierarchy', () => {
    const n = need({ countyCode: '520324', townshipCode: '520324101' });
    for (const region of ['520000', '520300', '520324', '520324101']) {
      expect(eligibility(n, project({ regionCodes: [region] }), [], TODAY).eligible).toBe(true);
    }
    for (const region of ['530000', '520500', '520321', '520324102', '520324101203']) {
      expect(codes(notEligible(n, project({ regionCodes: [region] })))).toEqual(['outside_region']);
    }
    // Any one of several regions is enough.
    expect(eligibility(n, project({ regionCodes: ['530000', '520324'] }), [], TODAY).eligible).toBe(true);
  });

  it('does not place a need known only by county inside a township-level project', () => {
    const n = need({ townshipCode: undefined });
    expect(codes(notEligible(n, project({ regionCodes: ['520324101'] })))).toEqual(['outside_region']);
    expect(eligibility(n, project({ regionCodes: ['520324'] }), [], TODAY).eligible).toBe(true);
  });

  it('reads region prefixes by level', () => {
    expect(regionPrefix('520000')).toBe('52');
    expect(regionPrefix('520300')).toBe('5203');
    expect(regionPrefix('520324')).toBe('520324');
    expect(regionPrefix('520324101')).toBe('520324101');
    expect(regionPrefix('520324101203')).toBe('520324101203');
  });

  it('serves only the listed classes, or all when none are listed', () => {
    expect(eligibility(need({ childClass: 1 }), project({ classes: [] }), [], TODAY).eligible).toBe(true);
    expect(eligibility(need({ childClass: 1 }), project({ classes: [1, 2] }), [], TODAY).eligible).toBe(true);
    expect(notEligible(need({ childClass: 6 }), project({ classes: [1, 2] }))).toEqual([{ code: 'class_not_covered', params: { class: 6 } }]);
  });

  it('takes the age range as inclusive', () => {
    const p = project({ minAge: 6, maxAge: 12 });
    expect(eligibility(need({ ageYears: 6 }), p, [], TODAY).eligible).toBe(true);
    expect(eligibility(need({ ageYears: 12 }), p, [], TODAY).eligible).toBe(true);
    expect(notEligible(need({ ageYears: 13 }), p)).toEqual([{ code: 'age_out_of_range', params: { age: 13, min: 6, max: 12 } }]);
    expect(codes(notEligible(need({ ageYears: 5 }), p))).toEqual(['age_out_of_range']);
  });

  it('needs a common period from today on', () => {
    expect(notEligible(need(), project({ start: day(-100), end: day(-1) }))).toEqual([{ code: 'project_ended', params: { until: '2026-02-28' } }]);
    // Ending today still leaves today.
    expect(eligibility(need(), project({ start: day(-100), end: day(0) }), [], TODAY).eligible).toBe(true);
    // A project that starts later is fine for an open-ended need…
    expect(eligibility(need(), project({ start: day(30), end: day(90) }), [], TODAY).eligible).toBe(true);
    // …but not for a need that is over by then.
    expect(notEligible(need({ end: day(20) }), project({ start: day(30), end: day(90) }))).toEqual([
      { code: 'dates_do_not_overlap', params: { from: '2026-03-31', until: '2026-05-30' } },
    ]);
    expect(codes(notEligible(need({ start: day(100) }), project({ start: day(0), end: day(90) })))).toEqual(['dates_do_not_overlap']);
  });

  it('reads dates as Beijing calendar days, whether stored at UTC or Beijing midnight', () => {
    const utcMidnightToday = new Date('2026-03-01T00:00:00Z');
    const late = new Date('2026-03-01T23:30:00+08:00');
    expect(eligibility(need(), project({ end: utcMidnightToday }), [], late).eligible).toBe(true);
    expect(codes(notEligible(need(), project({ end: new Date('2026-02-28T23:59:00+08:00') })))).toEqual(['project_ended']);
  });

  it('needs a place left', () => {
    expect(notEligible(need(), project({ remainingCapacity: 0 }))).toEqual([{ code: 'no_capacity' }]);
  });

  it('lists every rule a pair breaks', () => {
    const reasons = notEligible(need({ kind: 'legal', ageYears: 17, childClass: 3 }), project({ regionCodes: ['110000'], classes: [1], remainingCapacity: 0, start: day(-90), end: day(-2) }));
    expect(codes(reasons)).toEqual(['kind_not_offered', 'outside_region', 'class_not_covered', 'age_out_of_range', 'project_ended', 'no_capacity']);
  });

  describe('duplicate help', () => {
    it('refuses a child already helped in the same kind over an overlapping period, from any organization', () => {
      const n = need({ childKey: 'child-a' });
      // The help was accepted by another organization's project: only the child key links them.
      const running = help({ childKey: 'child-a', kind: 'tutoring', start: day(-20), end: day(40) });
      expect(notEligible(n, project({ organizationId: 'org-2' }), [running])).toEqual([
        { code: 'duplicate_help', params: { kind: 'tutoring', from: '2026-02-09', until: '2026-04-10' } },
      ]);
    });

    it('says so when the help has no end', () => {
      const running = help({ childKey: 'child-a', start: day(-20), end: null });
      expect(notEligible(need({ childKey: 'child-a' }), project(), [running])).toEqual([
        { code: 'duplicate_help_ongoing', params: { kind: 'tutoring', from: '2026-02-09' } },
      ]);
    });

    it('allows another kind, another child, or a period that does not overlap', () => {
      const n = need({ childKey: 'child-a' });
      expect(eligibility(n, project(), [help({ childKey: 'child-a', kind: 'companionship' })], TODAY).eligible).toBe(true);
      expect(eligibility(n, project(), [help({ childKey: 'child-b' })], TODAY).eligible).toBe(true);
      // Help that ended yesterday does not overlap the help that would start today.
      expect(eligibility(n, project(), [help({ childKey: 'child-a', start: day(-90), end: day(-1) })], TODAY).eligible).toBe(true);
      // Help running until June does not overlap a project that starts in September.
      const autumn = project({ start: day(190), end: day(300) });
      expect(eligibility(n, autumn, [help({ childKey: 'child-a', start: day(-20), end: day(120) })], TODAY).eligible).toBe(true);
    });
  });
});

describe('scorePair', () => {
  it('puts urgency above risk above waiting and fairness above closeness, for any values of the lower terms', () => {
    const maxLower = (WAITING_CAP_DAYS * SCORE_WEIGHTS.waiting) + (REMOTE_POINTS + COVERAGE_POINTS) * SCORE_WEIGHTS.fairness + 3 * SCORE_WEIGHTS.closeness;
    expect(SCORE_WEIGHTS.risk).toBeGreaterThan(maxLower);
    expect(SCORE_WEIGHTS.urgency).toBeGreaterThan(3 * SCORE_WEIGHTS.risk + maxLower);
    expect(SCORE_WEIGHTS.waiting).toBeGreaterThan(3 * SCORE_WEIGHTS.closeness);

    // The best possible pair one urgency step down loses to the worst pair one step up.
    const best = scorePair(need({ urgency: 2, riskLevel: 4, publishedAt: day(-400), remote: true }), project({ homeCountyCode: '520324' }), { '520324': 0 }, TODAY);
    const worst = scorePair(need({ urgency: 3, riskLevel: 1, publishedAt: day(0), remote: false }), project({ homeCountyCode: undefined }), { '520324': 1 }, TODAY);
    expect(worst.score).toBeGreaterThan(best.score);
  });

  it('is an integer, the weighted sum of its parts', () => {
    const { score, parts } = scorePair(need({ urgency: 3, riskLevel: 2, publishedAt: day(-40), remote: true }), project({ homeCountyCode: '520321' }), { '520324': 0.25 }, TODAY);
    expect(parts).toEqual<ScoreParts>({ urgency: 3, risk: 2, waiting: 40, fairness: REMOTE_POINTS + 45, closeness: 2 });
    expect(score).toBe(3 * 100_000 + 2 * 10_000 + 40 * 4 + 105 * 4 + 2);
    expect(Number.isInteger(score)).toBe(true);
  });

  it('caps waiting and never counts a future publication as waiting', () => {
    expect(scorePair(need({ publishedAt: day(-1000) }), project(), {}, TODAY).parts.waiting).toBe(WAITING_CAP_DAYS);
    expect(scorePair(need({ publishedAt: day(3) }), project(), {}, TODAY).parts.waiting).toBe(0);
  });

  it('weighs remote townships and low-coverage counties more', () => {
    const p = project();
    const urban = scorePair(need({ remote: false }), p, { '520324': 0.5 }, TODAY);
    const remote = scorePair(need({ remote: true }), p, { '520324': 0.5 }, TODAY);
    expect(remote.parts.fairness - urban.parts.fairness).toBe(REMOTE_POINTS);
    const covered = scorePair(need(), p, { '520324': 0.9 }, TODAY);
    const bare = scorePair(need(), p, { '520324': 0.1 }, TODAY);
    expect(bare.score).toBeGreaterThan(covered.score);
    // A county with no figure counts as one where nothing is being helped yet.
    expect(scorePair(need(), p, {}, TODAY).parts.fairness).toBe(REMOTE_POINTS + COVERAGE_POINTS);
  });

  it('prefers the project home county, then city, then province', () => {
    const n = need({ countyCode: '520324', townshipCode: undefined });
    const close = (home?: string): number => scorePair(n, project({ regionCodes: ['520000'], homeCountyCode: home }), {}, TODAY).parts.closeness;
    expect([close('520324'), close('520321'), close('520521'), close('530102'), close(undefined)]).toEqual([3, 2, 1, 0, 0]);
  });
});

/** Priority of a need as the module doc defines it: key, then publication, then id. Lower sorts first. */
function priorityOrder(inp: MatchInput): Map<string, number> {
  const key = (n: OpenNeed): number => {
    const { parts } = scorePair(n, inp.projects[0] ?? project(), inp.coverage, inp.today);
    return parts.urgency * SCORE_WEIGHTS.urgency + parts.risk * SCORE_WEIGHTS.risk + (parts.waiting + parts.fairness) * SCORE_WEIGHTS.waiting;
  };
  const sorted = [...inp.needs].sort((x, y) => key(y) - key(x) || x.publishedAt.getTime() - y.publishedAt.getTime() || (x.id < y.id ? -1 : 1));
  return new Map(sorted.map((n, k) => [n.id, k]));
}

interface Best {
  objective: Omit<Objective, 'closeness'>;
  needIds: string[];
  closeness: number;
}

/**
 * The documented objective by exhaustive search over every assignment (each need to nothing or
 * to one eligible project, within capacities): terms 1–4, then the matched set that is best in
 * priority order (compare the sorted priority positions, first difference decides), then
 * closeness.
 */
function bruteForce(inp: MatchInput): Best {
  const rank = priorityOrder(inp);
  const excluded = new Set((inp.excludedPairs ?? []).map((x) => `${x.needId}/${x.projectId}`));
  const options = inp.needs.map((n) =>
    inp.projects
      .map((p, j) => ({ j, e: eligibility(n, p, inp.activeHelp, inp.today), parts: scorePair(n, p, inp.coverage, inp.today).parts }))
      .filter((o) => o.e.eligible && !excluded.has(`${n.id}/${inp.projects[o.j].id}`)),
  );
  const left = inp.projects.map((p) => p.remainingCapacity);
  const chosen: Array<{ id: string; parts: ScoreParts }> = [];
  let best: { o: Objective; ranks: number[]; ids: string[] } | undefined;
  const better = (o: Objective, ranks: number[]): boolean => {
    if (!best) return true;
    const c = compareObjectives(o, best.o);
    if (c !== 0) return c > 0;
    for (let k = 0; k < ranks.length; k++) if (ranks[k] !== best.ranks[k]) return ranks[k] < best.ranks[k];
    return o.closeness > best.o.closeness;
  };
  const walk = (i: number): void => {
    if (i === inp.needs.length) {
      const o = objectiveOf(chosen);
      const ranks = chosen.map((c) => rank.get(c.id)!).sort((x, y) => x - y);
      if (better(o, ranks)) best = { o, ranks, ids: chosen.map((c) => c.id).sort() };
      return;
    }
    walk(i + 1);
    for (const o of options[i]) {
      if (left[o.j] === 0) continue;
      left[o.j]--;
      chosen.push({ id: inp.needs[i].id, parts: o.parts });
      walk(i + 1);
      chosen.pop();
      left[o.j]++;
    }
  };
  walk(0);
  const { closeness, ...objective } = best!.o;
  return { objective, needIds: best!.ids, closeness };
}

function bestOf(result: MatchResult): Best {
  const { closeness, ...objective } = objectiveOf(result.proposals);
  return { objective, needIds: result.proposals.map((p) => p.needId).sort(), closeness };
}

function expectFeasible(inp: MatchInput, result: MatchResult): void {
  const excluded = new Set((inp.excludedPairs ?? []).map((x) => `${x.needId}/${x.projectId}`));
  for (const prop of result.proposals) expect(excluded.has(`${prop.needId}/${prop.projectId}`)).toBe(false);
  const used = new Map<string, number>();
  const needs = new Map(inp.needs.map((n) => [n.id, n]));
  const projects = new Map(inp.projects.map((p) => [p.id, p]));
  for (const prop of result.proposals) {
    expect(eligibility(needs.get(prop.needId)!, projects.get(prop.projectId)!, inp.activeHelp, inp.today)).toEqual({ eligible: true });
    expect(prop.score).toBe(scorePair(needs.get(prop.needId)!, projects.get(prop.projectId)!, inp.coverage, inp.today).score);
    used.set(prop.projectId, (used.get(prop.projectId) ?? 0) + 1);
  }
  for (const [id, count] of used) expect(count).toBeLessThanOrEqual(projects.get(id)!.remainingCapacity);
  const seen = [...result.proposals.map((p) => p.needId), ...result.unmatched.map((u) => u.needId)].sort();
  expect(seen).toEqual(inp.needs.map((n) => n.id).sort());
}

describe('eligibilityGraph', () => {
  it('holds exactly the pairs that eligibility() accepts', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const inp = randomInstance(500 + seed, { needs: 20, projects: 8, siblings: true });
      let expected = 0;
      for (const n of inp.needs) for (const p of inp.projects) if (eligibility(n, p, inp.activeHelp, inp.today).eligible) expected++;
      expect({ seed, edges: eligibilityGraph(inp).edgeCount }).toEqual({ seed, edges: expected });
    }
  });
});

/**
 * Terms 1–5 checked independently of the engine: take needs in priority order and keep one when
 * a plain augmenting-path search (no dead-region shortcut) makes room for it.
 */
function independentGreedyBasis(inp: MatchInput): string[] {
  const rank = priorityOrder(inp);
  const needs = [...inp.needs].sort((x, y) => rank.get(x.id)! - rank.get(y.id)!);
  const edges = needs.map((n) => inp.projects.map((p, j) => (eligibility(n, p, inp.activeHelp, inp.today).eligible ? j : -1)).filter((j) => j >= 0));
  const holders = inp.projects.map(() => [] as number[]);
  const assigned = needs.map(() => -1);
  const augment = (x: number, seen: Set<number>): boolean => {
    for (const j of edges[x]) {
      if (seen.has(j)) continue;
      seen.add(j);
      if (holders[j].length < inp.projects[j].remainingCapacity) {
        holders[j].push(x);
        assigned[x] = j;
        return true;
      }
      for (const y of [...holders[j]]) {
        if (augment(y, seen)) {
          holders[j].splice(holders[j].indexOf(y), 1);
          holders[j].push(x);
          assigned[x] = j;
          return true;
        }
      }
    }
    return false;
  };
  needs.forEach((_, x) => {
    const before = holders.map((h) => [...h]);
    const was = [...assigned];
    if (!augment(x, new Set())) {
      holders.splice(0, holders.length, ...before);
      assigned.splice(0, assigned.length, ...was);
    }
  });
  return needs.filter((_, x) => assigned[x] >= 0).map((n) => n.id).sort();
}

/**
 * Term 6 checked independently: with the matched needs fixed, is there a negative cycle in the
 * residual graph (need → other project at cost 3 − closeness, project → its need at minus that,
 * project ↔ sink by spare capacity and load)? Plain Bellman–Ford from a virtual root.
 */
function hasImprovingCycle(inp: MatchInput, result: MatchResult): boolean {
  const projects = new Map(inp.projects.map((p, j) => [p.id, j]));
  const needs = new Map(inp.needs.map((n) => [n.id, n]));
  const P = inp.projects.length;
  const T = P;
  const arcs: Array<[number, number, number]> = [];
  const load = inp.projects.map(() => 0);
  result.proposals.forEach((prop, k) => {
    const node = P + 1 + k;
    const n = needs.get(prop.needId)!;
    inp.projects.forEach((p, j) => {
      if (!eligibility(n, p, inp.activeHelp, inp.today).eligible) return;
      const cost = 3 - scorePair(n, p, inp.coverage, inp.today).parts.closeness;
      if (p.id === prop.projectId) arcs.push([j, node, -cost]);
      else arcs.push([node, j, cost]);
    });
    load[projects.get(prop.projectId)!]++;
  });
  inp.projects.forEach((p, j) => {
    if (load[j] < p.remainingCapacity) arcs.push([j, T, 0]);
    if (load[j] > 0) arcs.push([T, j, 0]);
  });
  const V = P + 1 + result.proposals.length;
  const dist = new Array<number>(V).fill(0);
  for (let round = 0; round < V; round++) {
    let changed = false;
    for (const [u, v, c] of arcs) {
      if (dist[u] + c < dist[v]) {
        dist[v] = dist[u] + c;
        changed = true;
      }
    }
    if (!changed) return false;
  }
  return true;
}

describe('proposeMatches', () => {
  it('finds the assignment a greedy pass misses', () => {
    // Greedy gives the urgent need its closest project P and leaves the other need nothing;
    // sending the urgent need to Q instead helps both children.
    const urgent = need({ id: 'n-urgent', urgency: 4 });
    const other = need({ id: 'n-other', urgency: 1, countyCode: '520521', townshipCode: '520521101' });
    const P = project({ id: 'p-near', regionCodes: ['520000'], homeCountyCode: '520324', remainingCapacity: 1 });
    const Q = project({ id: 'p-far', regionCodes: ['520300'], homeCountyCode: '530102', remainingCapacity: 1 });
    const inp = input({ needs: [urgent, other], projects: [P, Q] });

    expect(pairsOf(greedyMatches(inp))).toEqual([['n-urgent', 'p-near']]);
    const result = proposeMatches(inp);
    expect(pairsOf(result)).toEqual([
      ['n-other', 'p-near'],
      ['n-urgent', 'p-far'],
    ]);
    expect(bestOf(result)).toEqual(bruteForce(inp));
  });

  it('reaches the documented objective on random small instances (checked by exhaustive search)', () => {
    let beatGreedy = 0;
    let closenessMoved = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const inp = randomInstance(seed, { needs: 4 + (seed % 4), projects: 2 + (seed % 3) });
      const result = proposeMatches(inp);
      expectFeasible(inp, result);
      expect({ seed, best: bestOf(result) }).toEqual({ seed, best: bruteForce(inp) });
      const greedy = objectiveOf(greedyMatches(inp).proposals);
      expect(compareObjectives(objectiveOf(result.proposals), greedy)).toBeGreaterThanOrEqual(0);
      if (compareObjectives(objectiveOf(result.proposals), greedy) > 0) beatGreedy++;
      if (bestOf(result).closeness !== bestOf(greedyMatches(inp)).closeness) closenessMoved++;
    }
    // The instances are tight enough that greedy is often not optimal, and closeness varies.
    expect(beatGreedy).toBeGreaterThan(20);
    expect(closenessMoved).toBeGreaterThan(20);
  });

  it('stays optimal with pairs turned down (checked by exhaustive search)', () => {
    let excludedWouldWin = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const plain = randomInstance(seed, { needs: 4 + (seed % 4), projects: 2 + (seed % 3) });
      const inp = withExclusions(plain, 7000 + seed, 0.25);
      const result = proposeMatches(inp);
      expectFeasible(inp, result);
      expect({ seed, best: bestOf(result) }).toEqual({ seed, best: bruteForce(inp) });
      const excluded = new Set(inp.excludedPairs!.map((x) => `${x.needId}/${x.projectId}`));
      if (proposeMatches(plain).proposals.some((p) => excluded.has(`${p.needId}/${p.projectId}`))) excludedWouldWin++;
    }
    // The exclusions often hit a pair the solve would otherwise have chosen.
    expect(excludedWouldWin).toBeGreaterThan(50);
  });

  it('gives the place of a pair turned down to the next best need in the same run', () => {
    const first = need({ id: 'n-first', urgency: 4 });
    const second = need({ id: 'n-second', urgency: 1 });
    const P = project({ id: 'p', remainingCapacity: 1 });
    const inp = input({ needs: [first, second], projects: [P] });
    expect(pairsOf(proposeMatches(inp))).toEqual([['n-first', 'p']]);

    const result = proposeMatches({ ...inp, excludedPairs: [{ needId: 'n-first', projectId: 'p' }] });
    expect(pairsOf(result)).toEqual([['n-second', 'p']]);
    expect(result.unmatched).toEqual([{ needId: 'n-first', reasons: [{ code: 'no_eligible_project', params: { count: 1 } }, { code: 'declined_before' }] }]);

    // With another project in reach, the declined need goes there instead, in the same run.
    const Q = project({ id: 'q', remainingCapacity: 1, homeCountyCode: '530102' });
    expect(pairsOf(proposeMatches({ ...inp, projects: [P, Q], excludedPairs: [{ needId: 'n-first', projectId: 'p' }] }))).toEqual([
      ['n-first', 'q'],
      ['n-second', 'p'],
    ]);
  });

  it('never lets closeness pick which of two equally ranked children is helped', () => {
    // Same urgency, risk, waiting and fairness; one lives in the project's home county. The
    // one published first gets the place, wherever she lives.
    const P = project({ id: 'p', regionCodes: ['520000'], homeCountyCode: '520324', remainingCapacity: 1 });
    const near = need({ id: 'n-near', countyCode: '520324', townshipCode: undefined, remote: false, publishedAt: new Date('2026-02-19T10:00:00+08:00') });
    const far = need({ id: 'n-far', countyCode: '520521', townshipCode: undefined, remote: false, publishedAt: new Date('2026-02-19T09:00:00+08:00') });
    const coverage = { '520324': 0.5, '520521': 0.5 };
    expect(pairsOf(proposeMatches(input({ needs: [near, far], projects: [P], coverage })))).toEqual([['n-far', 'p']]);
    // Closeness still chooses the project for a child who is matched.
    const Q = project({ id: 'q', regionCodes: ['520000'], homeCountyCode: '520521', remainingCapacity: 1 });
    expect(pairsOf(proposeMatches(input({ needs: [far], projects: [P, Q], coverage })))).toEqual([['n-far', 'q']]);
  });

  it('lets no amount of lower terms outweigh one step of urgency, summed over many needs', () => {
    // One project place. The urgency-3 need is alone; the urgency-2 ones wait long in remote
    // townships with no coverage, close to home — whichever is chosen, only one gets the place.
    const urgent = need({ id: 'n-u3', urgency: 3, riskLevel: 1, publishedAt: day(0), remote: false, countyCode: '520521', townshipCode: undefined });
    const others = Array.from({ length: 20 }, (_, k) => need({ id: `n-u2-${k}`, urgency: 2, riskLevel: 4, publishedAt: day(-300), remote: true }));
    const P = project({ id: 'p', regionCodes: ['520000'], remainingCapacity: 1 });
    expect(pairsOf(proposeMatches(input({ needs: [...others, urgent], projects: [P], coverage: { '520521': 1 } })))).toEqual([['n-u3', 'p']]);

    // Chains: a more urgent need displacing two long-waiting needs along an augmenting path,
    // with cardinality kept, must still win over their waiting and closeness.
    const a = need({ id: 'a', urgency: 2, riskLevel: 1, publishedAt: day(0), remote: false });
    const b = need({ id: 'b', urgency: 1, riskLevel: 1, publishedAt: day(-200), remote: true, countyCode: '520321', townshipCode: undefined });
    const c = need({ id: 'c', urgency: 1, riskLevel: 1, publishedAt: day(-200), remote: true, kind: 'companionship' });
    const P1 = project({ id: 'p1', kinds: ['tutoring'], regionCodes: ['520300'], remainingCapacity: 1, homeCountyCode: '520321' });
    const P2 = project({ id: 'p2', kinds: ['companionship'], regionCodes: ['520324'], remainingCapacity: 1 });
    const result = proposeMatches(input({ needs: [a, b, c], projects: [P1, P2] }));
    expect(pairsOf(result)).toEqual([
      ['a', 'p1'],
      ['c', 'p2'],
    ]);
  });

  it('gives remote and low-coverage children the place when urgency and risk are equal', () => {
    const P = project({ id: 'p', remainingCapacity: 1 });
    const town = need({ id: 'n-town', remote: false, publishedAt: day(-30) });
    const village = need({ id: 'n-village', remote: true, publishedAt: day(-30) });
    expect(pairsOf(proposeMatches(input({ needs: [town, village], projects: [P] })))).toEqual([['n-village', 'p']]);

    const covered = need({ id: 'n-covered', countyCode: '520321', townshipCode: undefined, remote: false });
    const bare = need({ id: 'n-bare', countyCode: '520322', townshipCode: undefined, remote: false });
    const coverage = { '520321': 0.8, '520322': 0.1 };
    const result = proposeMatches(input({ needs: [covered, bare], projects: [P], coverage }));
    expect(pairsOf(result)).toEqual([['n-bare', 'p']]);
    expect(result.proposals[0].reasons).toContainEqual({ code: 'low_coverage', params: { percent: 10 } });
  });

  it('explains each proposal in reason codes', () => {
    const n = need({ id: 'n1', urgency: 4, riskLevel: 3, publishedAt: day(-40), remote: true });
    const result = proposeMatches(input({ needs: [n], projects: [project({ id: 'p1' })], coverage: { '520324': 0.2 } }));
    expect(result.proposals[0].reasons).toEqual([
      { code: 'urgency', params: { level: 4 } },
      { code: 'risk', params: { level: 3 } },
      { code: 'waiting', params: { days: 40 } },
      { code: 'remote_township' },
      { code: 'low_coverage', params: { percent: 20 } },
      { code: 'same_county' },
    ]);
  });

  it('says why a need got no proposal', () => {
    const running = help({ childKey: 'helped', start: day(-10), end: null });
    const result = proposeMatches(
      input({
        needs: [
          need({ id: 'n-legal', kind: 'legal' }),
          need({ id: 'n-old', ageYears: 17 }),
          need({ id: 'n-helped', childKey: 'helped' }),
          need({ id: 'n-first', urgency: 4 }),
          need({ id: 'n-second', urgency: 1 }),
        ],
        projects: [project({ id: 'p1', maxAge: 15, remainingCapacity: 1 }), project({ id: 'p2', maxAge: 12, remainingCapacity: 0 })],
        activeHelp: [running],
      }),
    );
    expect(pairsOf(result)).toEqual([['n-first', 'p1']]);
    const why = Object.fromEntries(result.unmatched.map((u) => [u.needId, u.reasons]));
    expect(why['n-legal']).toEqual([{ code: 'no_project_in_region', params: { kind: 'legal' } }]);
    expect(why['n-old']).toEqual([
      { code: 'no_eligible_project', params: { count: 2 } },
      { code: 'age_out_of_range', params: { age: 17, min: 6, max: 15 } },
      { code: 'no_capacity' },
    ]);
    expect(why['n-helped']).toEqual([
      { code: 'no_eligible_project', params: { count: 2 } },
      { code: 'duplicate_help_ongoing', params: { kind: 'tutoring', from: '2026-02-19' } },
      { code: 'no_capacity' },
    ]);
    expect(why['n-second']).toEqual([{ code: 'capacity_taken', params: { count: 1 } }]);
  });

  it('matches only one of two needs published for the same child and kind by two organizations', () => {
    // Two caseworkers' organizations know the same child; the shared child key links the needs.
    const first = need({ id: 'n-a', childKey: 'same-child', urgency: 3 });
    const second = need({ id: 'n-b', childKey: 'same-child', urgency: 2 });
    const result = proposeMatches(input({ needs: [first, second], projects: [project({ id: 'p1' }), project({ id: 'p2', organizationId: 'org-2' })] }));
    expect(pairsOf(result)).toEqual([['n-a', 'p1']]);
    expect(result.unmatched).toEqual([{ needId: 'n-b', reasons: [{ code: 'duplicate_need' }] }]);

    // The one that stands is the better-ranked one that can be matched at all.
    const blocked = need({ id: 'n-c', childKey: 'other-child', urgency: 4, ageYears: 17 });
    const open = need({ id: 'n-d', childKey: 'other-child', urgency: 1 });
    expect(pairsOf(proposeMatches(input({ needs: [blocked, open], projects: [project({ id: 'p1' })] })))).toEqual([['n-d', 'p1']]);

    // Different kinds, or periods that do not overlap, are not duplicates.
    const tutoring = need({ id: 'n-e', childKey: 'third', kind: 'tutoring' });
    const talk = need({ id: 'n-f', childKey: 'third', kind: 'psychological' });
    const spring = need({ id: 'n-g', childKey: 'fourth', end: day(60) });
    const autumn = need({ id: 'n-h', childKey: 'fourth', start: day(180) });
    const p = project({ id: 'p9', kinds: ['tutoring', 'psychological'], end: day(400) });
    expect(proposeMatches(input({ needs: [tutoring, talk, spring, autumn], projects: [p] })).proposals).toHaveLength(4);
  });

  it('never proposes a child help of a kind already running, even from another organization', () => {
    const running = help({ childKey: 'child-r', kind: 'tutoring', start: day(-30), end: day(30), });
    const result = proposeMatches(input({ needs: [need({ id: 'n1', childKey: 'child-r' })], projects: [project({ id: 'p1', organizationId: 'org-9' })], activeHelp: [running] }));
    expect(result.proposals).toEqual([]);
    expect(result.unmatched[0].reasons).toContainEqual({ code: 'duplicate_help', params: { kind: 'tutoring', from: '2026-01-30', until: '2026-03-31' } });
  });

  it('gives the same output for the same input in any order', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const inp = randomInstance(1000 + seed, { needs: 40, projects: 12, siblings: true, maxCapacity: 4 });
      const reordered: MatchInput = {
        ...inp,
        needs: shuffled(inp.needs, seed),
        projects: shuffled(inp.projects, seed + 1).map((p) => ({ ...p, kinds: [...p.kinds].reverse(), regionCodes: [...p.regionCodes].reverse(), classes: [...p.classes].reverse() })),
        activeHelp: shuffled(inp.activeHelp, seed + 2),
      };
      expect(proposeMatches(reordered)).toEqual(proposeMatches(inp));
    }
  });

  it('is optimal on larger instances too: the matched set is the greedy basis, and no cycle improves closeness', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const inp = randomInstance(2000 + seed, { needs: 300, projects: 40, maxCapacity: 6 });
      const result = proposeMatches(inp);
      expectFeasible(inp, result);
      expect({ seed, matched: result.proposals.map((p) => p.needId).sort() }).toEqual({ seed, matched: independentGreedyBasis(inp) });
      expect({ seed, improvingCycle: hasImprovingCycle(inp, result) }).toEqual({ seed, improvingCycle: false });
      const greedy = greedyMatches(inp);
      expect(compareObjectives(objectiveOf(result.proposals), objectiveOf(greedy.proposals))).toBeGreaterThanOrEqual(0);
      // Never fewer of the most urgent needs covered: a matroid basis chosen best-first has the most of every top class.
      const urgent = (r: MatchResult): number => r.proposals.filter((p) => p.parts.urgency === 4).length;
      expect(urgent(result)).toBeGreaterThanOrEqual(urgent(greedy));
    }
  });

  it('refuses malformed levels rather than score them', () => {
    expect(() => proposeMatches(input({ needs: [need({ urgency: 5 })] }))).toThrow(RangeError);
    expect(() => proposeMatches(input({ needs: [need({ riskLevel: 0 })] }))).toThrow(RangeError);
    expect(() => proposeMatches(input({ needs: [need({ id: 'x' }), need({ id: 'x' })] }))).toThrow(/twice/);
  });
});

describe('incrementalScope', () => {
  type Change = { label: string; after: MatchInput; changed: { needIds?: string[]; projectIds?: string[] } };

  function changes(before: MatchInput, seed: number): Change[] {
    const r = prng(seed);
    const pickNeed = (): OpenNeed => before.needs[Math.floor(r() * before.needs.length)];
    const pickProject = (): OpenProject => before.projects[Math.floor(r() * before.projects.length)];
    const withNeed = (n: OpenNeed): MatchInput => ({ ...before, needs: before.needs.map((x) => (x.id === n.id ? n : x)) });
    const withProject = (p: OpenProject): MatchInput => ({ ...before, projects: before.projects.map((x) => (x.id === p.id ? p : x)) });
    const n1 = pickNeed();
    const n2 = pickNeed();
    const n3 = pickNeed();
    const p1 = pickProject();
    const p2 = pickProject();
    const p3 = pickProject();
    const fresh = need({ id: `n-new-${seed}`, childKey: n3.childKey, kind: n3.kind, countyCode: n3.countyCode, townshipCode: n3.townshipCode, urgency: 4 });
    return [
      { label: 'need moved to another county', after: withNeed({ ...n1, countyCode: '520521', townshipCode: undefined }), changed: { needIds: [n1.id] } },
      { label: 'need urgency raised', after: withNeed({ ...n2, urgency: 4, riskLevel: 4 }), changed: { needIds: [n2.id] } },
      { label: 'need withdrawn', after: { ...before, needs: before.needs.filter((x) => x.id !== n2.id) }, changed: { needIds: [n2.id] } },
      { label: 'need published', after: { ...before, needs: [...before.needs, fresh] }, changed: { needIds: [fresh.id] } },
      { label: 'project capacity to zero', after: withProject({ ...p1, remainingCapacity: 0 }), changed: { projectIds: [p1.id] } },
      { label: 'project capacity up', after: withProject({ ...p2, remainingCapacity: p2.remainingCapacity + 3 }), changed: { projectIds: [p2.id] } },
      { label: 'project age range changed', after: withProject({ ...p3, minAge: 12, maxAge: 14 }), changed: { projectIds: [p3.id] } },
      { label: 'project closed', after: { ...before, projects: before.projects.filter((x) => x.id !== p3.id) }, changed: { projectIds: [p3.id] } },
      {
        label: 'help accepted for a child',
        after: { ...before, activeHelp: [...before.activeHelp, { childKey: n1.childKey, kind: n1.kind, start: day(0), end: null }] },
        changed: { needIds: before.needs.filter((x) => x.childKey === n1.childKey).map((x) => x.id) },
      },
    ];
  }

  const restrict = (r: MatchResult, ids: Set<string>, keep: boolean): MatchResult => ({
    proposals: r.proposals.filter((p) => ids.has(p.needId) === keep),
    unmatched: r.unmatched.filter((u) => ids.has(u.needId) === keep),
  });

  it('re-solves only the touched components, with the same result as a full re-solve', () => {
    let partial = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const before = randomInstance(3000 + seed, { needs: 60, projects: 25, siblings: true, maxCapacity: 3 });
      const old = proposeMatches(before);
      for (const { label, after, changed } of changes(before, seed)) {
        const full = proposeMatches(after);
        const scope = incrementalScope(changed, after, before);
        const ids = new Set(scope.needIds);
        const resolved = proposeMatches(scope.input);
        // Inside the scope: the re-solve is the full solve.
        expect({ seed, label, result: resolved }).toEqual({ seed, label, result: restrict(full, ids, true) });
        // Outside it: what was proposed before still stands.
        const oldIds = new Set(before.needs.map((n) => n.id));
        const untouched = new Set(after.needs.filter((n) => !ids.has(n.id) && oldIds.has(n.id)).map((n) => n.id));
        expect({ seed, label, result: restrict(old, untouched, true) }).toEqual({ seed, label, result: restrict(full, untouched, true) });
        expect(after.needs.filter((n) => !oldIds.has(n.id) && !ids.has(n.id))).toEqual([]);
        if (ids.size < after.needs.length) partial++;
      }
    }
    // The instances are sparse enough that most scopes are real parts, not everything.
    expect(partial).toBeGreaterThan(100);
  });

  it('returns the component of a changed need and nothing unconnected', () => {
    const a = need({ id: 'a', countyCode: '520324' });
    const b = need({ id: 'b', countyCode: '520324' });
    const far = need({ id: 'far', countyCode: '520521', townshipCode: undefined });
    const P = project({ id: 'P', regionCodes: ['520324'] });
    const Q = project({ id: 'Q', regionCodes: ['520521'] });
    const inp = input({ needs: [a, b, far], projects: [P, Q] });
    const scope = incrementalScope({ needIds: ['a'] }, inp);
    expect(scope.needIds).toEqual(['a', 'b']);
    expect(scope.projectIds).toEqual(['P']);
    expect(scope.input.projects.map((p) => p.id)).toEqual(['P']);
  });
});

describe('rematch', () => {
  /** One random change to an input: what a day of publishing, answering and editing does. */
  function step(before: MatchInput, r: () => number, k: number): { label: string; after: MatchInput } {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
    const n = pick(before.needs);
    const p = pick(before.projects);
    const withProject = (q: OpenProject): MatchInput => ({ ...before, projects: before.projects.map((x) => (x.id === q.id ? q : x)) });
    switch (Math.floor(r() * 9)) {
      case 0: {
        const fresh = need({ id: `n-step-${k}`, childKey: r() < 0.3 && n ? n.childKey : `child-step-${k}`, kind: n?.kind ?? 'tutoring', countyCode: n?.countyCode ?? '520324', townshipCode: n?.townshipCode, urgency: 1 + Math.floor(r() * 4) });
        return { label: 'need published', after: { ...before, needs: [...before.needs, fresh] } };
      }
      case 1:
        return { label: 'need withdrawn', after: { ...before, needs: before.needs.filter((x) => x !== n) } };
      case 2:
        return { label: 'need urgency changed', after: { ...before, needs: before.needs.map((x) => (x === n ? { ...x, urgency: 1 + Math.floor(r() * 4) } : x)) } };
      case 3: {
        const opened = project({ id: `p-step-${k}`, regionCodes: [pick(['520000', '520300', '520321', '520322', '520324', '520502', '520521'])], remainingCapacity: 1 + Math.floor(r() * 3), homeCountyCode: pick(['520324', '520521', '530102']) });
        return { label: 'project opened', after: { ...before, projects: [...before.projects, opened] } };
      }
      case 4:
        return { label: 'project closed', after: { ...before, projects: before.projects.filter((x) => x !== p) } };
      case 5:
        return { label: 'project capacity changed', after: p ? withProject({ ...p, remainingCapacity: Math.max(0, p.remainingCapacity + pick([-2, -1, 1, 2])) }) : before };
      case 6:
        return { label: 'pair declined', after: n && p ? { ...before, excludedPairs: [...(before.excludedPairs ?? []), { needId: n.id, projectId: p.id }] } : before };
      case 7:
        return { label: 'help accepted elsewhere', after: n ? { ...before, activeHelp: [...before.activeHelp, { childKey: n.childKey, kind: n.kind, start: day(0), end: null }] } : before };
      default:
        return { label: 'county coverage changed', after: n ? { ...before, coverage: { ...before.coverage, [n.countyCode]: Math.round(r() * 100) / 100 } } : before };
    }
  }

  it('equals a full run after every change of a random sequence, in objective and in assignments', () => {
    let partial = 0;
    let full = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = prng(9000 + seed);
      // Mostly county-wide projects, a few wider ones: local changes, and now and then one that
      // reaches most of the graph.
      const wide = randomInstance(8000 + seed, { needs: 60, projects: 25, siblings: true, maxCapacity: 3 });
      const local: MatchInput = {
        ...wide,
        // A quarter of the needs share children with others (duplicate needs), the rest are one child each.
        needs: wide.needs.map((n, i) => (i % 4 === 0 ? n : { ...n, childKey: `own-${n.id}` })),
        projects: wide.projects.map((p, j) => (j % 12 === 0 && !p.regionCodes[0].endsWith('0000') ? p : { ...p, regionCodes: [p.homeCountyCode ?? '520324'] })),
      };
      let current = withExclusions(local, seed, 0.03);
      let state: MatchState = { input: current, result: proposeMatches(current) };
      for (let k = 0; k < 12; k++) {
        const { label, after } = step(current, r, seed * 100 + k);
        const next = rematch(state, after);
        const expected = proposeMatches(after);
        expect({ seed, k, label, objective: objectiveOf(next.result.proposals) }).toEqual({ seed, k, label, objective: objectiveOf(expected.proposals) });
        expect({ seed, k, label, result: next.result }).toEqual({ seed, k, label, result: expected });
        if (next.scope === 'full') full++;
        else partial++;
        state = { input: after, result: next.result };
        current = after;
      }
    }
    // Most steps are solved in part, some (wide projects) fall back to a full run.
    expect(partial).toBeGreaterThan(120);
    expect(full).toBeGreaterThan(0);
  });

  /** Mostly county-wide projects (local components), a few wider ones; a quarter of the needs share children. */
  function localised(seed: number, size: { needs: number; projects: number }): MatchInput {
    const wide = randomInstance(seed, { ...size, siblings: true, maxCapacity: 3 });
    return withExclusions(
      {
        ...wide,
        needs: wide.needs.map((n, i) => (i % 4 === 0 ? n : { ...n, childKey: `own-${n.id}` })),
        projects: wide.projects.map((p, j) => (j % 12 === 0 && !p.regionCodes[0].endsWith('0000') ? p : { ...p, regionCodes: [p.homeCountyCode ?? '520324'] })),
      },
      seed,
      0.03,
    );
  }

  it('from the previous run, finds the optimum a full run finds after hundreds of random single changes, small and medium', () => {
    let cases = 0;
    let partial = 0;
    for (const [size, seeds, steps] of [
      [{ needs: 15, projects: 6 }, 30, 8],
      [{ needs: 60, projects: 25 }, 15, 10],
      [{ needs: 250, projects: 90 }, 4, 10],
    ] as const) {
      for (let seed = 1; seed <= seeds; seed++) {
        const r = prng(7000 + seed * 31 + size.needs);
        let current = localised(5000 + seed * 17 + size.needs, size);
        let state = matchState(current);
        for (let k = 0; k < steps; k++) {
          const { label, after } = step(current, r, seed * 1000 + k);
          const next = rematch(state, after);
          const expected = matchState(after);
          expect({ size: size.needs, seed, k, label, result: sameOptimum(next.result, expected.result, after) }).toEqual({ size: size.needs, seed, k, label, result: optimumOf(expected.result) });
          // The components a scope re-solve hands on are those a full run finds, so the next change starts right.
          const labels = (st: MatchState): unknown => ({ components: st.components!.entries(), needs: after.needs.map((n) => st.components!.needLabel(n.id)), projects: after.projects.map((p) => st.components!.projectLabel(p.id)), children: after.needs.map((n) => [...(st.components!.childNeeds(n.childKey) ?? [])].sort()) });
          if (next.state.components) expect({ size: size.needs, seed, k, label, components: labels(next.state) }).toEqual({ size: size.needs, seed, k, label, components: labels(expected) });
          if (next.scope !== 'full') partial++;
          cases++;
          state = next.state;
          current = after;
        }
      }
    }
    expect(cases).toBeGreaterThanOrEqual(400);
    expect(partial).toBeGreaterThan(cases / 2);
  });

  it('leaves the previous run as it was: many changes from the same run each find their full run\'s optimum', () => {
    const base = localised(4242, { needs: 120, projects: 45 });
    const state = matchState(base);
    const snapshot = JSON.stringify({ result: state.result, components: state.components!.entries() });
    const r = prng(4243);
    for (let k = 0; k < 60; k++) {
      const { label, after } = step(base, r, k);
      const full = proposeMatches(after);
      expect({ k, label, result: sameOptimum(rematch(state, after).result, full, after) }).toEqual({ k, label, result: optimumOf(full) });
    }
    expect(JSON.stringify({ result: state.result, components: state.components!.entries() })).toBe(snapshot);
    // And so does a warm run: the next change from it is unaffected by the changes tried from it before.
    const first = rematch(state, step(base, prng(1), 1).after);
    const after = step(first.state.input, prng(2), 2).after;
    const once = rematch(first.state, after).result;
    for (let k = 0; k < 5; k++) rematch(first.state, step(first.state.input, prng(10 + k), k).after);
    expect(rematch(first.state, after).result).toEqual(once);
  });

  it('finds a full run\'s optimum when each input arrives as freshly loaded copies, in another order, over a long chain of changes', () => {
    // As the service loads them: new objects every time, not always in the same order, so that
    // what the previous lookup knew must be checked, not assumed, before it is reused.
    const copy = (inp: MatchInput, seed: number): MatchInput => {
      const fresh: MatchInput = {
        ...inp,
        needs: inp.needs.map((n) => ({ ...n, publishedAt: new Date(n.publishedAt.getTime()) })),
        projects: inp.projects.map((p) => ({ ...p, kinds: [...p.kinds], regionCodes: [...p.regionCodes] })),
        activeHelp: inp.activeHelp.map((h) => ({ ...h })),
        coverage: { ...inp.coverage },
      };
      if (seed % 3 === 0) return { ...fresh, needs: shuffled(fresh.needs, seed), projects: shuffled(fresh.projects, seed + 1) };
      if (seed % 3 === 1) return { ...fresh, needs: [...fresh.needs].reverse() };
      return fresh;
    };
    for (let seed = 1; seed <= 6; seed++) {
      const r = prng(6100 + seed);
      let current = localised(6000 + seed, { needs: 80, projects: 30 });
      let state = matchState(current);
      for (let k = 0; k < 14; k++) {
        const { label, after } = step(current, r, seed * 100 + k);
        const loaded = copy(after, seed * 100 + k);
        const next = rematch(state, loaded);
        const full = proposeMatches(loaded);
        expect({ seed, k, label, result: sameOptimum(next.result, full, loaded) }).toEqual({ seed, k, label, result: optimumOf(full) });
        state = next.state;
        current = loaded;
      }
    }
  });

  it('after more changes elsewhere than it keeps graphs for, does not take a need changed long ago as it was', () => {
    // x's urgency decides who gets PA's one place; then changes in another county only, more
    // than the chain of kept scope graphs holds; then a change of y, which x competes with.
    const x = need({ id: 'x', urgency: 1 });
    const y = need({ id: 'y', urgency: 2 });
    const PA = project({ id: 'PA', regionCodes: ['520324'], remainingCapacity: 1 });
    const far = [1, 2, 3].map((k) => need({ id: `far${k}`, countyCode: '520521', townshipCode: undefined, urgency: k }));
    const PB = project({ id: 'PB', regionCodes: ['520521'], remainingCapacity: 1, homeCountyCode: '520521' });
    // A third county with more needs: no change reaches half of them (that would be a full run),
    // and the full graph stays worth keeping under the few needs it holds stale.
    const filler = Array.from({ length: 40 }, (_, k) => need({ id: `mid${k}`, countyCode: '520502', townshipCode: undefined }));
    const PC = project({ id: 'PC', regionCodes: ['520502'], remainingCapacity: 10, homeCountyCode: '520502' });
    let current = input({ needs: [x, y, ...far, ...filler], projects: [PA, PB, PC] });
    let state = matchState(current);
    const go = (after: MatchInput): MatchResult => {
      const next = rematch(state, after);
      expect(next.scope).not.toBe('full');
      expect(next.result).toEqual(proposeMatches(after));
      state = next.state;
      current = after;
      return next.result;
    };
    const placed = (r: MatchResult, projectId: string): string[] => r.proposals.filter((p) => p.projectId === projectId).map((p) => p.needId);
    expect(placed(go({ ...current, needs: current.needs.map((n) => (n.id === 'x' ? { ...n, urgency: 4 } : n)) }), 'PA')).toEqual(['x']);
    for (let k = 0; k < 10; k++) go({ ...current, projects: current.projects.map((p) => (p.id === 'PB' ? { ...p, remainingCapacity: 1 + ((k + 1) % 3) } : p)) });
    // y changes: x comes along with its component, unchanged, from what was kept.
    expect(placed(go({ ...current, needs: current.needs.map((n) => (n.id === 'y' ? { ...n, urgency: 3 } : n)) }), 'PA')).toEqual(['x']);
  });

  it('carries one province-wide component warm through a long chain of every kind of change, each step the optimum of a full run', () => {
    // Half the projects cover a whole province: every need is in one component, where a scope
    // re-solve would be a full run every time.
    let warm = 0;
    let cases = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const r = prng(8100 + seed);
      let current = withExclusions(randomInstance(8200 + seed, { needs: 90, projects: 30, siblings: true, maxCapacity: 3 }), seed, 0.05);
      let state = matchState(current);
      for (let k = 0; k < 25; k++) {
        const { label, after } = step(current, r, seed * 100 + k);
        const next = rematch(state, after);
        const full = proposeMatches(after);
        expect({ seed, k, label, result: sameOptimum(next.result, full, after) }).toEqual({ seed, k, label, result: optimumOf(full) });
        // Deterministic too: the same previous run and the same input in another order give the same result.
        const reordered = { ...after, needs: shuffled(after.needs, seed * 100 + k), projects: shuffled(after.projects, k) };
        expect({ seed, k, label, result: rematch(state, reordered).result }).toEqual({ seed, k, label, result: next.result });
        if (next.scope !== 'full' && next.state.warm) warm++;
        cases++;
        state = next.state;
        current = after;
      }
    }
    // Every change but a rare big one (a county's coverage moving many needs) is carried warm.
    expect(warm).toBeGreaterThan(cases * 0.9);
  });

  it('leaves proposals a change does not reach as they were, and names only what it replaced', () => {
    const here = Array.from({ length: 6 }, (_, k) => need({ id: `here${k}`, countyCode: '520324', townshipCode: undefined, urgency: 1 + (k % 4) }));
    const there = Array.from({ length: 6 }, (_, k) => need({ id: `there${k}`, countyCode: '520521', townshipCode: undefined }));
    const local = project({ id: 'local', regionCodes: ['520324'], remainingCapacity: 3 });
    const far = project({ id: 'far', regionCodes: ['520521'], homeCountyCode: '520521', remainingCapacity: 6 });
    // Reaches both counties, so there is one component; it is farther from both than their own.
    const wide = project({ id: 'wide', regionCodes: ['520000'], homeCountyCode: '520302', remainingCapacity: 2 });
    const before = input({ needs: [...here, ...there], projects: [local, far, wide] });
    const state = matchState(before);
    const after = { ...before, needs: before.needs.map((n) => (n.id === 'here0' ? { ...n, urgency: 4 } : n)) };
    const next = rematch(state, after);
    expect(next.scope).not.toBe('full');
    const thereNow = next.result.proposals.filter((p) => p.needId.startsWith('there'));
    expect(thereNow).toEqual(state.result.proposals.filter((p) => p.needId.startsWith('there')));
    expect(thereNow.map((p) => p.projectId)).toEqual(Array(6).fill('far'));
    // The scope names the need that changed and whoever it moved, nobody else.
    const scope = next.scope as { needIds: string[] };
    expect(scope.needIds).toContain('here0');
    expect(scope.needIds.filter((id) => id.startsWith('there'))).toEqual([]);
    expect(sameOptimum(next.result, proposeMatches(after), after)).toEqual(optimumOf(proposeMatches(after)));
  });

  it('re-solves a step too big to carry (a county re-ranked) exactly, as a scope', () => {
    const many = Array.from({ length: 320 }, (_, k) => need({ id: `m${String(k).padStart(3, '0')}`, countyCode: '520324', townshipCode: undefined, urgency: 1 + (k % 4), publishedAt: day(-(k % 90)) }));
    const elsewhere = Array.from({ length: 400 }, (_, k) => need({ id: `e${String(k).padStart(3, '0')}`, countyCode: '520521', townshipCode: undefined }));
    const projects = [project({ id: 'P', regionCodes: ['520324'], remainingCapacity: 40 }), project({ id: 'Q', regionCodes: ['520521'], homeCountyCode: '520521', remainingCapacity: 40 })];
    const before = input({ needs: [...many, ...elsewhere], projects, coverage: { '520324': 0.1 } });
    const state = matchState(before);
    const after = { ...before, coverage: { '520324': 0.9 } };
    const next = rematch(state, after);
    expect(next.scope).not.toBe('full');
    expect(next.state.warm).toBeUndefined();
    expect(next.result).toEqual(proposeMatches(after));
  });

  it('takes a county\'s coverage as changed only when the points, the below-half flag or the shown percent change', () => {
    const base = input({ needs: [need({ id: 'a' }), need({ id: 'b', urgency: 3 })], projects: [project({ remainingCapacity: 1 })], coverage: { '520324': 0.301 } });
    const state = matchState(base);
    // 30.1% → 30.4%: the same 42 points, the same "30%", still under half.
    expect(rematch(state, { ...base, coverage: { '520324': 0.304 } }).scope).toEqual({ needIds: [], projectIds: [] });
    // → 31%: the percent shown in the reasons changes, so both needs are looked at again.
    const moved = rematch(state, { ...base, coverage: { '520324': 0.31 } });
    expect(moved.scope).not.toBe('full');
    expect((moved.scope as { needIds: string[] }).needIds).toEqual(['a', 'b']);
    expect(moved.result).toEqual(proposeMatches({ ...base, coverage: { '520324': 0.31 } }));
  });

  it('refuses a need given twice, as a full run does', () => {
    const base = localised(4343, { needs: 40, projects: 15 });
    const state = matchState(base);
    const twice = { ...base, needs: [...base.needs, { ...base.needs[7] }] };
    expect(() => proposeMatches(twice)).toThrow(/twice/);
    expect(() => rematch(state, twice)).toThrow(/twice/);
    const moved = { ...base, needs: [base.needs[7], ...base.needs.slice(0, 20), { ...base.needs[7], urgency: 4 }, ...base.needs.slice(20)] };
    expect(() => rematch(state, moved)).toThrow(/twice/);
  });

  it('solves everything again on a new day, and nothing when nothing changed', () => {
    const inp = randomInstance(42, { needs: 30, projects: 10 });
    const state: MatchState = { input: inp, result: proposeMatches(inp) };
    expect(rematch(state, { ...inp }).scope).toEqual({ needIds: [], projectIds: [] });
    const tomorrow = { ...inp, today: day(1) };
    const next = rematch(state, tomorrow);
    expect(next.scope).toBe('full');
    expect(next.result).toEqual(proposeMatches(tomorrow));
  });
});

describe('reason messages', () => {
  const root = path.join(__dirname, '../../../server/lib/locales');
  const zh = JSON.parse(fs.readFileSync(path.join(root, 'zh-CN/matching.json'), 'utf8')) as Record<string, string>;
  const en = JSON.parse(fs.readFileSync(path.join(root, 'en/matching.json'), 'utf8')) as Record<string, string>;

  it('exist in Chinese and English for every reason the engine gives, with the placeholders its params fill', () => {
    const seen = new Map<string, Set<string>>();
    const note = (reasons: Reason[]): void => {
      for (const r of reasons) seen.set(r.code, new Set(Object.keys(r.params ?? {})));
    };
    for (let seed = 1; seed <= 200; seed++) {
      const inp = randomInstance(seed, { needs: 8, projects: 4, siblings: true });
      const result = proposeMatches(inp);
      result.proposals.forEach((p) => note(p.reasons));
      result.unmatched.forEach((u) => note(u.reasons));
      for (const n of inp.needs) for (const p of inp.projects) {
        const e = eligibility(n, p, inp.activeHelp, inp.today);
        if (!e.eligible) note(e.reasons);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(20);
    for (const [code, params] of seen) {
      for (const dict of [zh, en]) {
        const text = dict[`matching.reason.${code}`];
        expect({ code, text: typeof text }).toEqual({ code, text: 'string' });
        const placeholders = new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
        expect({ code, placeholders: [...placeholders].sort() }).toEqual({ code, placeholders: [...params].sort() });
      }
    }
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });
});
