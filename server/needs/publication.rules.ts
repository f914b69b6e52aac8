/**
 * Anonymized publication of needs: which quasi-identifiers (age band, sex, region, child class)
 * a published need may show so that no combination of published fields singles a child out
 * (k-anonymity).
 *
 * Approach (local recoding along a fixed ladder, counted on what is actually published):
 *   level 1  fine age band,   sex,     county, class
 *   level 2  coarse age band, sex,     county, class
 *   level 3  coarse age band, no sex,  county, class
 *   level 4  coarse age band, no sex,  city,   class
 *   level 5  coarse age band, no sex,  city,   no class
 *   else     held back
 * The class (6类: 1 孤儿 … 6 农村留守儿童) says much about which help fits, so it is the last
 * field given up: only where age, sex and region are already at their coarsest, and a child who
 * cannot be published even without it is held back.
 * Children are placed level by level: at each level the children not yet placed are grouped by
 * their tuple at that level, and every group of ≥ k is published at that level; the rest move
 * down. A group is therefore formed only of children published under exactly that tuple, and
 * tuples of different levels never coincide — only level 1 has fine band labels (fine and coarse
 * labels differ), only level 2 has a coarse band with a sex, levels 1–3 are county and 4–5 city,
 * and only level 5 has no class — so every published tuple is shared by ≥ k children. Any
 * combination of some of its fields then describes those ≥ k children and possibly more.
 * Why not "the finest level at which the child's group over the whole population has ≥ k":
 * if 10 of 12 boys aged 6–13 of one class in a county are published with fine bands, the tuple
 * (6–13, male, county, class) would be shown for only the remaining 2 — anyone can subtract.
 * Last resort before holding back the short group of a (coarse band, city): children are moved
 * down into it from published groups of the same (coarse band, city) that have more than k
 * members (donors keep ≥ k). If the short group is all of one class, it is published at level 4
 * — class kept — when donors of that class suffice; otherwise at level 5. Either way its tuple is
 * new: every child who would share it was not placed, so is in the short group.
 *
 * The population must be the children whose needs are (or will be) published, one record per
 * child however many needs the child has: counting needs would count one child several times.
 * Every change to that population (a need published, withdrawn, or a child's age band or class
 * changed) means re-running this over the whole population; comparing two publications over time
 * is an attack k-anonymity alone does not cover, so the service should re-publish the whole
 * set, not patch it.
 * Nor does k-anonymity hide a field that all of a group shows: someone who knows a child's age,
 * sex and county and that the child has a published need learns the child's class if every
 * tuple that child could be published under shows the same class (e.g. all are 孤儿). Showing
 * the class accepts that (class 3 says 重残或重病 without naming it). The illness or disability
 * itself would be a quasi-identifier too and is not shown.
 */

export type Sex = 'male' | 'female';
export type GeneralizationLevel = 1 | 2 | 3 | 4 | 5;
export type RegionLevel = 'county' | 'city';

/** The facts about a child that a published need could show. */
export interface PublicationCandidate {
  childAgeYears: number;
  sex: Sex;
  /** 6-digit county code; the city is its first 4 digits. */
  countyCode: string;
  /** Child class (6类儿童) as civil-affairs bureaus number it: 1 孤儿, 2 事实无人抚养儿童,
   *  3 低保家庭重残重病儿童, 4 其他低保家庭儿童, 5 其他困境儿童, 6 农村留守儿童. */
  childClass: 1 | 2 | 3 | 4 | 5 | 6;
}

export interface PublicationRecord extends PublicationCandidate {
  /** One id per child (not per need). */
  id: string;
}

/** What a published need shows about the child. */
export interface PublishedTuple {
  ageBand: string;
  sex: Sex | null;
  /** County code, or city code padded to 6 digits (e.g. '520300'). */
  regionCode: string;
  regionLevel: RegionLevel;
  /** Child class 1–6, or null where it is not shown (level 5). */
  childClass: number | null;
}

export type PublicationDecision =
  | ({ heldBack: false; level: GeneralizationLevel } & PublishedTuple)
  | { heldBack: true; reason: 'k_anonymity' | 'age_out_of_range' };

interface Band {
  label: string;
  min: number;
  max: number;
}
const band = (min: number, max: number): Band => ({ label: `${min}-${max}`, min, max });

export const FINE_AGE_BANDS: readonly Band[] = [band(0, 2), band(3, 5), band(6, 8), band(9, 11), band(12, 13), band(14, 15), band(16, 17)];
// The official statistics bands (0–5, 6–13), with minors up to 17 in the last one.
export const COARSE_AGE_BANDS: readonly Band[] = [band(0, 5), band(6, 13), band(14, 17)];
const LEVELS: readonly GeneralizationLevel[] = [1, 2, 3, 4, 5];

function bandOf(bands: readonly Band[], age: number): string {
  return bands.find((b) => age >= b.min && age <= b.max)!.label;
}

/** Age band label ('9-11', '6-13', …) for an age 0–17 at the fine or coarse granularity. */
export function ageBand(age: number, granularity: 'fine' | 'coarse'): string {
  if (!isPublishableAge(age)) throw new RangeError(`age ${age} is outside 0–17`);
  return bandOf(granularity === 'fine' ? FINE_AGE_BANDS : COARSE_AGE_BANDS, age);
}

function isPublishableAge(age: number): boolean {
  return Number.isInteger(age) && age >= 0 && age <= 17;
}

/** The tuple a child would show at a given level of the ladder. */
export function tupleAtLevel(c: PublicationCandidate, level: GeneralizationLevel): PublishedTuple {
  if (!/^\d{6}$/.test(c.countyCode)) throw new TypeError(`county code must be 6 digits, got "${c.countyCode}"`);
  if (!(Number.isInteger(c.childClass) && c.childClass >= 1 && c.childClass <= 6)) {
    throw new TypeError(`child class must be 1–6, got ${JSON.stringify(c.childClass)}`);
  }
  return {
    ageBand: ageBand(c.childAgeYears, level === 1 ? 'fine' : 'coarse'),
    sex: level <= 2 ? c.sex : null,
    regionCode: level <= 3 ? c.countyCode : `${c.countyCode.slice(0, 4)}00`,
    regionLevel: level <= 3 ? 'county' : 'city',
    childClass: level <= 4 ? c.childClass : null,
  };
}

/** Every field, null ones as '*': tuples of different levels get different keys. */
function tupleKey(t: PublishedTuple): string {
  return `${t.ageBand}|${t.sex ?? '*'}|${t.regionLevel}:${t.regionCode}|${t.childClass ?? '*'}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * Decides, per child id, the published tuple or a hold-back, such that every published
 * (ageBand, sex, region, childClass) combination is shared by at least k children.
 */
export function anonymizePopulation(records: readonly PublicationRecord[], k: number): Map<string, PublicationDecision> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const decisions = new Map<string, PublicationDecision>();
  const seen = new Set<string>();
  let remaining: PublicationRecord[] = [];
  for (const r of records) {
    if (seen.has(r.id)) throw new Error(`child ${r.id} appears twice; pass one record per child`);
    seen.add(r.id);
    if (isPublishableAge(r.childAgeYears)) remaining.push(r);
    else decisions.set(r.id, { heldBack: true, reason: 'age_out_of_range' });
  }

  const published: { level: GeneralizationLevel; members: PublicationRecord[] }[] = [];
  for (const level of LEVELS) {
    const next: PublicationRecord[] = [];
    for (const members of groupBy(remaining, (r) => tupleKey(tupleAtLevel(r, level))).values()) {
      if (members.length >= k) published.push({ level, members });
      else next.push(...members);
    }
    remaining = next;
  }

  // Last resort, per (coarse band, city): fill the short group from published groups with more
  // than k members, at level 4 (class kept) if the short group is of one class, else at level 5.
  const donorsFor = (short: PublicationRecord[], level: 4 | 5) => {
    const key = tupleKey(tupleAtLevel(short[0], level));
    const donorGroups = published
      .filter((g) => g.level < level && g.members.length > k && tupleKey(tupleAtLevel(g.members[0], level)) === key)
      .sort((a, b) => b.members.length - a.members.length);
    const surplus = donorGroups.reduce((n, g) => n + g.members.length - k, 0);
    return short.length + surplus >= k ? donorGroups : null;
  };
  for (const short of groupBy(remaining, (r) => tupleKey(tupleAtLevel(r, 5))).values()) {
    const oneClass = short.every((r) => r.childClass === short[0].childClass);
    const level = oneClass && donorsFor(short, 4) ? 4 : 5;
    const donorGroups = donorsFor(short, level);
    if (!donorGroups) {
      for (const r of short) decisions.set(r.id, { heldBack: true, reason: 'k_anonymity' });
      continue;
    }
    const group = [...short];
    for (const g of donorGroups) {
      while (group.length < k && g.members.length > k) group.push(g.members.pop()!);
    }
    published.push({ level, members: group });
  }

  for (const { level, members } of published) {
    for (const r of members) decisions.set(r.id, { heldBack: false, level, ...tupleAtLevel(r, level) });
  }
  return decisions;
}

/**
 * The decision for one candidate, taken over the whole population it will be published with:
 * the only consistent way to decide one child. The candidate is added if absent, and replaces
 * the population's record of the same child if present (its age or class may have changed).
 */
export function chooseGeneralization(
  candidate: PublicationRecord,
  population: readonly PublicationRecord[],
  k: number,
): PublicationDecision {
  const all = population.some((r) => r.id === candidate.id)
    ? population.map((r) => (r.id === candidate.id ? candidate : r))
    : [...population, candidate];
  return anonymizePopulation(all, k).get(candidate.id)!;
}

export interface KAnonymityReport {
  ok: boolean;
  /** Published combinations shared by fewer than k children. */
  violations: { tuple: PublishedTuple; count: number }[];
}

/**
 * Checks that every published (ageBand, sex, region, childClass) combination occurs at least k
 * times; a field not shown (null) is a value of its own, so a tuple without class is counted
 * apart from every tuple with one.
 */
export function checkKAnonymity(publishedTuples: readonly PublishedTuple[], k: number): KAnonymityReport {
  const groups = groupBy(publishedTuples, tupleKey);
  const violations = [...groups.values()]
    .filter((g) => g.length < k)
    .map((g) => ({
      tuple: {
        ageBand: g[0].ageBand,
        sex: g[0].sex,
        regionCode: g[0].regionCode,
        regionLevel: g[0].regionLevel,
        childClass: g[0].childClass,
      },
      count: g.length,
    }));
  return { ok: violations.length === 0, violations };
}

/** Completed years of age on `today`'s date in China (UTC+8); birthDate is YYYY-MM-DD. */
export function ageInYears(birthDate: string, today: Date): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) throw new TypeError(`birth date must be YYYY-MM-DD, got "${birthDate}"`);
  // China has one time zone and no daylight saving.
  const now = new Date(today.getTime() + 8 * 60 * 60 * 1000).toISOString().slice(0, 10);
  const years = Number(now.slice(0, 4)) - Number(birthDate.slice(0, 4));
  // A 29 February birthday counts from 1 March in common years, as MM-DD string order gives.
  return now.slice(5) < birthDate.slice(5) ? years - 1 : years;
}
