import type { ActiveHelp, MatchInput, NeedKind, OpenNeed, OpenProject } from '../../../server/matching/matching.rules';
import { prng } from '../../../server/lib/prng';

/** The day the tests run on, in China Standard Time. */
export const TODAY = new Date('2026-03-01T00:00:00+08:00');

/** A calendar day relative to TODAY. */
export function day(offset: number): Date {
  return new Date(TODAY.getTime() + offset * 86_400_000);
}

export { prng };

let seq = 0;

/** A tutoring need of a 10-year-old left-behind child in 正安县 (遵义), published 10 days ago. */
export function need(overrides: Partial<OpenNeed> = {}): OpenNeed {
  seq++;
  return {
    id: `n${String(seq).padStart(4, '0')}`,
    childKey: `child-${seq}`,
    kind: 'tutoring',
    urgency: 2,
    riskLevel: 2,
    childClass: 6,
    ageYears: 10,
    countyCode: '520324',
    townshipCode: '520324101',
    remote: true,
    publishedAt: day(-10),
    ...overrides,
  };
}

/** A tutoring project covering 遵义市 for ages 6–15, all classes, a year long, 5 places, home in 正安县. */
export function project(overrides: Partial<OpenProject> = {}): OpenProject {
  seq++;
  return {
    id: `p${String(seq).padStart(4, '0')}`,
    organizationId: 'org-1',
    kinds: ['tutoring'],
    regionCodes: ['520300'],
    classes: [],
    minAge: 6,
    maxAge: 15,
    start: day(-30),
    end: day(335),
    remainingCapacity: 5,
    homeCountyCode: '520324',
    ...overrides,
  };
}

export function help(overrides: Partial<ActiveHelp> = {}): ActiveHelp {
  return { childKey: 'child-x', kind: 'tutoring', start: day(-60), end: day(60), ...overrides };
}

export function input(overrides: Partial<MatchInput> = {}): MatchInput {
  return { needs: [], projects: [], activeHelp: [], coverage: {}, today: TODAY, ...overrides };
}

// Counties of two cities in one province (遵义 5203, 毕节 5205) and one elsewhere (昆明 5301),
// so that closeness takes every value.
const COUNTIES = ['520321', '520322', '520324', '520502', '520521', '530102'];
const NEED_COUNTIES = ['520321', '520322', '520324', '520324', '520502', '520521', '530102'];
const KINDS: NeedKind[] = ['tutoring', 'companionship'];

/**
 * A random small instance where every rule can bite: few kinds, overlapping regions, tight
 * capacities, a few active helps. Child keys are unique unless `siblings` is set.
 */
export function randomInstance(seed: number, size: { needs: number; projects: number; siblings?: boolean; maxCapacity?: number }): MatchInput {
  const r = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const needs: OpenNeed[] = [];
  for (let i = 0; i < size.needs; i++) {
    const county = pick(NEED_COUNTIES);
    needs.push({
      id: `n${seed}-${String(i).padStart(3, '0')}`,
      childKey: size.siblings ? `c${int(0, Math.max(1, size.needs / 2))}` : `c${seed}-${i}`,
      kind: pick(KINDS),
      urgency: int(1, 4),
      riskLevel: int(1, 4),
      childClass: int(1, 6),
      ageYears: r() < 0.1 ? int(15, 17) : int(5, 14),
      countyCode: county,
      townshipCode: r() < 0.8 ? `${county}${String(int(1, 3)).padStart(3, '0')}` : undefined,
      remote: r() < 0.5,
      publishedAt: day(-int(0, 250)),
      start: r() < 0.1 ? day(int(-30, 200)) : undefined,
      end: r() < 0.1 ? day(int(100, 400)) : undefined,
    });
  }
  const projects: OpenProject[] = [];
  for (let j = 0; j < size.projects; j++) {
    const county = pick(COUNTIES);
    const level = r();
    // Mostly wide regions and loose rules, so that needs compete for places; every rule still
    // bites now and then.
    const region = level < 0.5 ? county.slice(0, 2) + '0000' : level < 0.85 ? county.slice(0, 4) + '00' : level < 0.95 ? county : `${county}00${int(1, 3)}`;
    const minAge = int(3, 8);
    projects.push({
      id: `p${seed}-${String(j).padStart(3, '0')}`,
      organizationId: `org-${int(1, 3)}`,
      kinds: r() < 0.5 ? [...KINDS] : [pick(KINDS)],
      regionCodes: r() < 0.3 ? [region, pick(COUNTIES)] : [region],
      classes: r() < 0.8 ? [] : [int(1, 6), int(1, 6), int(1, 6)],
      minAge,
      maxAge: minAge + int(6, 12),
      start: day(int(-100, 60)),
      end: r() < 0.05 ? day(-int(1, 10)) : day(int(30, 400)),
      remainingCapacity: r() < 0.05 ? 0 : int(1, size.maxCapacity ?? 2),
      homeCountyCode: r() < 0.9 ? pick(COUNTIES) : undefined,
    });
  }
  const activeHelp: ActiveHelp[] = [];
  for (const n of needs) {
    if (r() < 0.06) activeHelp.push({ childKey: n.childKey, kind: n.kind, start: day(-int(0, 100)), end: r() < 0.3 ? null : day(int(-20, 200)) });
  }
  const coverage: Record<string, number> = {};
  for (const c of COUNTIES) if (r() < 0.8) coverage[c] = Math.round(r() * 100) / 100;
  return { needs, projects, activeHelp, coverage, today: TODAY };
}

/** Fisher–Yates with the seeded PRNG. */
export function shuffled<T>(list: readonly T[], seed: number): T[] {
  const r = prng(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const k = Math.floor(r() * (i + 1));
    [out[i], out[k]] = [out[k], out[i]];
  }
  return out;
}

/** The instance with a share of its need × project pairs turned down (declined or stepped back from). */
export function withExclusions(inp: MatchInput, seed: number, share = 0.15): MatchInput {
  const r = prng(seed);
  const excludedPairs = [];
  for (const n of inp.needs) for (const p of inp.projects) if (r() < share) excludedPairs.push({ needId: n.id, projectId: p.id });
  return { ...inp, excludedPairs };
}
