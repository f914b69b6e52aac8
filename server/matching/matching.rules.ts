/**
 * The matching engine's pure core: which open needs may go to which open projects, how a pair
 * scores, and the optimal set of proposals. No I/O; plain values in, plain values out.
 *
 * THE OBJECTIVE (what "optimal" means here), compared lexicographically, first term first:
 *   1. the number of needs matched;
 *   2. the sum of their urgency levels (1..4);
 *   3. the sum of their risk levels (1..4);
 *   4. the sum of waiting + fairness points (one point = one day waited, capped at 180;
 *      a remote township is worth 60 days; a county with no help yet up to 60 more);
 *   5. the sum of closeness to the project's home (same county 3, city 2, province 1).
 * Matching as many needs as possible comes first because every unmatched need is a child with
 * no help; among assignments of that size, one more step of urgency or risk anywhere outweighs
 * any amount of waiting, fairness or closeness elsewhere.
 * Terms 2–4 are properties of the need alone, only 5 depends on the pair.
 *
 * The pair score (`scorePair`) encodes the same order for one pair: weights 100 000 (urgency),
 * 10 000 (risk), 4 (waiting, fairness), 1 (closeness), so no sum of lower terms reaches one
 * step of a higher one. The engine does NOT maximize the plain sum of pair scores: across
 * thousands of pairs, many small gains could add up to more than one urgency step, and weights
 * big enough to prevent that for 100 000 needs would overflow exact double arithmetic.
 *
 * HOW IT IS SOLVED, exactly:
 *   Stage A. The sets of needs that can be matched at once (respecting project capacities) form
 *   a matroid (a transversal matroid). For a matroid, taking needs greedily from best to worst
 *   — keep a need when an augmenting path can make room for it — gives a basis that is optimal
 *   for every weight consistent with that order (Gale optimality), hence for terms 1–4 at once.
 *   The order is the need's key (urgency, risk, waiting+fairness), ties by id. A search that
 *   fails marks everything it visited dead: that region is full and closed, and no later
 *   augmentation can enter it, which keeps the stage near-linear.
 *   Stage B. Every assignment optimal for terms 1–4 matches exactly as many needs of each key
 *   as stage A did (the profile of a Gale-optimal basis is unique). So term 5 is a min-cost
 *   flow with those per-key counts as capacities: source → key (count) → need → project
 *   (cost 3 − closeness) → sink (remaining capacity), solved by primal-dual successive
 *   shortest paths (Dijkstra with potentials, then a blocking flow over zero-reduced-cost arcs).
 *   Costs are 0..3, so there are few phases. When every pair in a component has the same
 *   closeness, stage A's assignment is already optimal and stage B is skipped.
 *
 * Two open needs of the same child (same childKey, across organizations) for the same kind with
 * overlapping periods are one need for matching: the better-ranked one that has an eligible
 * project stands; the other is reported as `duplicate_need`. Matching both would be the
 * duplicate help the seeds complain about, and allowing "one of the two" inside the solve would
 * break the matroid structure the exactness rests on.
 *
 * Determinism: inputs are sorted by id before anything else, and each connected component of
 * the eligibility graph (needs, projects, and links between needs of the same child and kind)
 * is solved on its own. The result for a component depends only on that component's content,
 * so any input order gives the same output, and `incrementalScope` + re-solve gives exactly
 * what a full re-solve gives.
 *
 * Dates are compared as calendar days in China Standard Time (UTC+8, no daylight saving), so a
 * date stored as UTC midnight and one stored as Beijing midnight name the same day.
 */
import { NEED_KINDS, type NeedKind } from '../needs/needs.rules';

export { NEED_KINDS, type NeedKind };

// ---------------------------------------------------------------------------------------------
// Inputs and outputs

/** An open (published, unmatched) need as the engine sees it: no identity, only what it rules on. */
export interface OpenNeed {
  id: string;
  /** Opaque; the same child across organizations shares it (for duplicate-help checks). */
  childKey: string;
  kind: NeedKind;
  /** 1..4, 4 most urgent. */
  urgency: number;
  /** 1..4 in the four-level risk system, 4 highest. */
  riskLevel: number;
  /** 1..6, the civil-affairs class (孤儿 … 农村留守儿童). */
  childClass: number;
  ageYears: number;
  /** 6 digits. */
  countyCode: string;
  /** 9 digits, when known. */
  townshipCode?: string;
  /** The township is a 乡/镇 rather than an urban 街道. */
  remote: boolean;
  publishedAt: Date;
  /** The period in which the help is needed; open-ended when missing. */
  start?: Date;
  end?: Date;
}

/** An open help project. */
export interface OpenProject {
  id: string;
  organizationId: string;
  kinds: string[];
  /** Any level: province '520000', city '520300', county '520324', township (9), village (12). */
  regionCodes: string[];
  /** Eligible classes; empty means all. */
  classes: number[];
  minAge: number;
  maxAge: number;
  start: Date;
  end: Date;
  remainingCapacity: number;
  /** The county the organization works from, for closeness. */
  homeCountyCode?: string;
}

/** Help already running or accepted for a child, from any organization. */
export interface ActiveHelp {
  childKey: string;
  kind: string;
  start: Date;
  /** null: ongoing, no end set. */
  end: Date | null;
}

/** Share (0..1) of a county's needs already being helped, by 6-digit county code. Missing = 0. */
export type RegionCoverage = Record<string, number>;

export interface MatchInput {
  needs: OpenNeed[];
  projects: OpenProject[];
  activeHelp: ActiveHelp[];
  coverage: RegionCoverage;
  today: Date;
}

export type ReasonCode =
  // why a pair is proposed
  | 'urgency'
  | 'risk'
  | 'waiting'
  | 'remote_township'
  | 'low_coverage'
  | 'same_county'
  | 'same_city'
  | 'same_province'
  // why a pair is not eligible
  | 'kind_not_offered'
  | 'outside_region'
  | 'class_not_covered'
  | 'age_out_of_range'
  | 'project_ended'
  | 'dates_do_not_overlap'
  | 'no_capacity'
  | 'duplicate_help'
  | 'duplicate_help_ongoing'
  // why a need got no proposal
  | 'duplicate_need'
  | 'no_project_in_region'
  | 'no_eligible_project'
  | 'capacity_taken';

/**
 * A reason in plain words: the message is `matching.reason.<code>` in the locale files, with
 * `params` filling its {placeholders}. A `kind` param is a need kind code, shown through the
 * `kind.<code>` message; a `class` param through `class.<n>`; dates are 'YYYY-MM-DD'.
 */
export interface Reason {
  code: ReasonCode;
  params?: Record<string, string | number>;
}

export type Eligibility = { eligible: true } | { eligible: false; reasons: Reason[] };

/** Raw points of a pair; score = Σ SCORE_WEIGHTS[part] × part. */
export interface ScoreParts {
  /** Urgency level 1..4. */
  urgency: number;
  /** Risk level 1..4. */
  risk: number;
  /** Days waited since publication, capped at WAITING_CAP_DAYS. */
  waiting: number;
  /** Remote township points + low-coverage points. */
  fairness: number;
  /** 3 same county as the project's home, 2 same city, 1 same province, 0 otherwise. */
  closeness: number;
}

export interface PairScore {
  score: number;
  parts: ScoreParts;
}

export interface Proposal {
  needId: string;
  projectId: string;
  score: number;
  parts: ScoreParts;
  reasons: Reason[];
}

export interface Unmatched {
  needId: string;
  reasons: Reason[];
}

export interface MatchResult {
  /** Sorted by need id. */
  proposals: Proposal[];
  /** Sorted by need id. */
  unmatched: Unmatched[];
}

/** The objective's terms for a set of proposals (see the module doc). */
export interface Objective {
  matched: number;
  urgency: number;
  risk: number;
  waitingFairness: number;
  closeness: number;
}

// ---------------------------------------------------------------------------------------------
// Score constants

export const SCORE_WEIGHTS = { urgency: 100_000, risk: 10_000, waiting: 4, fairness: 4, closeness: 1 } as const;
export const WAITING_CAP_DAYS = 180;
/** Points for a remote township: worth 60 days of waiting. */
export const REMOTE_POINTS = 60;
/** Points for a county where nothing is being helped yet; scaled down linearly with coverage. */
export const COVERAGE_POINTS = 60;
/** Coverage below this share is named as a reason. */
export const LOW_COVERAGE_SHARE = 0.5;
const MAX_CLOSENESS = 3;

// ---------------------------------------------------------------------------------------------
// Days

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3_600_000;

function dayOf(d: Date, what: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(t)) throw new RangeError(`matching: ${what} is not a valid date`);
  return Math.floor((t + CST_OFFSET_MS) / DAY_MS);
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Compiled forms: dates as day numbers, regions as prefixes, so that the hot loops compare numbers

interface CNeed {
  id: string;
  childKey: string;
  kind: string;
  urgency: number;
  risk: number;
  cls: number;
  age: number;
  county: string;
  countyNum: number;
  /** Most precise code known: township, else county. */
  code: string;
  township: string | undefined;
  remote: boolean;
  waitedDays: number;
  /** Period the help is needed in, as days; ±Infinity when open. */
  from: number;
  until: number;
  waiting: number;
  fairness: number;
  coverage: number;
  /** Need-only part of the score: the stage-A key. */
  key: number;
}

interface CProject {
  id: string;
  kinds: Set<string>;
  kindList: string[];
  prefixes: string[];
  /** Bit n set when class n is eligible; 0 = all. */
  classMask: number;
  minAge: number;
  maxAge: number;
  start: number;
  end: number;
  capacity: number;
  /** Home county as a number (city = ÷100, province = ÷10000); -1 when unknown. */
  home: number;
}

type HelpIndex = Map<string, Array<{ start: number; end: number }>>;

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function checkLevel(value: number, min: number, max: number, what: string, id: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`matching: ${what} of ${id} must be an integer ${min}..${max}, got ${value}`);
  }
  return value;
}

/**
 * The prefix a region code covers: a province '520000' covers '52…', a city '520300' covers
 * '5203…', any other code covers itself and what lies under it.
 */
export function regionPrefix(code: string): string {
  if (code.length === 6) {
    if (code.endsWith('0000')) return code.slice(0, 2);
    if (code.endsWith('00')) return code.slice(0, 4);
  }
  return code;
}

/** The prefixes under which a need can be found: province, city, county, township. */
function needPrefixes(n: { county: string; township: string | undefined }): string[] {
  const out = [n.county.slice(0, 2), n.county.slice(0, 4), n.county];
  if (n.township) out.push(n.township);
  return out;
}

function coveragePoints(share: number): number {
  const s = Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : 0;
  return Math.round((1 - s) * COVERAGE_POINTS);
}

function compileNeed(n: OpenNeed, coverage: RegionCoverage, today: number): CNeed {
  const urgency = checkLevel(n.urgency, 1, 4, 'urgency', n.id);
  const risk = checkLevel(n.riskLevel, 1, 4, 'riskLevel', n.id);
  if (!/^\d{6}$/.test(n.countyCode)) throw new RangeError(`matching: countyCode of ${n.id} must be 6 digits`);
  const township = n.townshipCode || undefined;
  if (township !== undefined && !(/^\d{9}$/.test(township) && township.startsWith(n.countyCode))) {
    throw new RangeError(`matching: townshipCode of ${n.id} must be 9 digits inside its county`);
  }
  const waitedDays = Math.max(0, today - dayOf(n.publishedAt, `publishedAt of ${n.id}`));
  const waiting = Math.min(waitedDays, WAITING_CAP_DAYS);
  const share = Object.prototype.hasOwnProperty.call(coverage, n.countyCode) ? coverage[n.countyCode] : 0;
  const fairness = (n.remote ? REMOTE_POINTS : 0) + coveragePoints(share);
  return {
    id: n.id,
    childKey: n.childKey,
    kind: n.kind,
    urgency,
    risk,
    cls: n.childClass,
    age: n.ageYears,
    county: n.countyCode,
    countyNum: Number(n.countyCode),
    code: township ?? n.countyCode,
    township,
    remote: !!n.remote,
    waitedDays,
    from: n.start ? dayOf(n.start, `start of ${n.id}`) : -Infinity,
    until: n.end ? dayOf(n.end, `end of ${n.id}`) : Infinity,
    waiting,
    fairness,
    coverage: Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : 0,
    key: urgency * SCORE_WEIGHTS.urgency + risk * SCORE_WEIGHTS.risk + waiting * SCORE_WEIGHTS.waiting + fairness * SCORE_WEIGHTS.fairness,
  };
}

function compileProject(p: OpenProject): CProject {
  let classMask = 0;
  for (const c of p.classes) classMask |= 1 << c;
  const kindList = [...new Set(p.kinds)].sort();
  return {
    id: p.id,
    kinds: new Set(kindList),
    kindList,
    prefixes: [...new Set(p.regionCodes.map(regionPrefix))].sort(),
    classMask,
    minAge: p.minAge,
    maxAge: p.maxAge,
    start: dayOf(p.start, `start of ${p.id}`),
    end: dayOf(p.end, `end of ${p.id}`),
    capacity: Math.max(0, Math.floor(p.remainingCapacity)),
    home: /^\d{6}$/.test(p.homeCountyCode ?? '') ? Number(p.homeCountyCode) : -1,
  };
}

function indexHelp(activeHelp: ActiveHelp[]): HelpIndex {
  const index: HelpIndex = new Map();
  for (const h of activeHelp) {
    const key = `${h.childKey}\u0000${h.kind}`;
    const period = { start: dayOf(h.start, 'start of an active help'), end: h.end ? dayOf(h.end, 'end of an active help') : Infinity };
    const list = index.get(key);
    if (list) list.push(period);
    else index.set(key, [period]);
  }
  for (const list of index.values()) list.sort((a, b) => a.start - b.start || a.end - b.end);
  return index;
}

function helpsOf(index: HelpIndex, n: CNeed): Array<{ start: number; end: number }> | undefined {
  return index.get(`${n.childKey}\u0000${n.kind}`);
}

function duplicateReason(n: CNeed, helps: Array<{ start: number; end: number }> | undefined, from: number, until: number): Reason | undefined {
  if (!helps) return undefined;
  for (const h of helps) {
    if (h.start <= until && from <= h.end) {
      return h.end === Infinity
        ? { code: 'duplicate_help_ongoing', params: { kind: n.kind, from: isoDay(h.start) } }
        : { code: 'duplicate_help', params: { kind: n.kind, from: isoDay(h.start), until: isoDay(h.end) } };
    }
  }
  return undefined;
}

function covers(p: CProject, n: CNeed): boolean {
  for (const prefix of p.prefixes) if (n.code.startsWith(prefix)) return true;
  return false;
}

const NO_REASONS: Reason[] = [];

/**
 * Every rule a pair breaks (all of them when `all`, else only the first found), or an empty
 * list when the pair is eligible. Kind and region are checked here too, so that the one-pair
 * API and the indexed bulk path share one definition.
 */
function pairReasons(n: CNeed, p: CProject, helps: Array<{ start: number; end: number }> | undefined, today: number, all: boolean): Reason[] {
  let out: Reason[] | undefined;
  const fail = (r: Reason): boolean => {
    (out ??= []).push(r);
    return !all;
  };
  if (!p.kinds.has(n.kind) && fail({ code: 'kind_not_offered', params: { kind: n.kind } })) return out!;
  if (!covers(p, n) && fail({ code: 'outside_region' })) return out!;
  if (p.classMask !== 0 && !(p.classMask & (1 << n.cls)) && fail({ code: 'class_not_covered', params: { class: n.cls } })) return out!;
  if ((n.age < p.minAge || n.age > p.maxAge) && fail({ code: 'age_out_of_range', params: { age: n.age, min: p.minAge, max: p.maxAge } })) return out!;
  // The help would run from the latest start to the earliest end, and never before today.
  const from = Math.max(today, n.from, p.start);
  const until = Math.min(n.until, p.end);
  let datesOk = true;
  if (p.end < today) {
    datesOk = false;
    if (fail({ code: 'project_ended', params: { until: isoDay(p.end) } })) return out!;
  } else if (from > until) {
    datesOk = false;
    if (fail({ code: 'dates_do_not_overlap', params: { from: isoDay(p.start), until: isoDay(p.end) } })) return out!;
  }
  if (p.capacity <= 0 && fail({ code: 'no_capacity' })) return out!;
  // Without a common period, judge duplicates over the need's own period from today on.
  const dup = datesOk ? duplicateReason(n, helps, from, until) : duplicateReason(n, helps, Math.max(today, n.from), n.until);
  if (dup) fail(dup);
  return out ?? NO_REASONS;
}

function closenessOf(n: CNeed, p: CProject): number {
  const home = p.home;
  if (home < 0) return 0;
  const county = n.countyNum;
  if (home === county) return 3;
  if (Math.floor(home / 100) === Math.floor(county / 100)) return 2;
  if (Math.floor(home / 10_000) === Math.floor(county / 10_000)) return 1;
  return 0;
}

/**
 * The rules `pairReasons` checks after kind and region, for a project that the index already
 * found by kind and region; no allocation, as it runs for every candidate pair.
 */
function fitsCandidate(n: CNeed, p: CProject, helps: Array<{ start: number; end: number }> | undefined, today: number): boolean {
  if (p.classMask !== 0 && !(p.classMask & (1 << n.cls))) return false;
  if (n.age < p.minAge || n.age > p.maxAge) return false;
  if (p.end < today || p.capacity <= 0) return false;
  const from = n.from > p.start ? n.from : p.start;
  const start = from > today ? from : today;
  const until = n.until < p.end ? n.until : p.end;
  if (start > until) return false;
  if (helps) for (const h of helps) if (h.start <= until && start <= h.end) return false;
  return true;
}

function partsOf(n: CNeed, closeness: number): ScoreParts {
  return { urgency: n.urgency, risk: n.risk, waiting: n.waiting, fairness: n.fairness, closeness };
}

function scoreOf(n: CNeed, closeness: number): number {
  return n.key + closeness * SCORE_WEIGHTS.closeness;
}

const CLOSENESS_REASON: Record<number, ReasonCode | undefined> = { 3: 'same_county', 2: 'same_city', 1: 'same_province' };

function proposalReasons(n: CNeed, closeness: number): Reason[] {
  const out: Reason[] = [
    { code: 'urgency', params: { level: n.urgency } },
    { code: 'risk', params: { level: n.risk } },
  ];
  if (n.waitedDays > 0) out.push({ code: 'waiting', params: { days: n.waitedDays } });
  if (n.remote) out.push({ code: 'remote_township' });
  if (n.coverage < LOW_COVERAGE_SHARE) out.push({ code: 'low_coverage', params: { percent: Math.round(n.coverage * 100) } });
  const near = CLOSENESS_REASON[closeness];
  if (near) out.push({ code: near });
  return out;
}

// ---------------------------------------------------------------------------------------------
// One pair

/** A need may go to a project when the project offers its kind, covers its region, class and age, shares a period with it from today on, has room, and the child is not already helped in that kind over that period. */
export function eligibility(need: OpenNeed, project: OpenProject, activeHelp: ActiveHelp[], today: Date): Eligibility {
  const t = dayOf(today, 'today');
  const n = compileNeed(need, {}, t);
  const helps = helpsOf(indexHelp(activeHelp.filter((h) => h.childKey === need.childKey)), n);
  const reasons = pairReasons(n, compileProject(project), helps, t, true);
  return reasons.length === 0 ? { eligible: true } : { eligible: false, reasons };
}

/** A pair's score: urgency ≻ risk ≻ (waiting + fairness) ≻ closeness, each weight larger than everything below it can add up to for one pair. */
export function scorePair(need: OpenNeed, project: OpenProject, coverage: RegionCoverage, today: Date): PairScore {
  const n = compileNeed(need, coverage, dayOf(today, 'today'));
  const closeness = closenessOf(n, compileProject(project));
  return { score: scoreOf(n, closeness), parts: partsOf(n, closeness) };
}

/** The objective's terms summed over proposals. */
export function objectiveOf(proposals: ReadonlyArray<{ parts: ScoreParts }>): Objective {
  const o: Objective = { matched: 0, urgency: 0, risk: 0, waitingFairness: 0, closeness: 0 };
  for (const { parts } of proposals) {
    o.matched++;
    o.urgency += parts.urgency;
    o.risk += parts.risk;
    o.waitingFairness += parts.waiting + parts.fairness;
    o.closeness += parts.closeness;
  }
  return o;
}

/** Lexicographic comparison of objectives: > 0 when a is better. */
export function compareObjectives(a: Objective, b: Objective): number {
  return a.matched - b.matched || a.urgency - b.urgency || a.risk - b.risk || a.waitingFairness - b.waitingFairness || a.closeness - b.closeness;
}

// ---------------------------------------------------------------------------------------------
// The eligibility graph

type Index<T> = Map<string, T[]>;

function pushTo<T>(index: Index<T>, key: string, value: T): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

/** Projects by kind + covered prefix; lists are in project order. */
function indexProjects(projects: CProject[]): Index<number> {
  const index: Index<number> = new Map();
  projects.forEach((p, j) => {
    for (const kind of p.kindList) for (const prefix of p.prefixes) pushTo(index, `${kind}:${prefix}`, j);
  });
  return index;
}

/** Projects that offer the need's kind and cover its region (eligible or not), in project order. */
function candidatesOf(n: CNeed, index: Index<number>, seen: Int32Array, stamp: number): number[] {
  const out: number[] = [];
  for (const prefix of needPrefixes(n)) {
    const list = index.get(`${n.kind}:${prefix}`);
    if (!list) continue;
    for (const j of list) {
      if (seen[j] !== stamp) {
        seen[j] = stamp;
        out.push(j);
      }
    }
  }
  return out.sort((a, b) => a - b);
}

/** Visit marks that need no clearing: a new stamp per visit. */
class Stamps {
  readonly seen: Int32Array;
  private stamp = 0;
  constructor(size: number) {
    this.seen = new Int32Array(size);
  }
  next(): number {
    return ++this.stamp;
  }
}

interface Compiled {
  needs: CNeed[];
  projects: CProject[];
  helps: HelpIndex;
  today: number;
}

function compile(input: MatchInput): Compiled {
  const today = dayOf(input.today, 'today');
  const needs = input.needs.map((n) => compileNeed(n, input.coverage, today)).sort(byId);
  const projects = input.projects.map(compileProject).sort(byId);
  for (let i = 1; i < needs.length; i++) if (needs[i].id === needs[i - 1].id) throw new RangeError(`matching: need ${needs[i].id} given twice`);
  for (let j = 1; j < projects.length; j++) if (projects[j].id === projects[j - 1].id) throw new RangeError(`matching: project ${projects[j].id} given twice`);
  return { needs, projects, helps: indexHelp(input.activeHelp), today };
}

/**
 * Eligible pairs of an input, ready to solve. Built once; `solveMatches` turns it into proposals.
 * Split from `proposeMatches` so that callers can time or inspect the two halves.
 */
export interface EligibilityGraph {
  readonly needCount: number;
  readonly projectCount: number;
  /** Eligible (need, project) pairs. */
  readonly edgeCount: number;
  /** @internal compiled needs and projects, in id order */
  readonly c: Compiled;
  /** @internal need i's eligible projects are adjProject[adjStart[i] .. adjStart[i+1]), closest first, then in id order */
  readonly adjStart: Int32Array;
  /** @internal */
  readonly adjProject: Int32Array;
  /** @internal closeness of each eligible pair */
  readonly adjCloseness: Uint8Array;
  /** @internal projects offering the kind in the region, eligible or not, per need */
  readonly candidateCount: Int32Array;
  /** @internal */
  readonly projectIndex: Index<number>;
}

/** All eligible pairs of the input: candidates are looked up by kind and region prefix, then checked rule by rule. */
export function eligibilityGraph(input: MatchInput): EligibilityGraph {
  const c = compile(input);
  const { needs, projects, helps, today } = c;
  const projectIndex = indexProjects(projects);
  const adjStart = new Int32Array(needs.length + 1);
  const candidateCount = new Int32Array(needs.length);
  let adjProject = new Int32Array(Math.max(16, needs.length * 8));
  let adjCloseness = new Uint8Array(adjProject.length);
  const seen = new Int32Array(projects.length);
  const P = projects.length;
  let order = new Int32Array(64);
  let edges = 0;
  for (let i = 0; i < needs.length; i++) {
    const n = needs[i];
    const h = helpsOf(helps, n);
    // Candidates by kind and region, then the other rules; eligible ones closest first (then by
    // id), so that stage A starts from an assignment mostly near home and leaves stage B little.
    let count = 0;
    let fit = 0;
    for (const prefix of needPrefixes(n)) {
      const list = projectIndex.get(`${n.kind}:${prefix}`);
      if (!list) continue;
      for (const j of list) {
        if (seen[j] === i + 1) continue;
        seen[j] = i + 1;
        count++;
        if (!fitsCandidate(n, projects[j], h, today)) continue;
        if (fit === order.length) {
          const grown = new Int32Array(fit * 2);
          grown.set(order);
          order = grown;
        }
        order[fit++] = (MAX_CLOSENESS - closenessOf(n, projects[j])) * P + j;
      }
    }
    candidateCount[i] = count;
    const sorted = order.subarray(0, fit).sort();
    if (edges + fit > adjProject.length) {
      const size = Math.max(adjProject.length * 2, edges + fit);
      const grownP = new Int32Array(size);
      grownP.set(adjProject);
      adjProject = grownP;
      const grownC = new Uint8Array(size);
      grownC.set(adjCloseness);
      adjCloseness = grownC;
    }
    for (let k = 0; k < fit; k++) {
      adjProject[edges] = sorted[k] % P;
      adjCloseness[edges] = MAX_CLOSENESS - Math.floor(sorted[k] / P);
      edges++;
    }
    adjStart[i + 1] = edges;
  }
  return {
    needCount: needs.length,
    projectCount: projects.length,
    edgeCount: edges,
    c,
    adjStart,
    adjProject: adjProject.subarray(0, edges),
    adjCloseness: adjCloseness.subarray(0, edges),
    candidateCount,
    projectIndex,
  };
}

// ---------------------------------------------------------------------------------------------
// Duplicate needs of one child

function overlaps(a: CNeed, b: CNeed, today: number): boolean {
  return Math.max(a.from, today) <= b.until && Math.max(b.from, today) <= a.until;
}

/** Priority order of needs: better key first, then id. Needs are indexed in id order. */
function byPriority(needs: CNeed[]): (a: number, b: number) => number {
  return (a, b) => needs[b].key - needs[a].key || a - b;
}

/**
 * Which needs take part in the solve: those with an eligible project, minus the lower-ranked of
 * two needs of the same child and kind with overlapping periods.
 */
function standingNeeds(g: EligibilityGraph): { stands: Uint8Array; duplicateOf: Uint8Array } {
  const { needs } = g.c;
  const stands = new Uint8Array(needs.length);
  const duplicateOf = new Uint8Array(needs.length);
  const groups: Index<number> = new Map();
  for (let i = 0; i < needs.length; i++) {
    if (g.adjStart[i + 1] === g.adjStart[i]) continue;
    stands[i] = 1;
    pushTo(groups, `${needs[i].childKey}\u0000${needs[i].kind}`, i);
  }
  const order = byPriority(needs);
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort(order);
    const kept: number[] = [];
    for (const i of group) {
      if (kept.some((k) => overlaps(needs[k], needs[i], g.c.today))) {
        stands[i] = 0;
        duplicateOf[i] = 1;
      } else kept.push(i);
    }
  }
  return { stands, duplicateOf };
}

// ---------------------------------------------------------------------------------------------
// Stage A: greedy augmentation over the matroid

interface Assignment {
  /** Project of each need, or -1. */
  matchProject: Int32Array;
  /** Edge index of each need's assignment, or -1. */
  matchEdge: Int32Array;
}

function stageA(g: EligibilityGraph, stands: Uint8Array): Assignment {
  const N = g.needCount;
  const P = g.projectCount;
  const { adjStart, adjProject } = g;
  const cap = new Int32Array(P);
  g.c.projects.forEach((p, j) => (cap[j] = p.capacity));
  const matchProject = new Int32Array(N).fill(-1);
  const matchEdge = new Int32Array(N).fill(-1);
  const load = new Int32Array(P);
  // Needs assigned to each project, as doubly linked lists, for walking back along residual arcs.
  const head = new Int32Array(P).fill(-1);
  const next = new Int32Array(N).fill(-1);
  const prev = new Int32Array(N).fill(-1);
  const deadNeed = new Uint8Array(N);
  const deadProject = new Uint8Array(P);
  const seenNeed = new Int32Array(N);
  const seenProject = new Int32Array(P);
  const parentNeed = new Int32Array(P);
  const parentEdge = new Int32Array(P);
  const queue = new Int32Array(N);
  const visitedProjects = new Int32Array(P);

  const unlink = (i: number, j: number): void => {
    if (prev[i] >= 0) next[prev[i]] = next[i];
    else head[j] = next[i];
    if (next[i] >= 0) prev[next[i]] = prev[i];
    load[j]--;
  };
  const link = (i: number, j: number, e: number): void => {
    prev[i] = -1;
    next[i] = head[j];
    if (head[j] >= 0) prev[head[j]] = i;
    head[j] = i;
    load[j]++;
    matchProject[i] = j;
    matchEdge[i] = e;
  };

  const order: number[] = [];
  for (let i = 0; i < N; i++) if (stands[i]) order.push(i);
  order.sort(byPriority(g.c.needs));

  let stamp = 0;
  for (const x of order) {
    stamp++;
    let qh = 0;
    let qt = 0;
    let vp = 0;
    queue[qt++] = x;
    seenNeed[x] = stamp;
    let found = -1;
    search: while (qh < qt) {
      const y = queue[qh++];
      for (let e = adjStart[y]; e < adjStart[y + 1]; e++) {
        const j = adjProject[e];
        if (deadProject[j] || seenProject[j] === stamp) continue;
        seenProject[j] = stamp;
        visitedProjects[vp++] = j;
        parentNeed[j] = y;
        parentEdge[j] = e;
        if (load[j] < cap[j]) {
          found = j;
          break search;
        }
        for (let z = head[j]; z >= 0; z = next[z]) {
          if (seenNeed[z] !== stamp && !deadNeed[z]) {
            seenNeed[z] = stamp;
            queue[qt++] = z;
          }
        }
      }
    }
    if (found < 0) {
      // Everything reachable is full and only leads to more full projects: closed for good.
      for (let k = 0; k < qt; k++) deadNeed[queue[k]] = 1;
      for (let k = 0; k < vp; k++) deadProject[visitedProjects[k]] = 1;
      continue;
    }
    for (let j = found; ; ) {
      const y = parentNeed[j];
      const old = matchProject[y];
      if (old >= 0) unlink(y, old);
      link(y, j, parentEdge[j]);
      if (old < 0) break;
      j = old;
    }
  }
  return { matchProject, matchEdge };
}

// ---------------------------------------------------------------------------------------------
// Components

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/** Components over standing needs (0..N-1) and projects (N..N+P-1): the smallest need index names each. */
function components(g: EligibilityGraph, stands: Uint8Array): Map<number, { needs: number[]; projects: number[] }> {
  const N = g.needCount;
  const parent = new Int32Array(N + g.projectCount);
  for (let k = 0; k < parent.length; k++) parent[k] = k;
  for (let i = 0; i < N; i++) {
    if (!stands[i]) continue;
    for (let e = g.adjStart[i]; e < g.adjStart[i + 1]; e++) {
      const a = find(parent, i);
      const b = find(parent, N + g.adjProject[e]);
      if (a !== b) {
        if (a < b) parent[b] = a;
        else parent[a] = b;
      }
    }
  }
  const out = new Map<number, { needs: number[]; projects: number[] }>();
  for (let i = 0; i < N; i++) {
    if (!stands[i]) continue;
    const r = find(parent, i);
    let comp = out.get(r);
    if (!comp) out.set(r, (comp = { needs: [], projects: [] }));
    comp.needs.push(i);
  }
  for (let j = 0; j < g.projectCount; j++) {
    const r = find(parent, N + j);
    const comp = out.get(r);
    if (comp) comp.projects.push(j);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stage B: closeness, as a min-cost flow with the per-key counts fixed by stage A

/** Arcs of a flow network, each paired with its reverse (arc ^ 1), plus a CSR adjacency. */
class FlowNetwork {
  readonly to: Int32Array;
  readonly cap: Int32Array;
  readonly cost: Int32Array;
  arcs = 0;
  constructor(
    readonly nodes: number,
    arcCapacity: number,
  ) {
    this.to = new Int32Array(arcCapacity);
    this.cap = new Int32Array(arcCapacity);
    this.cost = new Int32Array(arcCapacity);
  }
  add(u: number, v: number, cap: number, cost: number): number {
    const a = this.arcs;
    this.to[a] = v;
    this.cap[a] = cap;
    this.cost[a] = cost;
    this.to[a + 1] = u;
    this.cap[a + 1] = 0;
    this.cost[a + 1] = -cost;
    this.arcs += 2;
    return a;
  }
  /** Moves `amount` units along an arc. */
  push(a: number, amount: number): void {
    this.cap[a] -= amount;
    this.cap[a ^ 1] += amount;
  }
  /**
   * Out-arcs of every node as one contiguous list (CSR), in insertion order: scanning arrays
   * is far faster than chasing linked arcs, and a fixed order keeps results deterministic.
   */
  adjacency(): { start: Int32Array; list: Int32Array } {
    const start = new Int32Array(this.nodes + 1);
    for (let a = 0; a < this.arcs; a++) start[this.to[a ^ 1] + 1]++;
    for (let v = 0; v < this.nodes; v++) start[v + 1] += start[v];
    const fill = start.slice(0, this.nodes);
    const list = new Int32Array(this.arcs);
    for (let a = 0; a < this.arcs; a++) list[fill[this.to[a ^ 1]]++] = a;
    return { start, list };
  }
}

type Adjacency = { start: Int32Array; list: Int32Array };

/**
 * Sends one unit from each source to t along a cheapest path (the Hungarian method): a Dijkstra
 * on reduced costs from that source, stopped as soon as t is settled; only the nodes it settled
 * get new potentials, so the work stays near the path. `pot` must give every residual arc a
 * non-negative reduced cost (c + pot[u] − pot[v]) on entry, and still does on return: the flow
 * is then the cheapest one with its supplies. Returns the sources it could not route.
 */
function routeFromSources(net: FlowNetwork, adj: Adjacency, pot: Float64Array, sources: number[], t: number): number {
  const V = net.nodes;
  const { to, cap, cost } = net;
  const { start, list } = adj;
  const dist = new Float64Array(V);
  const seen = new Int32Array(V);
  const done = new Int32Array(V);
  const prevArc = new Int32Array(V);
  const heap = new Int32Array(V);
  const heapPos = new Int32Array(V);
  const settled = new Int32Array(V);
  let stamp = 0;
  let failed = 0;

  const less = (u: number, v: number): boolean => dist[u] < dist[v] || (dist[u] === dist[v] && u > v);
  const siftUp = (k: number): void => {
    const v = heap[k];
    while (k > 0) {
      const p = (k - 1) >> 1;
      const u = heap[p];
      if (!less(v, u)) break;
      heap[k] = u;
      heapPos[u] = k;
      k = p;
    }
    heap[k] = v;
    heapPos[v] = k;
  };
  const siftDown = (k: number, size: number): void => {
    const v = heap[k];
    for (;;) {
      let c = 2 * k + 1;
      if (c >= size) break;
      if (c + 1 < size && less(heap[c + 1], heap[c])) c++;
      const u = heap[c];
      if (!less(u, v)) break;
      heap[k] = u;
      heapPos[u] = k;
      k = c;
    }
    heap[k] = v;
    heapPos[v] = k;
  };

  for (const src of sources) {
    stamp++;
    let size = 0;
    let nSettled = 0;
    dist[src] = 0;
    seen[src] = stamp;
    heap[size] = src;
    heapPos[src] = size++;
    let reached = false;
    search: while (size > 0) {
      const u = heap[0];
      size--;
      if (size > 0) {
        heap[0] = heap[size];
        heapPos[heap[0]] = 0;
        siftDown(0, size);
      }
      done[u] = stamp;
      if (u === t) {
        reached = true;
        break;
      }
      settled[nSettled++] = u;
      const du = dist[u];
      const pu = pot[u];
      for (let x = start[u]; x < start[u + 1]; x++) {
        const a = list[x];
        if (cap[a] <= 0) continue;
        const v = to[a];
        if (done[v] === stamp) continue;
        const nd = du + cost[a] + pu - pot[v];
        if (seen[v] !== stamp) {
          seen[v] = stamp;
          dist[v] = nd;
          prevArc[v] = a;
          heap[size] = v;
          heapPos[v] = size++;
          siftUp(size - 1);
        } else if (nd < dist[v]) {
          dist[v] = nd;
          prevArc[v] = a;
          siftUp(heapPos[v]);
        }
        // Nothing still queued is nearer than u, so t at u's distance is final.
        if (v === t && dist[t] === du) {
          reached = true;
          break search;
        }
      }
    }
    if (!reached) {
      failed++;
      continue;
    }
    // Shifting every potential by dist(t) changes no reduced cost; after that shift only the
    // nodes nearer than t move.
    const dt = dist[t];
    for (let x = 0; x < nSettled; x++) pot[settled[x]] += dist[settled[x]] - dt;
    for (let v = t; v !== src; v = to[prevArc[v] ^ 1]) net.push(prevArc[v], 1);
  }
  return failed;
}

/**
 * Cancels negative cycles until there are none, which is exactly when a flow is the cheapest
 * with its supplies. Label-correcting shortest paths from a virtual root with an arc of cost 0
 * to every node (Bellman–Ford, FIFO), with Tarjan's subtree disassembly: when a label falls,
 * the node's subtree in the shortest-path tree is taken out (its labels are stale and will fall
 * too, so it is not scanned until then), and finding the arc's own tail in that subtree means
 * the arc closes a negative cycle, which is cancelled on the spot. When no label can fall, the
 * labels are potentials under which every residual arc has a non-negative reduced cost: the
 * certificate of optimality.
 * `label` holds starting labels (≤ 0) that already satisfy every residual arc out of a node not
 * in `queue`; good starting labels keep the work to the part of the graph that changes.
 */
function cancelNegativeCycles(net: FlowNetwork, adj: Adjacency, label: Float64Array, queue: number[]): number {
  const V = net.nodes;
  const R = V;
  const { to, cap, cost } = net;
  const { start, list } = adj;
  const parentArc = new Int32Array(V).fill(-1);
  // The shortest-path tree as a preorder thread (circular, through R) with depths; at first
  // every node hangs from R.
  const next = new Int32Array(V + 1);
  const prev = new Int32Array(V + 1);
  const depth = new Int32Array(V + 1).fill(1);
  const inTree = new Uint8Array(V + 1).fill(1);
  depth[R] = 0;
  for (let v = 0; v <= V; v++) {
    next[v] = v + 1 > V ? 0 : v + 1;
    prev[v] = v === 0 ? R : v - 1;
  }
  const fifo = new Int32Array(V + 1);
  const inQueue = new Uint8Array(V);
  let qh = 0;
  let qt = 0;
  let queued = 0;
  const enqueue = (v: number): void => {
    if (inQueue[v]) return;
    inQueue[v] = 1;
    fifo[qt] = v;
    qt = qt === V ? 0 : qt + 1;
    queued++;
  };
  const unlink = (w: number): void => {
    next[prev[w]] = next[w];
    prev[next[w]] = prev[w];
  };
  const insertAfter = (w: number, after: number): void => {
    next[w] = next[after];
    prev[next[after]] = w;
    next[after] = w;
    prev[w] = after;
  };
  for (const v of queue) enqueue(v);
  const removed: number[] = [];
  const path: number[] = [];
  let cancelled = 0;

  while (queued > 0) {
    const u = fifo[qh];
    qh = qh === V ? 0 : qh + 1;
    queued--;
    inQueue[u] = 0;
    // Out of the tree: an ancestor's label fell since, so u's will too; scan it then.
    if (!inTree[u]) continue;
    const du = label[u];
    for (let k = start[u]; k < start[u + 1]; k++) {
      const a = list[k];
      if (cap[a] <= 0) continue;
      const v = to[a];
      const nd = du + cost[a];
      if (nd >= label[v]) continue;
      if (inTree[v]) {
        removed.length = 0;
        let hit = false;
        let w = next[v];
        while (w !== R && depth[w] > depth[v]) {
          if (w === u) hit = true;
          inTree[w] = 0;
          removed.push(w);
          w = next[w];
        }
        next[v] = w;
        prev[w] = v;
        if (hit) {
          // v's label does not fall after all: put its subtree back as it was.
          if (removed.length > 0) {
            next[v] = removed[0];
            prev[removed[0]] = v;
            next[removed[removed.length - 1]] = w;
            prev[w] = removed[removed.length - 1];
            for (const x of removed) inTree[x] = 1;
          }
          path.length = 0;
          let c = cost[a];
          let b = cap[a];
          for (let x = u; x !== v; x = to[parentArc[x] ^ 1]) {
            path.push(x);
            c += cost[parentArc[x]];
            if (cap[parentArc[x]] < b) b = cap[parentArc[x]];
          }
          if (c >= 0 || b <= 0) throw new Error('matching: a cycle in the shortest-path tree that is not negative');
          for (const x of path) net.push(parentArc[x], b);
          net.push(a, b);
          cancelled++;
          // A tree arc the cycle used up leaves its subtree hanging from nothing: hang that
          // subtree from the root, labels kept (they are still valid upper bounds).
          for (let j = path.length - 1; j >= 0; j--) {
            const x = path[j];
            if (cap[parentArc[x]] > 0) continue;
            parentArc[x] = -1;
            let y = next[x];
            while (y !== R && depth[y] > depth[x]) y = next[y];
            const last = prev[y];
            const delta = 1 - depth[x];
            for (let z = x; ; z = next[z]) {
              depth[z] += delta;
              if (z === last) break;
            }
            const before = prev[x];
            next[before] = y;
            prev[y] = before;
            next[last] = next[R];
            prev[next[R]] = last;
            next[R] = x;
            prev[x] = R;
          }
          // The cycle's nodes gained residual arcs (the reverses): scan them again.
          enqueue(v);
          for (const x of path) enqueue(x);
          break;
        }
        unlink(v);
      }
      label[v] = nd;
      parentArc[v] = a;
      depth[v] = depth[u] + 1;
      inTree[v] = 1;
      insertAfter(v, u);
      enqueue(v);
    }
  }
  return cancelled;
}

/**
 * Re-assigns one component's needs so that closeness is maximal while exactly as many needs of
 * each key are matched as in stage A. The network: key → need (1) → project (1, cost 3 −
 * closeness) → t (remaining capacity). First the needs stage A matched are routed, cheapest
 * path each, from stage A's same-county pairs; that flow is optimal for that set of needs and
 * comes with potentials. Then the other needs of the same keys join, through their key, and the
 * negative cycles this opens (one need giving its place to a same-key need that is closer) are
 * cancelled, starting from those potentials.
 */
function stageB(g: EligibilityGraph, comp: { needs: number[]; projects: number[] }, a: Assignment): void {
  const { adjStart, adjProject, adjCloseness } = g;
  const { needs } = g.c;
  // Nothing to gain when every pair in the component is equally close.
  let lo = MAX_CLOSENESS;
  let hi = 0;
  for (const i of comp.needs) {
    for (let e = adjStart[i]; e < adjStart[i + 1]; e++) {
      if (adjCloseness[e] < lo) lo = adjCloseness[e];
      if (adjCloseness[e] > hi) hi = adjCloseness[e];
    }
  }
  if (lo === hi) return;

  const matchedKeys = new Set<number>();
  for (const i of comp.needs) if (a.matchProject[i] >= 0) matchedKeys.add(needs[i].key);
  const keys = [...matchedKeys].sort((x, y) => y - x);
  const keyNode = new Map<number, number>();
  keys.forEach((k, idx) => keyNode.set(k, 1 + idx));
  // Needs of keys with nobody matched cannot be matched in any optimal assignment.
  const taking = comp.needs.filter((i) => matchedKeys.has(needs[i].key));
  const firstNeed = 1 + keys.length;
  const firstProject = firstNeed + taking.length;
  const projectNode = new Map<number, number>();
  comp.projects.forEach((j, idx) => projectNode.set(j, firstProject + idx));
  let pairs = 0;
  for (const i of taking) pairs += adjStart[i + 1] - adjStart[i];
  const net = new FlowNetwork(firstProject + comp.projects.length, 2 * (taking.length + pairs + comp.projects.length));
  const t = 0;
  const needArc = new Int32Array(taking.length);
  const pairArc = new Int32Array(pairs);
  let p = 0;
  taking.forEach((i, idx) => {
    needArc[idx] = net.add(keyNode.get(needs[i].key)!, firstNeed + idx, 1, 0);
    for (let e = adjStart[i]; e < adjStart[i + 1]; e++) pairArc[p++] = net.add(firstNeed + idx, projectNode.get(adjProject[e])!, 1, MAX_CLOSENESS - adjCloseness[e]);
  });
  const projectArc = new Map<number, number>();
  for (const j of comp.projects) projectArc.set(j, net.add(projectNode.get(j)!, t, Math.min(g.c.projects[j].capacity, taking.length), 0));
  const adj = net.adjacency();

  // Start from stage A's assignment, with labels (potentials) that prove it optimal wherever
  // a need already sits at one of its closest projects: 0 on projects and t, −cost on a matched
  // need (its pair arc and the reverse then cost 0, its other pair arcs what it would lose by
  // moving), on a key the least of its matched needs' labels, on an unmatched need its key's.
  // Only arcs out of the other needs can break the labels; those needs are scanned first.
  const label = new Float64Array(net.nodes);
  const keyLabel = new Map<number, number>();
  const queue: number[] = [];
  p = 0;
  taking.forEach((i, idx) => {
    const start = p;
    p += adjStart[i + 1] - adjStart[i];
    if (a.matchProject[i] < 0) return;
    const e = a.matchEdge[i];
    net.push(needArc[idx], 1);
    net.push(pairArc[start + (e - adjStart[i])], 1);
    net.push(projectArc.get(adjProject[e])!, 1);
    const own = -(MAX_CLOSENESS - adjCloseness[e]);
    label[firstNeed + idx] = own;
    const k = needs[i].key;
    keyLabel.set(k, Math.min(keyLabel.get(k) ?? 0, own));
    // Adjacency runs closest first: the first pair is as close as this need can get.
    if (adjCloseness[e] !== adjCloseness[adjStart[i]]) queue.push(firstNeed + idx);
  });
  for (const k of keys) label[keyNode.get(k)!] = keyLabel.get(k) ?? 0;
  taking.forEach((i, idx) => {
    if (a.matchProject[i] >= 0) return;
    label[firstNeed + idx] = label[keyNode.get(needs[i].key)!];
    queue.push(firstNeed + idx);
  });
  cancelNegativeCycles(net, adj, label, queue);

  p = 0;
  for (const i of taking) {
    a.matchProject[i] = -1;
    a.matchEdge[i] = -1;
    for (let e = adjStart[i]; e < adjStart[i + 1]; e++) {
      if (net.cap[pairArc[p++]] === 0) {
        a.matchProject[i] = adjProject[e];
        a.matchEdge[i] = e;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Results

function unmatchedReasons(g: EligibilityGraph, i: number, duplicate: boolean, stamps: Stamps): Reason[] {
  const n = g.c.needs[i];
  if (duplicate) return [{ code: 'duplicate_need' }];
  const eligibleCount = g.adjStart[i + 1] - g.adjStart[i];
  if (eligibleCount > 0) return [{ code: 'capacity_taken', params: { count: eligibleCount } }];
  const helps = helpsOf(g.c.helps, n);
  if (g.candidateCount[i] === 0) {
    const out: Reason[] = [{ code: 'no_project_in_region', params: { kind: n.kind } }];
    const dup = duplicateReason(n, helps, Math.max(g.c.today, n.from), n.until);
    if (dup) out.push(dup);
    return out;
  }
  // Name each rule that kept a project away once, with the first project (by id) that broke it.
  const out: Reason[] = [{ code: 'no_eligible_project', params: { count: g.candidateCount[i] } }];
  const named = new Set<ReasonCode>();
  for (const j of candidatesOf(n, g.projectIndex, stamps.seen, stamps.next())) {
    for (const r of pairReasons(n, g.c.projects[j], helps, g.c.today, true)) {
      if (!named.has(r.code)) {
        named.add(r.code);
        out.push(r);
      }
    }
  }
  return out;
}

function assemble(g: EligibilityGraph, a: Assignment, duplicateOf: Uint8Array): MatchResult {
  const stamps = new Stamps(g.projectCount);
  const proposals: Proposal[] = [];
  const unmatched: Unmatched[] = [];
  for (let i = 0; i < g.needCount; i++) {
    const n = g.c.needs[i];
    const j = a.matchProject[i];
    if (j >= 0) {
      const closeness = g.adjCloseness[a.matchEdge[i]];
      proposals.push({ needId: n.id, projectId: g.c.projects[j].id, score: scoreOf(n, closeness), parts: partsOf(n, closeness), reasons: proposalReasons(n, closeness) });
    } else {
      unmatched.push({ needId: n.id, reasons: unmatchedReasons(g, i, duplicateOf[i] === 1, stamps) });
    }
  }
  return { proposals, unmatched };
}

/** The optimal proposals for an eligibility graph (objective and method in the module doc). */
export function solveMatches(g: EligibilityGraph): MatchResult {
  const { stands, duplicateOf } = standingNeeds(g);
  // Stage A never crosses components, so running it over all of them at once is the same as one by one.
  const a = stageA(g, stands);
  for (const comp of components(g, stands).values()) stageB(g, comp, a);
  return assemble(g, a, duplicateOf);
}

/** Proposes matches maximizing, in order: needs matched, urgency, risk, waiting + fairness, closeness; deterministic for any input order. */
export function proposeMatches(input: MatchInput): MatchResult {
  return solveMatches(eligibilityGraph(input));
}

/**
 * A myopic baseline, for benchmarks and tests only: take eligible pairs best score first (ties
 * by need id, then project id) while the need is free and the project has room.
 */
export function greedyMatches(input: MatchInput): MatchResult {
  const g = eligibilityGraph(input);
  const { stands, duplicateOf } = standingNeeds(g);
  const { needs, projects } = g.c;
  const edgeNeed = new Int32Array(g.edgeCount);
  for (let i = 0; i < g.needCount; i++) for (let e = g.adjStart[i]; e < g.adjStart[i + 1]; e++) edgeNeed[e] = i;
  // One number per edge, (best score first, then edge index). Edges run by need id, and within
  // a need equal scores mean equal closeness, which run by project id: ties go by ids. Scores < 2^19 and edge indices < 2^32 fit a double exactly.
  const SPAN = 2 ** 32;
  const maxScore = 5 * SCORE_WEIGHTS.urgency;
  const sortKeys: number[] = [];
  for (let e = 0; e < g.edgeCount; e++) {
    if (stands[edgeNeed[e]]) sortKeys.push((maxScore - scoreOf(needs[edgeNeed[e]], g.adjCloseness[e])) * SPAN + e);
  }
  const order = Float64Array.from(sortKeys).sort();
  const left = projects.map((p) => p.capacity);
  const a: Assignment = { matchProject: new Int32Array(g.needCount).fill(-1), matchEdge: new Int32Array(g.needCount).fill(-1) };
  for (const k of order) {
    const e = k % SPAN;
    const i = edgeNeed[e];
    const j = g.adjProject[e];
    if (a.matchProject[i] >= 0 || left[j] === 0) continue;
    left[j]--;
    a.matchProject[i] = j;
    a.matchEdge[i] = e;
  }
  return assemble(g, a, duplicateOf);
}

// ---------------------------------------------------------------------------------------------
// Incremental re-solving

export interface MatchScope {
  /** Needs whose proposals or unmatched entries the re-solve replaces. */
  needIds: string[];
  /** Projects whose proposals the re-solve replaces. */
  projectIds: string[];
  /** The sub-problem to pass to `proposeMatches`; its result covers exactly `needIds`. */
  input: MatchInput;
}

interface Lookup {
  c: Compiled;
  needById: Map<string, number>;
  projectById: Map<string, number>;
  projectIndex: Index<number>;
  /** Needs by kind + each prefix they can be found under. */
  needIndex: Index<number>;
  /** Needs by child + kind. */
  siblings: Index<number>;
  stamps: Stamps;
}

function lookup(input: MatchInput): Lookup {
  const c = compile(input);
  const needIndex: Index<number> = new Map();
  const siblings: Index<number> = new Map();
  c.needs.forEach((n, i) => {
    for (const prefix of needPrefixes(n)) pushTo(needIndex, `${n.kind}:${prefix}`, i);
    pushTo(siblings, `${n.childKey}\u0000${n.kind}`, i);
  });
  return {
    c,
    needById: new Map(c.needs.map((n, i) => [n.id, i])),
    projectById: new Map(c.projects.map((p, j) => [p.id, j])),
    projectIndex: indexProjects(c.projects),
    needIndex,
    siblings,
    stamps: new Stamps(c.projects.length),
  };
}

/** Needs that a project could serve by kind and region (eligible or not). */
function candidateNeedsOf(L: Lookup, j: number): number[] {
  const p = L.c.projects[j];
  const out = new Set<number>();
  for (const kind of p.kindList) {
    for (const prefix of p.prefixes) {
      // A need is indexed under its province, city, county and township prefixes; a village
      // prefix is finer than any need's code and finds nothing, as `covers` says.
      for (const i of L.needIndex.get(`${kind}:${prefix}`) ?? []) out.add(i);
    }
  }
  return [...out];
}

function isEligible(L: Lookup, i: number, j: number): boolean {
  const n = L.c.needs[i];
  return pairReasons(n, L.c.projects[j], helpsOf(L.c.helps, n), L.c.today, false).length === 0;
}

/**
 * The part of the problem a change touches: the components (in the state after the change) of
 * the changed needs and projects and of everything they were eligible with before it. Re-solving
 * it and keeping every other proposal gives exactly the result of a full re-solve. Pass `before`
 * when the change can remove pairs (a need or project edited, closed or withdrawn); a change of
 * a child's active help or of a county's coverage is a change of the needs it concerns.
 */
export function incrementalScope(changed: { needIds?: string[]; projectIds?: string[] }, input: MatchInput, before?: MatchInput): MatchScope {
  const L = lookup(input);
  const needIn = new Uint8Array(L.c.needs.length);
  const projectIn = new Uint8Array(L.c.projects.length);
  const needQueue: number[] = [];
  const projectQueue: number[] = [];
  const addNeed = (id: string): void => {
    const i = L.needById.get(id);
    if (i !== undefined && !needIn[i]) {
      needIn[i] = 1;
      needQueue.push(i);
    }
  };
  const addProject = (id: string): void => {
    const j = L.projectById.get(id);
    if (j !== undefined && !projectIn[j]) {
      projectIn[j] = 1;
      projectQueue.push(j);
    }
  };
  // A need with no eligible project shows, as its reasons, what each candidate project lacks;
  // when a changed project is such a candidate, that need's reasons change with it.
  const addReasonDependents = (Lx: Lookup, j: number): void => {
    for (const i of candidateNeedsOf(Lx, j)) {
      const n = Lx.c.needs[i];
      if (!covers(Lx.c.projects[j], n)) continue;
      const cands = candidatesOf(n, Lx.projectIndex, Lx.stamps.seen, Lx.stamps.next());
      if (!cands.some((k) => isEligible(Lx, i, k))) addNeed(n.id);
    }
  };

  for (const id of changed.needIds ?? []) addNeed(id);
  for (const id of changed.projectIds ?? []) addProject(id);
  for (const id of changed.projectIds ?? []) {
    const j = L.projectById.get(id);
    if (j !== undefined) addReasonDependents(L, j);
  }
  if (before) {
    const B = lookup(before);
    for (const id of changed.needIds ?? []) {
      const i = B.needById.get(id);
      if (i === undefined) continue;
      const n = B.c.needs[i];
      for (const j of candidatesOf(n, B.projectIndex, B.stamps.seen, B.stamps.next())) if (isEligible(B, i, j)) addProject(B.c.projects[j].id);
      for (const k of B.siblings.get(`${n.childKey}\u0000${n.kind}`) ?? []) addNeed(B.c.needs[k].id);
    }
    for (const id of changed.projectIds ?? []) {
      const j = B.projectById.get(id);
      if (j === undefined) continue;
      for (const i of candidateNeedsOf(B, j)) {
        if (covers(B.c.projects[j], B.c.needs[i]) && isEligible(B, i, j)) addNeed(B.c.needs[i].id);
      }
      addReasonDependents(B, j);
    }
  }

  // Close over the links of the state after the change: eligible pairs and same-child siblings.
  const { seen } = L.stamps;
  while (needQueue.length > 0 || projectQueue.length > 0) {
    const i = needQueue.pop();
    if (i !== undefined) {
      const n = L.c.needs[i];
      for (const j of candidatesOf(n, L.projectIndex, seen, L.stamps.next())) if (!projectIn[j] && isEligible(L, i, j)) addProject(L.c.projects[j].id);
      for (const k of L.siblings.get(`${n.childKey}\u0000${n.kind}`) ?? []) addNeed(L.c.needs[k].id);
      continue;
    }
    const j = projectQueue.pop()!;
    for (const k of candidateNeedsOf(L, j)) if (!needIn[k] && covers(L.c.projects[j], L.c.needs[k]) && isEligible(L, k, j)) addNeed(L.c.needs[k].id);
  }

  const needIds: string[] = [];
  const scopeNeeds: OpenNeed[] = [];
  const childKeys = new Set<string>();
  const extraProjects = new Uint8Array(L.c.projects.length);
  const originalNeed = new Map(input.needs.map((n) => [n.id, n]));
  for (let i = 0; i < L.c.needs.length; i++) {
    if (!needIn[i]) continue;
    const n = L.c.needs[i];
    needIds.push(n.id);
    scopeNeeds.push(originalNeed.get(n.id)!);
    childKeys.add(n.childKey);
    // Candidates that are not eligible do not change the solve, but they are named in the reasons.
    for (const j of candidatesOf(n, L.projectIndex, seen, L.stamps.next())) extraProjects[j] = 1;
  }
  const projectIds: string[] = [];
  const originalProject = new Map(input.projects.map((p) => [p.id, p]));
  const scopeProjects: OpenProject[] = [];
  for (let j = 0; j < L.c.projects.length; j++) {
    const id = L.c.projects[j].id;
    if (projectIn[j]) projectIds.push(id);
    if (projectIn[j] || extraProjects[j]) scopeProjects.push(originalProject.get(id)!);
  }
  return {
    needIds,
    projectIds,
    input: {
      needs: scopeNeeds,
      projects: scopeProjects,
      activeHelp: input.activeHelp.filter((h) => childKeys.has(h.childKey)),
      coverage: input.coverage,
      today: input.today,
    },
  };
}
