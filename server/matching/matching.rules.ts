/**
 * The matching engine's pure core: which open needs may go to which open projects, how a pair
 * scores, and the optimal set of proposals. No I/O; plain values in, plain values out.
 *
 * THE OBJECTIVE (what "optimal" means here), compared lexicographically, first term first:
 *   1. the number of needs matched;
 *   2. the sum of their urgency levels (1..4);
 *   3. the sum of their risk levels (1..4);
 *   4. the sum of their waiting + fairness points (one point = one day waited, capped at 180; a
 *      remote township is worth 60 days; a county where nothing is helped yet up to 60 more);
 *   5. which needs: among needs equal in 2–4, the one published first, then the smaller id;
 *   6. the sum of closeness to the project's home (same county 3, same city 2, same province 1).
 * Matching as many needs as possible comes first because every unmatched need is a child left
 * without help; among assignments of that size, one more step of urgency anywhere outweighs any
 * amount of risk, waiting, fairness or closeness elsewhere, and so on down.
 * Terms 1–5 decide WHO is helped and look only at the needs; closeness decides only WHICH
 * project helps each of them. Were closeness allowed to choose between two equally ranked
 * children, help would drift toward the children living near the organizations' offices in the
 * county seat — the imbalance the seeds complain about.
 *
 * The pair score (`scorePair`) shows the same order for one pair: weights 100 000 (urgency),
 * 10 000 (risk), 4 (waiting, fairness), 1 (closeness), so no sum of a pair's lower terms
 * reaches one step of a higher one. The engine does NOT maximize the plain sum of pair scores:
 * over thousands of pairs, many small gains could add up to more than one urgency step, and
 * weights big enough to prevent that for 100 000 needs would overflow exact double arithmetic.
 *
 * HOW IT IS SOLVED, exactly:
 *   Stage A (terms 1–5). The sets of needs that can be matched together within the projects'
 *   capacities form a matroid (a transversal matroid). For a matroid, taking the elements
 *   greedily from best to worst — keep a need when an augmenting path makes room for it — gives
 *   a basis that is best for every weight consistent with that order (Gale optimality), and
 *   with ties broken by a strict order, the lexicographically best basis; so terms 1–5 at once.
 *   A search that fails marks everything it visited dead: that region is full and closed, no
 *   later augmenting path can pass through it, which keeps the stage near-linear.
 *   Stage B (term 6). With the matched needs fixed, closeness is a min-cost flow: need →
 *   project (capacity 1, cost 3 − closeness) → sink (remaining capacity). Starting from stage
 *   A's assignment, negative cycles in the residual graph are cancelled until there are none
 *   (Bellman–Ford with Tarjan's subtree disassembly), which is exactly optimality; the final
 *   labels are the certificate. Only the pairs that could matter are put in the network: a
 *   need's pair enters when it breaks the labels, and a need with only its own pair is a leaf
 *   no cycle passes through, left out with its label following its project's; labels only
 *   fall, so a need whose label never fell keeps every pair it left out satisfied (`stageBOn`).
 *
 * Two open needs of the same child (same childKey, across organizations) for the same kind with
 * overlapping periods are one need for matching: the better-ranked one that has an eligible
 * project stands; the other is reported as `duplicate_need`. Matching both would be the
 * duplicate help the seeds complain about, and allowing "one of the two" inside the solve would
 * break the matroid structure the exactness rests on.
 *
 * A pair someone turned down (`excludedPairs`) is not an eligible pair at all: it never enters
 * the graph, so its place goes to the next best need within the same solve, and optimality is
 * over the remaining pairs.
 *
 * Determinism: inputs are sorted by id before anything else, and each connected component of
 * the eligibility graph (needs, projects, and links between needs of the same child and kind)
 * is solved on its own. The result for a component depends only on that component's content,
 * so any input order gives the same output, and `incrementalScope` + re-solve gives exactly
 * what a full re-solve gives.
 *
 * WARM UPDATES (`rematch`). When projects cover a whole province every need is in one
 * component, and re-solving what a change touches is re-solving everything. So a change is
 * instead carried through the previous optimum (`Warm`, kept by `matchState`), one element at a
 * time, each step exact:
 *   Stage A, as matroid steps from the previous basis — a need joins: placed along an
 *   augmenting path, or else the worst need of its fundamental circuit (every need an
 *   alternating path from it reaches) leaves if it ranks below; a place opens (a need left, a
 *   project gained places): the best unmatched need that can reach it joins; a place closes: a
 *   need there moves along a path to a free place, or else the worst need such paths reach
 *   leaves. A changed need or project is the old one gone and the new one added; a child's
 *   needs are regrouped as `standingNeeds` groups them. For a matroid each step gives the greedy
 *   optimum of the changed matroid, which under a strict order is unique: the matched set is
 *   the full run's.
 *   Stage B, warm: the same `stageBOn`, from the previous flow and labels (set afresh for a
 *   need stage A moved, checked for a need that gained pairs), so the network is what the
 *   change reaches, and the labels it ends with prove the closeness total optimal again.
 * Closeness has many optima, so the warm one may place a need at another equally close
 * project than a full run would; what did not have to move stays, which also keeps proposals
 * people are answering from being swapped for equal ones. Everything else — who, the reasons,
 * the objective — is the full run's, and the tests hold it to that.
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
  /**
   * Pairs that may not be proposed again: the project's organization declined the need, or the
   * need's organization stepped back from the project. They are left out of the solve itself,
   * so their place goes to the next best need in the same run.
   */
  excludedPairs?: ExcludedPair[];
}

/** A need and a project someone turned down for each other. */
export interface ExcludedPair {
  needId: string;
  projectId: string;
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
  | 'declined_before'
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

/** The objective's summed terms for a set of proposals (terms 1–4 and 6 of the module doc). */
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

const isoDays = new Map<number, string>();

function isoDay(day: number): string {
  let text = isoDays.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    // A cache of formatted days; bounded, as it lives as long as the process.
    if (isoDays.size > 10_000) isoDays.clear();
    isoDays.set(day, text);
  }
  return text;
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
  publishedMs: number;
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

/** The county's share as the engine uses it: a need's points, its below-half flag and the rounded percent its reasons show. */
function shareOf(coverage: RegionCoverage, county: string): number {
  const share = Object.prototype.hasOwnProperty.call(coverage, county) ? coverage[county] : 0;
  return Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : 0;
}

/** What of a share reaches the result (points, rounded percent, below-half flag): two shares giving the same are the same to the engine. */
function seenShare(share: number): string {
  return `${coveragePoints(share)}:${Math.round(share * 100)}:${share < LOW_COVERAGE_SHARE}`;
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
  const share = shareOf(coverage, n.countyCode);
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
    publishedMs: n.publishedAt.getTime(),
    from: n.start ? dayOf(n.start, `start of ${n.id}`) : -Infinity,
    until: n.end ? dayOf(n.end, `end of ${n.id}`) : Infinity,
    waiting,
    fairness,
    coverage: share,
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

/**
 * Every rule a pair breaks, or an empty list when it is eligible. The hot path of the bulk
 * solve uses `fitsCandidate` instead; a test holds the two to the same verdict on every pair.
 */
function pairReasons(n: CNeed, p: CProject, helps: Array<{ start: number; end: number }> | undefined, today: number): Reason[] {
  const out: Reason[] = [];
  if (!p.kinds.has(n.kind)) out.push({ code: 'kind_not_offered', params: { kind: n.kind } });
  if (!covers(p, n)) out.push({ code: 'outside_region' });
  if (p.classMask !== 0 && !(p.classMask & (1 << n.cls))) out.push({ code: 'class_not_covered', params: { class: n.cls } });
  if (n.age < p.minAge || n.age > p.maxAge) out.push({ code: 'age_out_of_range', params: { age: n.age, min: p.minAge, max: p.maxAge } });
  // The help would run from the latest start to the earliest end, and never before today.
  const from = Math.max(today, n.from, p.start);
  const until = Math.min(n.until, p.end);
  const datesOk = p.end >= today && from <= until;
  if (p.end < today) out.push({ code: 'project_ended', params: { until: isoDay(p.end) } });
  else if (from > until) out.push({ code: 'dates_do_not_overlap', params: { from: isoDay(p.start), until: isoDay(p.end) } });
  if (p.capacity <= 0) out.push({ code: 'no_capacity' });
  // Without a common period, judge duplicates over the need's own period from today on.
  const dup = datesOk ? duplicateReason(n, helps, from, until) : duplicateReason(n, helps, Math.max(today, n.from), n.until);
  if (dup) out.push(dup);
  return out;
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

function proposalOf(n: CNeed, projectId: string, closeness: number): Proposal {
  return { needId: n.id, projectId, score: scoreOf(n, closeness), parts: partsOf(n, closeness), reasons: proposalReasons(n, closeness) };
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
  const reasons = pairReasons(n, compileProject(project), helps, t);
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

/**
 * Compares who is helped, terms 1–4 lexicographically: > 0 when a is better. Closeness is left
 * out on purpose: it ranks below term 5 (which of equally ranked needs), so two results can
 * only be compared on it when they match the same needs.
 */
export function compareObjectives(a: Objective, b: Objective): number {
  return a.matched - b.matched || a.urgency - b.urgency || a.risk - b.risk || a.waitingFairness - b.waitingFairness;
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
  /** Excluded pairs by `pairKey`. */
  excluded: Set<string>;
}

const pairKey = (needId: string, projectId: string): string => `${needId}\u0000${projectId}`;

function excludedSet(input: MatchInput): Set<string> {
  return new Set((input.excludedPairs ?? []).map((x) => pairKey(x.needId, x.projectId)));
}

/** `known` gives a need compiled before, when it is still what the input says. */
function compile(input: MatchInput, known?: (n: OpenNeed) => CNeed | undefined): Compiled {
  const today = dayOf(input.today, 'today');
  const needs = input.needs.map((n) => known?.(n) ?? compileNeed(n, input.coverage, today)).sort(byId);
  const projects = input.projects.map(compileProject).sort(byId);
  for (let i = 1; i < needs.length; i++) if (needs[i].id === needs[i - 1].id) throw new RangeError(`matching: need ${needs[i].id} given twice`);
  for (let j = 1; j < projects.length; j++) if (projects[j].id === projects[j - 1].id) throw new RangeError(`matching: project ${projects[j].id} given twice`);
  return { needs, projects, helps: indexHelp(input.activeHelp), today, excluded: excludedSet(input) };
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
  /** @internal projects offering the kind in the region, eligible or not, per need (read only for a need with no eligible project) */
  readonly candidateCount: Int32Array;
  /** @internal */
  readonly projectIndex: Index<number>;
}

/** All eligible pairs of the input: candidates are looked up by kind and region prefix, then checked rule by rule. */
export function eligibilityGraph(input: MatchInput): EligibilityGraph {
  return buildGraph(compile(input));
}

/**
 * The eligible pairs of compiled needs and projects. `known(i, add)` may give need i's eligible
 * pairs without looking them up: it calls `add(j, closeness)` for each and returns true, or
 * returns false (having added nothing) to have them looked up by kind and region.
 */
function buildGraph(c: Compiled, known?: (i: number, add: (j: number, closeness: number) => void) => boolean): EligibilityGraph {
  const { needs, projects, helps, today, excluded } = c;
  const projectIndex = indexProjects(projects);
  const adjStart = new Int32Array(needs.length + 1);
  const candidateCount = new Int32Array(needs.length);
  let adjProject = new Int32Array(Math.max(16, needs.length * 8));
  let adjCloseness = new Uint8Array(adjProject.length);
  const seen = new Int32Array(projects.length);
  const P = projects.length;
  let order = new Int32Array(64);
  let edges = 0;
  let fit = 0;
  const add = (j: number, closeness: number): void => {
    if (fit === order.length) {
      const grown = new Int32Array(fit * 2);
      grown.set(order);
      order = grown;
    }
    order[fit++] = (MAX_CLOSENESS - closeness) * P + j;
  };
  for (let i = 0; i < needs.length; i++) {
    const n = needs[i];
    // Candidates by kind and region, then the other rules; eligible ones closest first (then by
    // id), so that stage A starts from an assignment mostly near home and leaves stage B little.
    fit = 0;
    if (known?.(i, add)) candidateCount[i] = fit;
    else {
      fit = 0;
      const h = helpsOf(helps, n);
      let count = 0;
      for (const prefix of needPrefixes(n)) {
        const list = projectIndex.get(`${n.kind}:${prefix}`);
        if (!list) continue;
        for (const j of list) {
          if (seen[j] === i + 1) continue;
          seen[j] = i + 1;
          count++;
          if (!fitsCandidate(n, projects[j], h, today)) continue;
          if (excluded.size > 0 && excluded.has(pairKey(n.id, projects[j].id))) continue;
          add(j, closenessOf(n, projects[j]));
        }
      }
      candidateCount[i] = count;
    }
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

/**
 * Priority order of needs: better key first; among equal keys the one published first, then
 * by id (needs are indexed in id order). The order decides who is matched; it never looks at
 * projects.
 */
function byPriority(needs: CNeed[]): (a: number, b: number) => number {
  // The two numbers in flat arrays: the sort of a whole component reads them millions of times.
  const key = new Float64Array(needs.length);
  const published = new Float64Array(needs.length);
  for (let i = 0; i < needs.length; i++) {
    key[i] = needs[i].key;
    published[i] = needs[i].publishedMs;
  }
  return (a, b) => key[b] - key[a] || published[a] - published[b] || a - b;
}

/**
 * Which needs take part in the solve: those with an eligible project, minus the lower-ranked of
 * two needs of the same child and kind with overlapping periods.
 */
function standingNeeds(g: EligibilityGraph): { stands: Uint8Array; duplicateOf: Uint8Array } {
  const { needs } = g.c;
  const stands = new Uint8Array(needs.length);
  const duplicateOf = new Uint8Array(needs.length);
  // By child first, with no list for a child with one need (nearly all): only the few with more
  // are split by kind.
  const byChild = new Map<string, number | number[]>();
  for (let i = 0; i < needs.length; i++) {
    if (g.adjStart[i + 1] === g.adjStart[i]) continue;
    stands[i] = 1;
    const seen = byChild.get(needs[i].childKey);
    if (seen === undefined) byChild.set(needs[i].childKey, i);
    else if (typeof seen === 'number') byChild.set(needs[i].childKey, [seen, i]);
    else seen.push(i);
  }
  const groups: number[][] = [];
  for (const ids of byChild.values()) {
    if (typeof ids === 'number') continue;
    const byKind: Index<number> = new Map();
    for (const i of ids) pushTo(byKind, needs[i].kind, i);
    for (const group of byKind.values()) if (group.length > 1) groups.push(group);
  }
  const order = byPriority(needs);
  for (const group of groups) {
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

/**
 * Decides who is matched (terms 1–5): needs in priority order, each kept when a breadth-first
 * search for an augmenting path (need → project → a need placed there → another project …)
 * reaches a project with room. Needs and projects never cross components, so one pass over all
 * of them gives what one pass per component would.
 */
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
    // Most needs find a place directly; try that before searching.
    let direct = -1;
    for (let e = adjStart[x]; e < adjStart[x + 1]; e++) {
      const j = adjProject[e];
      if (!deadProject[j] && load[j] < cap[j]) {
        direct = e;
        break;
      }
    }
    if (direct >= 0) {
      link(x, adjProject[direct], direct);
      continue;
    }
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
function components(g: EligibilityGraph, stands: Uint8Array): Components {
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
// Stage B: closeness, as a min-cost flow over the needs stage A matched

/** Arcs of a flow network, each paired with its reverse (arc ^ 1), plus a CSR adjacency. */
class FlowNetwork {
  to: Int32Array;
  cap: Int32Array;
  cost: Int32Array;
  arcs = 0;
  constructor(
    public nodes: number,
    arcCapacity: number,
  ) {
    this.to = new Int32Array(arcCapacity);
    this.cap = new Int32Array(arcCapacity);
    this.cost = new Int32Array(arcCapacity);
  }
  add(u: number, v: number, cap: number, cost: number): number {
    const a = this.arcs;
    if (a + 2 > this.to.length) {
      // Stage B adds pairs round by round, as they break the labels.
      this.to = grown(this.to, a + 2);
      this.cap = grown(this.cap, a + 2);
      this.cost = grown(this.cost, a + 2);
    }
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
 * Cancels negative cycles until there are none, which is exactly when a flow is the cheapest
 * with its supplies. Label-correcting shortest paths (Bellman–Ford, FIFO; every node starts
 * hanging from a virtual root) with Tarjan's subtree disassembly: when a label falls,
 * the node's subtree in the shortest-path tree is taken out (its labels are stale and will fall
 * too, so it is not scanned until then), and finding the arc's own tail in that subtree means
 * the arc closes a negative cycle, which is cancelled on the spot. When no label can fall, the
 * labels are potentials under which every residual arc has a non-negative reduced cost: the
 * certificate of optimality.
 * `label` holds starting labels that already satisfy every residual arc out of a node not in
 * `queue`; good starting labels keep the work to the part of the graph that breaks them. The
 * labels are checked against every arc before returning, so the certificate never rests on the
 * bookkeeping alone. Returns the number of cycles cancelled.
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

  for (;;) {
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
    // The certificate is checked, not assumed: every residual arc must satisfy its label. (A
    // node still out of the tree here would be a bug in the bookkeeping above; checking costs
    // one pass and makes the optimality claim independent of it.)
    for (let v = 0; v < V; v++) {
      if (!inTree[v]) {
        parentArc[v] = -1;
        depth[v] = 1;
        inTree[v] = 1;
        insertAfter(v, R);
      }
      for (let k = start[v]; k < start[v + 1]; k++) {
        const a = list[k];
        if (cap[a] > 0 && label[v] + cost[a] < label[to[a]]) {
          enqueue(v);
          break;
        }
      }
    }
    if (queued === 0) return cancelled;
  }
}

// ---------------------------------------------------------------------------------------------
// Results

function unmatchedReasons(g: EligibilityGraph, i: number, duplicate: boolean, stamps: Stamps): Reason[] {
  if (duplicate) return [{ code: 'duplicate_need' }];
  const n = g.c.needs[i];
  const candidates = (): number[] => (g.candidateCount[i] === 0 ? [] : candidatesOf(n, g.projectIndex, stamps.seen, stamps.next()));
  return unplacedReasons(n, g.adjStart[i + 1] - g.adjStart[i], candidates, g.c);
}

/** Why a standing need has no proposal: its places are taken, or which rules keep each candidate project (in project order) away. */
function unplacedReasons(n: CNeed, eligibleCount: number, candidates: () => number[], c: Pick<Compiled, 'projects' | 'helps' | 'today' | 'excluded'>): Reason[] {
  if (eligibleCount > 0) return [{ code: 'capacity_taken', params: { count: eligibleCount } }];
  const helps = helpsOf(c.helps, n);
  const list = candidates();
  if (list.length === 0) {
    const out: Reason[] = [{ code: 'no_project_in_region', params: { kind: n.kind } }];
    const dup = duplicateReason(n, helps, Math.max(c.today, n.from), n.until);
    if (dup) out.push(dup);
    return out;
  }
  // Name each rule that kept a project away once, with the first project (by id) that broke it.
  const out: Reason[] = [{ code: 'no_eligible_project', params: { count: list.length } }];
  const named = new Set<ReasonCode>();
  for (const j of list) {
    const reasons = pairReasons(n, c.projects[j], helps, c.today);
    if (reasons.length === 0 && c.excluded.has(pairKey(n.id, c.projects[j].id))) reasons.push({ code: 'declined_before' });
    for (const r of reasons) {
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
      proposals.push(proposalOf(n, g.c.projects[j].id, closeness));
    } else {
      unmatched.push({ needId: n.id, reasons: unmatchedReasons(g, i, duplicateOf[i] === 1, stamps) });
    }
  }
  return { proposals, unmatched };
}

type Components = Map<number, { needs: number[]; projects: number[] }>;

function solveGraph(g: EligibilityGraph): { result: MatchResult; comps: Components; warm: Warm } {
  const { stands, duplicateOf } = standingNeeds(g);
  const a = stageA(g, stands);
  // Stage B runs per component, numbering only that component's nodes: its result then depends
  // on nothing outside it, which is what makes an incremental re-solve equal a full one.
  const comps = components(g, stands);
  const w = Warm.of(g, a, stands, duplicateOf);
  for (const comp of comps.values()) stageBOn(w, comp);
  a.matchProject.set(w.matchProject.subarray(0, g.needCount));
  a.matchEdge.set(w.matchEdge.subarray(0, g.needCount));
  return { result: assemble(g, a, duplicateOf), comps, warm: w };
}

/** The optimal proposals for an eligibility graph (objective and method in the module doc). */
export function solveMatches(g: EligibilityGraph): MatchResult {
  return solveGraph(g).result;
}

/** Proposes matches maximizing, in order: needs matched, urgency, risk, waiting + fairness, who among equals (published first), closeness; deterministic for any input order. */
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
  // a need equal scores mean equal closeness, which run by project id: ties go by ids.
  // Scores < 2^19 and edge indices < 2^32 fit a double exactly.
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
  /** Needs whose proposals or unmatched entries the re-solve replaces, in id order. */
  needIds: string[];
  /** Projects whose proposals the re-solve replaces, in id order. */
  projectIds: string[];
  /** The sub-problem to pass to `proposeMatches`; its result covers exactly `needIds`. */
  input: MatchInput;
}

/**
 * How the lookup of the input after a change is derived from the lookup of the input before
 * it, when `changesBetween` named every difference: unchanged needs are found where they were
 * (give or take the few insertions and removals), unchanged projects are not compiled again,
 * and the per-kind, per-region and per-child lists are those of before, minus what changed,
 * plus where it is now. Building them from scratch costs a pass over every need of a province
 * per change, far more than the rest of a local re-solve.
 */
interface Derivation {
  prior: Lookup;
  changedNeeds: ReadonlySet<string>;
  changedProjects: ReadonlySet<string>;
}

/**
 * Lookups by the input they index. Inputs are values the engine never changes; keeping the
 * lookup with its input lets the next change start from it.
 */
const lookups = new WeakMap<MatchInput, Lookup>();

/**
 * Lookups derived one from another at most this deep before one is built afresh: each keeps
 * its prior, and that one's input, alive (a freshly loaded province is tens of MB), so a
 * service keeps at most three inputs, and builds a lookup afresh every third change.
 */
const MAX_DERIVED = 2;
/** Above this many changed needs, positions are not worth deriving: one map of every need is built instead. */
const MAX_SHIFT = 16;

/**
 * An input indexed for walking the eligibility graph from a few places. Needs are compiled only
 * when reached: a change usually touches a small part of a province, and compiling and indexing
 * every need by every prefix would cost more than the walk.
 */
class Lookup {
  readonly today: number;
  readonly helps: HelpIndex;
  readonly projects: CProject[];
  readonly projectById: Map<string, number>;
  readonly projectIndex: Index<number>;
  /** Needs (input positions) by id. Built on first use unless derived. */
  private byId: Map<string, number> | undefined;
  /** Needs (input positions) by kind, then county; counties with needs by province and city prefix. Built on first use unless derived. */
  private byRegion: { needsByKind: Map<string, Map<string, number[]>>; countiesByPrefix: Map<string, string[]> } | undefined;
  /** Needs by child key. Built on first use unless derived. */
  private byChild: Map<string, number[]> | undefined;
  private readonly compiled: Array<CNeed | undefined>;
  readonly stamps: Stamps;
  private readonly excluded: Set<string>;
  /** How many derivations lie behind this lookup; 0 when built from its input alone. */
  readonly depth: number;
  private readonly derived:
    | {
        prior: Lookup;
        changed: ReadonlySet<string>;
        /** Positions of the changed needs that are in this input. */
        changedAt: number[];
        changedPos: Map<string, number>;
        /** Lists derived so far, by kind + county, by prefix, by child key. */
        regionLists: Map<string, number[]>;
        countyLists: Map<string, string[]>;
        childLists: Map<string, number[]>;
      }
    | undefined;

  constructor(
    readonly input: MatchInput,
    from?: Derivation,
  ) {
    this.today = dayOf(input.today, 'today');
    this.excluded = excludedSet(input);
    const prior = from?.prior;
    this.helps = prior && sameHelpList(prior.input.activeHelp, input.activeHelp) ? prior.helps : indexHelp(input.activeHelp);
    if (prior && from.changedProjects.size === 0 && prior.input.projects.length === input.projects.length) {
      this.projects = prior.projects;
      this.projectById = prior.projectById;
      this.projectIndex = prior.projectIndex;
      this.stamps = prior.stamps;
    } else {
      const compiledBefore = (p: OpenProject): CProject | undefined => {
        if (!prior || from.changedProjects.has(p.id)) return undefined;
        const j = prior.projectById.get(p.id);
        return j === undefined ? undefined : prior.projects[j];
      };
      this.projects = input.projects.map((p) => compiledBefore(p) ?? compileProject(p)).sort(byId);
      this.projectById = new Map(this.projects.map((p, j) => [p.id, j]));
      this.projectIndex = indexProjects(this.projects);
      this.stamps = new Stamps(this.projects.length);
    }
    this.compiled = new Array<CNeed | undefined>(input.needs.length);
    if (prior && prior.depth < MAX_DERIVED && from.changedNeeds.size <= MAX_SHIFT) {
      const changedAt: number[] = [];
      const changedPos = new Map<string, number>();
      const needs = input.needs;
      const changed = from.changedNeeds;
      if (changed.size > 0) {
        for (let i = 0; i < needs.length; i++) {
          const id = needs[i].id;
          if (!changed.has(id)) continue;
          if (changedPos.has(id)) throw new RangeError(`matching: need ${id} given twice`);
          changedPos.set(id, i);
          changedAt.push(i);
        }
      }
      this.derived = { prior, changed, changedAt, changedPos, regionLists: new Map(), countyLists: new Map(), childLists: new Map() };
      this.depth = prior.depth + 1;
    } else this.depth = 0;
  }

  /** A need's position in the input, or undefined when it is not in it. */
  pos(id: string): number | undefined {
    const d = this.derived;
    if (this.byId || !d) return this.needById.get(id);
    if (d.changed.has(id)) return d.changedPos.get(id);
    // Unchanged: in this input exactly when it was in the prior one, shifted by at most one
    // place per insertion or removal before it.
    const p = d.prior.pos(id);
    if (p === undefined) return undefined;
    const needs = this.input.needs;
    if (needs[p]?.id === id) return p;
    for (let s = 1; s <= d.changed.size; s++) {
      if (needs[p - s]?.id === id) return p - s;
      if (needs[p + s]?.id === id) return p + s;
    }
    return this.needById.get(id);
  }

  private get needById(): Map<string, number> {
    if (!this.byId) {
      const byId = new Map<string, number>();
      this.input.needs.forEach((n, i) => {
        if (byId.has(n.id)) throw new RangeError(`matching: need ${n.id} given twice`);
        byId.set(n.id, i);
      });
      this.byId = byId;
    }
    return this.byId;
  }

  /**
   * A list of need positions derived from the prior lookup's: its unchanged needs where they
   * now are, then the changed needs of this input that belong in it.
   */
  private derive(d: NonNullable<Lookup['derived']>, before: readonly number[], belongs: (n: OpenNeed) => boolean): number[] {
    const out: number[] = [];
    const priorNeeds = d.prior.input.needs;
    for (const p of before) {
      const id = priorNeeds[p].id;
      if (d.changed.has(id)) continue;
      const k = this.pos(id);
      if (k !== undefined) out.push(k);
    }
    for (const k of d.changedAt) if (belongs(this.input.needs[k])) out.push(k);
    return out;
  }

  /** Needs (positions) of a kind in a county. */
  private needsIn(kind: string, county: string): readonly number[] {
    const d = this.derived;
    if (!d || this.byRegion) return this.regionIndex().needsByKind.get(kind)?.get(county) ?? [];
    const key = `${kind}:${county}`;
    let list = d.regionLists.get(key);
    if (!list) d.regionLists.set(key, (list = this.derive(d, d.prior.needsIn(kind, county), (n) => n.kind === kind && n.countyCode === county)));
    return list;
  }

  /** Counties with needs (or that had them before a change) under a province or city prefix. */
  private countiesUnder(prefix: string): readonly string[] {
    const d = this.derived;
    if (!d || this.byRegion) return this.regionIndex().countiesByPrefix.get(prefix) ?? [];
    let list = d.countyLists.get(prefix);
    if (!list) {
      const counties = new Set(d.prior.countiesUnder(prefix));
      for (const k of d.changedAt) if (this.input.needs[k].countyCode.startsWith(prefix)) counties.add(this.input.needs[k].countyCode);
      d.countyLists.set(prefix, (list = [...counties]));
    }
    return list;
  }

  private regionIndex(): NonNullable<Lookup['byRegion']> {
    if (this.byRegion) return this.byRegion;
    const needsByKind = new Map<string, Map<string, number[]>>();
    const countiesByPrefix = new Map<string, string[]>();
    const counties = new Set<string>();
    this.input.needs.forEach((n, i) => {
      let byCounty = needsByKind.get(n.kind);
      if (!byCounty) needsByKind.set(n.kind, (byCounty = new Map()));
      pushTo(byCounty, n.countyCode, i);
      counties.add(n.countyCode);
    });
    for (const county of counties) for (const prefix of [county.slice(0, 2), county.slice(0, 4)]) pushTo(countiesByPrefix, prefix, county);
    return (this.byRegion = { needsByKind, countiesByPrefix });
  }

  /** Open needs of a child, of any kind (positions). */
  needsOfChildKey(childKey: string): readonly number[] {
    const d = this.derived;
    if (d && !this.byChild) {
      let list = d.childLists.get(childKey);
      if (!list) d.childLists.set(childKey, (list = this.derive(d, d.prior.needsOfChildKey(childKey), (n) => n.childKey === childKey)));
      return list;
    }
    if (!this.byChild) {
      this.byChild = new Map();
      this.input.needs.forEach((n, i) => pushTo(this.byChild!, n.childKey, i));
    }
    return this.byChild.get(childKey) ?? [];
  }

  /** Where to find the needs of a child when the caller knows better than indexing every need. */
  childGroups: ((childKey: string) => readonly string[] | undefined) | undefined;

  /** Open needs of a child for a kind (input positions). */
  needsOfChild(childKey: string, kind: string): number[] {
    if (this.childGroups) {
      const out: number[] = [];
      for (const id of this.childGroups(childKey) ?? []) {
        const k = this.pos(id);
        if (k !== undefined && this.input.needs[k].kind === kind) out.push(k);
      }
      return out;
    }
    return this.needsOfChildKey(childKey).filter((k) => this.input.needs[k].kind === kind);
  }

  need(i: number): CNeed {
    return (this.compiled[i] ??= compileNeed(this.input.needs[i], this.input.coverage, this.today));
  }

  /** Other open needs of the same child and kind. */
  siblings(i: number): number[] {
    const n = this.input.needs[i];
    return this.needsOfChild(n.childKey, n.kind).filter((k) => k !== i);
  }

  /** Projects offering the need's kind and covering its region, eligible or not. */
  candidateProjects(i: number): number[] {
    return candidatesOf(this.need(i), this.projectIndex, this.stamps.seen, this.stamps.next());
  }

  /** Needs a project could serve by kind and region, eligible or not. */
  candidateNeeds(j: number): number[] {
    const p = this.projects[j];
    const out = new Set<number>();
    for (const kind of p.kindList) {
      for (const prefix of p.prefixes) {
        // A village prefix is finer than any need's code and finds nothing, as `covers` says.
        const counties = prefix.length < 6 ? this.countiesUnder(prefix) : prefix.length <= 9 ? [prefix.slice(0, 6)] : [];
        for (const county of counties) for (const i of this.needsIn(kind, county)) if (covers(p, this.need(i))) out.add(i);
      }
    }
    return [...out];
  }

  /** Eligibility of a pair found through the kind-and-region indexes (so kind and region hold). */
  eligible(i: number, j: number): boolean {
    const n = this.need(i);
    return fitsCandidate(n, this.projects[j], helpsOf(this.helps, n), this.today) && !(this.excluded.size > 0 && this.excluded.has(pairKey(n.id, this.projects[j].id)));
  }

  /** Whether the need has no eligible project at all (then its reasons name each candidate). */
  stranded(i: number): boolean {
    return !this.candidateProjects(i).some((j) => this.eligible(i, j));
  }
}

/**
 * The part of the problem a change touches: the components (in the state after the change) of
 * the changed needs and projects and of everything they were eligible with before it. Re-solving
 * it and keeping every other proposal gives exactly the result of a full re-solve. Pass `before`
 * when the change can remove pairs (a need or project edited, closed or withdrawn); a change of
 * a child's active help or of a county's coverage is a change of the needs it concerns.
 */
export function incrementalScope(changed: { needIds?: string[]; projectIds?: string[] }, input: MatchInput, before?: MatchInput): MatchScope {
  return scopeOf(changed, input, before, undefined).scope;
}

type Members = { readonly needIds: readonly string[]; readonly projectIds: readonly string[] };

/**
 * The components of a solved input, named by their smallest need id: which standing need and
 * which project lie in which, and what each holds. Kept with a run (`MatchState`) so that the
 * next change finds its scope by taking whole components instead of walking their pairs.
 * Each re-solve adds a layer over the previous index holding only what it replaced, so handing
 * the components on costs the size of the scope, not of the province; every few layers they are
 * flattened again.
 */
export class ComponentIndex {
  private readonly needs = new Map<string, string | null>();
  private readonly projects = new Map<string, string | null>();
  private readonly comps = new Map<string, Members | null>();
  private constructor(
    private readonly parent: ComponentIndex | undefined,
    private readonly depth: number,
    /** Needs by child key, for the children with more than one open need (few): same-child links. */
    private readonly children: ReadonlyMap<string, readonly string[]>,
  ) {}

  /** @internal */
  static of(g: EligibilityGraph, comps: Components): ComponentIndex {
    const byChild = new Map<string, string | string[]>();
    for (const n of g.c.needs) {
      const seen = byChild.get(n.childKey);
      if (seen === undefined) byChild.set(n.childKey, n.id);
      else if (typeof seen === 'string') byChild.set(n.childKey, [seen, n.id]);
      else seen.push(n.id);
    }
    const children = new Map<string, string[]>();
    for (const [key, ids] of byChild) if (typeof ids !== 'string') children.set(key, ids);
    const out = new ComponentIndex(undefined, 0, children);
    out.add(g, comps);
    return out;
  }

  /** The groups after a change: `changed` holds each changed child's needs, empty when it has fewer than two. @internal */
  withChildren(changed: ReadonlyMap<string, readonly string[]>): ReadonlyMap<string, readonly string[]> {
    const out = new Map(this.children);
    for (const [key, ids] of changed) {
      if (ids.length > 1) out.set(key, ids);
      else out.delete(key);
    }
    return out;
  }

  /** Open needs of a child with more than one; undefined for a child with one. */
  childNeeds(childKey: string): readonly string[] | undefined {
    return this.children.get(childKey);
  }

  private add(g: EligibilityGraph, comps: Components): void {
    for (const comp of comps.values()) {
      // Needs are in id order, so the first is the smallest id: a name no other component of
      // the same input can have, whichever part of the input was solved.
      const needIds = comp.needs.map((i) => g.c.needs[i].id);
      const projectIds = comp.projects.map((j) => g.c.projects[j].id);
      const label = needIds[0];
      this.comps.set(label, { needIds, projectIds });
      for (const id of needIds) this.needs.set(id, label);
      for (const id of projectIds) this.projects.set(id, label);
    }
  }

  private static find<T>(x: ComponentIndex | undefined, pick: (x: ComponentIndex) => Map<string, T | null>, key: string): T | undefined {
    for (; x; x = x.parent) {
      const v = pick(x).get(key);
      if (v !== undefined) return v ?? undefined;
    }
    return undefined;
  }

  /** The component of a standing need, by label. */
  needLabel(id: string): string | undefined {
    return ComponentIndex.find(this, (x) => x.needs, id);
  }

  projectLabel(id: string): string | undefined {
    return ComponentIndex.find(this, (x) => x.projects, id);
  }

  members(label: string): Members | undefined {
    return ComponentIndex.find(this, (x) => x.comps, label);
  }

  /** Every component, label first, in label order (for comparing indexes). */
  entries(): Array<[string, Members]> {
    const out = new Map<string, Members | null>();
    const layers: ComponentIndex[] = [];
    for (let x: ComponentIndex | undefined = this; x; x = x.parent) layers.unshift(x);
    for (const x of layers) for (const [k, v] of x.comps) out.set(k, v);
    return [...out].filter((e): e is [string, Members] => e[1] !== null).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  /**
   * The components after a re-solve: those of the needs and projects the scope replaced are gone
   * (a component is either wholly in the scope or untouched), the scope's own come in.
   * @internal
   */
  replace(needIds: Iterable<string>, projectIds: Iterable<string>, g: EligibilityGraph, comps: Components, children: ReadonlyMap<string, readonly string[]>): ComponentIndex {
    const out = new ComponentIndex(this, this.depth + 1, children);
    const drop = (label: string | undefined): void => {
      if (label === undefined || out.comps.has(label)) return;
      const comp = this.members(label);
      out.comps.set(label, null);
      if (!comp) return;
      for (const n of comp.needIds) out.needs.set(n, null);
      for (const p of comp.projectIds) out.projects.set(p, null);
    };
    for (const id of needIds) drop(this.needLabel(id));
    for (const id of projectIds) drop(this.projectLabel(id));
    out.add(g, comps);
    return out.depth > 8 ? out.flattened() : out;
  }

  private flattened(): ComponentIndex {
    const out = new ComponentIndex(undefined, 0, this.children);
    for (const [label, comp] of this.entries()) {
      out.comps.set(label, comp);
      for (const n of comp.needIds) out.needs.set(n, label);
      for (const p of comp.projectIds) out.projects.set(p, label);
    }
    return out;
  }
}

/**
 * `incrementalScope`, optionally with the components of `before`: an unchanged need or project
 * is linked, before and after the change alike, only to its own component and to what changed
 * (a pair's eligibility depends on nothing but its need and project, and changes of help,
 * coverage or exclusions are changes of needs), so reaching one takes its whole component at
 * once. Only what changed, and needs outside any component, are walked pair by pair. Same-child
 * links are walked for every need taken: a sibling's standing can change with it.
 */
function scopeOf(
  changed: { needIds?: string[]; projectIds?: string[] },
  input: MatchInput,
  before: MatchInput | undefined,
  index: ComponentIndex | undefined,
  exact = false,
): { scope: MatchScope; children?: ReadonlyMap<string, readonly string[]>; checked: ReadonlySet<string> } {
  const changedNeeds = new Set(changed.needIds ?? []);
  const changedProjects = new Set(changed.projectIds ?? []);
  // The lookup of `before` is kept with that input: it is the lookup of the input after the
  // previous change, or the base of many changes from the same run.
  let B: Lookup | undefined;
  if (before) {
    B = lookups.get(before);
    if (!B) lookups.set(before, (B = new Lookup(before)));
  }
  const L = B && exact ? new Lookup(input, { prior: B, changedNeeds, changedProjects }) : new Lookup(input);
  if (exact) lookups.set(input, L);
  L.childGroups = undefined;
  let children: Map<string, readonly string[]> | undefined;
  if (index && B) {
    // Same-child links from the previous run's groups; the groups of the children whose needs
    // changed (before or after) come from the lookups.
    const keys = new Set<string>();
    for (const id of changedNeeds) {
      const b = B.pos(id);
      if (b !== undefined) keys.add(B.input.needs[b].childKey);
      const k = L.pos(id);
      if (k !== undefined) keys.add(input.needs[k].childKey);
    }
    const fresh = new Map<string, string[]>();
    for (const key of keys) fresh.set(key, L.needsOfChildKey(key).map((k) => input.needs[k].id));
    L.childGroups = (key) => (keys.has(key) ? fresh.get(key) : index.childNeeds(key));
    children = new Map();
    for (const key of keys) {
      const ids = fresh.get(key);
      children.set(key, ids && ids.length > 1 ? ids : []);
    }
  }
  const needIn = new Uint8Array(input.needs.length);
  const projectIn = new Uint8Array(L.projects.length);
  const needQueue: number[] = [];
  const projectQueue: number[] = [];
  const siblingQueue: number[] = [];
  /** Needs that may have no eligible project after the change: all but unchanged needs taken with a component. */
  const check = new Uint8Array(input.needs.length);
  const taken = new Set<string>();
  const take = (label: string): void => {
    if (taken.has(label)) return;
    taken.add(label);
    const comp = index!.members(label)!;
    for (const id of comp.needIds) {
      const i = L.pos(id);
      if (i === undefined || needIn[i]) continue;
      if (changedNeeds.has(id)) addNeed(id);
      else {
        needIn[i] = 1;
        siblingQueue.push(i);
      }
    }
    for (const id of comp.projectIds) {
      const j = L.projectById.get(id);
      if (j === undefined || projectIn[j]) continue;
      if (changedProjects.has(id)) addProject(id);
      else projectIn[j] = 1;
    }
  };
  const addNeed = (id: string): void => {
    const i = L.pos(id);
    if (i === undefined || needIn[i]) return;
    const label = index && !changedNeeds.has(id) ? index.needLabel(id) : undefined;
    if (label !== undefined) return take(label);
    needIn[i] = 1;
    check[i] = 1;
    needQueue.push(i);
  };
  const addProject = (id: string): void => {
    const j = L.projectById.get(id);
    if (j === undefined || projectIn[j]) return;
    const label = index && !changedProjects.has(id) ? index.projectLabel(id) : undefined;
    if (label !== undefined) return take(label);
    projectIn[j] = 1;
    projectQueue.push(j);
  };
  // A need with no eligible project shows, as its reasons, what each candidate project lacks;
  // when a changed project is such a candidate, that need's reasons change with it.
  const addStranded = (X: Lookup, j: number): void => {
    for (const i of X.candidateNeeds(j)) if (X.stranded(i)) addNeed(X.input.needs[i].id);
  };

  for (const id of changed.needIds ?? []) addNeed(id);
  for (const id of changed.projectIds ?? []) addProject(id);
  for (const id of changed.projectIds ?? []) {
    const j = L.projectById.get(id);
    if (j !== undefined) addStranded(L, j);
  }
  if (before && B) {
    const changedBefore: number[] = [];
    for (const id of changedNeeds) {
      const i = B.pos(id);
      if (i !== undefined) changedBefore.push(i);
    }
    for (const i of changedBefore) {
      for (const j of B.candidateProjects(i)) if (B.eligible(i, j)) addProject(B.projects[j].id);
      // Siblings by the state after the change: one that left the input is a change itself.
      for (const k of L.needsOfChild(before.needs[i].childKey, before.needs[i].kind)) addNeed(input.needs[k].id);
    }
    for (const id of changed.projectIds ?? []) {
      const j = B.projectById.get(id);
      if (j === undefined) continue;
      for (const i of B.candidateNeeds(j)) {
        if (!B.eligible(i, j)) continue;
        // It may have lost its only eligible project: its candidates are then named in its reasons.
        const k = L.pos(before.needs[i].id);
        if (k !== undefined) check[k] = 1;
        addNeed(before.needs[i].id);
      }
      addStranded(B, j);
    }
  }

  // Close over the links of the state after the change: eligible pairs and same-child siblings.
  while (needQueue.length > 0 || projectQueue.length > 0 || siblingQueue.length > 0) {
    const s = siblingQueue.pop();
    if (s !== undefined) {
      for (const k of L.siblings(s)) addNeed(input.needs[k].id);
      continue;
    }
    const i = needQueue.pop();
    if (i !== undefined) {
      for (const j of L.candidateProjects(i)) if (!projectIn[j] && L.eligible(i, j)) addProject(L.projects[j].id);
      for (const k of L.siblings(i)) addNeed(input.needs[k].id);
      continue;
    }
    const j = projectQueue.pop()!;
    for (const k of L.candidateNeeds(j)) if (!needIn[k] && L.eligible(k, j)) addNeed(input.needs[k].id);
  }

  const scopeNeeds: OpenNeed[] = [];
  const childKeys = new Set<string>();
  const extraProjects = new Uint8Array(L.projects.length);
  const checked = new Set<string>();
  input.needs.forEach((n, i) => {
    if (!needIn[i]) return;
    scopeNeeds.push(n);
    childKeys.add(n.childKey);
    // Candidates that are not eligible do not change the solve, but they are named in the
    // reasons of a need with no eligible project. An unchanged need taken with its component
    // keeps the eligible projects it had, unless a changed project was one of them.
    if (check[i]) {
      checked.add(n.id);
      for (const j of L.candidateProjects(i)) extraProjects[j] = 1;
    }
  });
  const projectIds: string[] = [];
  const originalProject = new Map(input.projects.map((p) => [p.id, p]));
  const scopeProjects: OpenProject[] = [];
  L.projects.forEach((p, j) => {
    if (projectIn[j]) projectIds.push(p.id);
    if (projectIn[j] || extraProjects[j]) scopeProjects.push(originalProject.get(p.id)!);
  });
  const scope: MatchScope = {
    needIds: scopeNeeds.map((n) => n.id).sort(),
    projectIds,
    input: {
      needs: scopeNeeds,
      projects: scopeProjects,
      activeHelp: input.activeHelp.filter((h) => childKeys.has(h.childKey)),
      coverage: input.coverage,
      today: input.today,
      excludedPairs: (input.excludedPairs ?? []).filter((x) => needIn[L.pos(x.needId) ?? -1] === 1),
    },
  };
  // Kept with its input: the closure would keep the previous components alive.
  L.childGroups = undefined;
  return { scope, children: children && index?.withChildren(children), checked };
}

// ---------------------------------------------------------------------------------------------
// Graphs kept from earlier solves

/**
 * The graphs solved for an input, as the next change's scope graph can reuse them: the scope
 * graphs of the changes that led to it, newest first, over the full graph of the last full run.
 * A need's compiled form and eligible pairs in the newest graph holding it still hold for the
 * input: a need left out of a scope was neither changed nor eligible with a changed project
 * (the scope holds both), and every need in a scope has all its eligible projects in it (whole
 * components, and every eligible project of a need walked). `stale` names the needs of scope
 * graphs dropped to bound the chain: the full graph is not to be trusted for them.
 */
interface SolvedGraphs {
  scopes: readonly EligibilityGraph[];
  base: EligibilityGraph | undefined;
  stale: ReadonlySet<string>;
}

const solvedGraphs = new WeakMap<MatchInput, SolvedGraphs>();
/** Scope graphs kept over the full one; older ones are dropped, their needs named stale. */
const MAX_SCOPE_GRAPHS = 6;

function withScopeGraph(before: SolvedGraphs | undefined, g: EligibilityGraph, needCount: number): SolvedGraphs {
  const scopes = [g, ...(before?.scopes ?? [])];
  let base = before?.base;
  let stale = before?.stale ?? new Set<string>();
  if (scopes.length > MAX_SCOPE_GRAPHS) {
    const dropped = scopes.pop()!;
    const grown = new Set(stale);
    for (const n of dropped.c.needs) grown.add(n.id);
    stale = grown;
    // When most of the full graph is stale it is not worth keeping.
    if (stale.size > needCount / 4) {
      base = undefined;
      stale = new Set();
    }
  }
  return { scopes, base, stale };
}

/** Position of a need in a graph (needs are in id order), or -1. */
function needIndexOf(g: EligibilityGraph, id: string): number {
  const needs = g.c.needs;
  let lo = 0;
  let hi = needs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = needs[mid].id;
    if (x === id) return mid;
    if (x < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * `eligibilityGraph(scope)`, taking what earlier graphs know: an unchanged need keeps its
 * compiled form and its eligible pairs with unchanged projects, and is checked against the
 * changed projects only. Changed needs, needs whose reasons may name every candidate (`checked`),
 * and needs left with no eligible pair are looked up as `eligibilityGraph` does.
 */
function scopeGraph(scope: MatchInput, kept: SolvedGraphs, changedNeeds: ReadonlySet<string>, changedProjects: ReadonlySet<string>, checked: ReadonlySet<string>): EligibilityGraph {
  const layers = kept.base ? [...kept.scopes, kept.base] : [...kept.scopes];
  const baseLayer = kept.base ? layers.length - 1 : -1;
  const from = new Map<CNeed, { layer: number; k: number }>();
  const c = compile(scope, (n) => {
    if (changedNeeds.has(n.id) || checked.has(n.id)) return undefined;
    for (let l = 0; l < layers.length; l++) {
      if (l === baseLayer && kept.stale.has(n.id)) return undefined;
      const k = needIndexOf(layers[l], n.id);
      if (k < 0) continue;
      const cn = layers[l].c.needs[k];
      from.set(cn, { layer: l, k });
      return cn;
    }
    return undefined;
  });
  const projectAt = new Map(c.projects.map((p, j) => [p.id, j]));
  const changedHere: number[] = [];
  c.projects.forEach((p, j) => {
    if (changedProjects.has(p.id)) changedHere.push(j);
  });
  // Project positions of each layer in the scope: -1 not in it, -2 changed (checked afresh).
  const maps: Array<Int32Array | undefined> = [];
  const mapOf = (l: number): Int32Array => {
    let m = maps[l];
    if (!m) {
      const ps = layers[l].c.projects;
      m = new Int32Array(ps.length);
      ps.forEach((p, jj) => (m![jj] = changedProjects.has(p.id) ? -2 : (projectAt.get(p.id) ?? -1)));
      maps[l] = m;
    }
    return m;
  };
  return buildGraph(c, (i, add) => {
    const n = c.needs[i];
    const at = from.get(n);
    if (!at) return false;
    const lg = layers[at.layer];
    const m = mapOf(at.layer);
    let count = 0;
    for (let e = lg.adjStart[at.k]; e < lg.adjStart[at.k + 1]; e++) {
      const j = m[lg.adjProject[e]];
      if (j === -2) continue;
      // An eligible project outside the scope: not what the scope promises; look it up instead.
      if (j === -1) return false;
      add(j, lg.adjCloseness[e]);
      count++;
    }
    if (changedHere.length > 0) {
      const h = helpsOf(c.helps, n);
      for (const j of changedHere) {
        const p = c.projects[j];
        if (!p.kinds.has(n.kind) || !covers(p, n) || !fitsCandidate(n, p, h, c.today)) continue;
        if (c.excluded.size > 0 && c.excluded.has(pairKey(n.id, p.id))) continue;
        add(j, closenessOf(n, p));
        count++;
      }
    }
    return count > 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Re-matching from the previous run

// ---------------------------------------------------------------------------------------------
// Warm updates: the previous optimum carried through one change at a time

/**
 * What a full run leaves for warm updates, never changed afterwards: its graph and, built when
 * `matchState` keeps the run or a warm update first asks (`proposeMatches` never does), the
 * graph's transpose (edges into each project) and where each need, project and child is.
 */
class WarmBase {
  private index?: {
    inStart: Int32Array;
    inEdge: Int32Array;
    inNeed: Int32Array;
    needPos: Map<string, number>;
    projectPos: Map<string, number>;
    childNeeds: Map<string, number | number[]>;
  };
  constructor(readonly g: EligibilityGraph) {}

  /** Edges into project j: inEdge[inStart[j] .. inStart[j+1]), with their needs alongside in inNeed. */
  get inStart(): Int32Array {
    return this.built().inStart;
  }
  get inEdge(): Int32Array {
    return this.built().inEdge;
  }
  get inNeed(): Int32Array {
    return this.built().inNeed;
  }
  get needPos(): ReadonlyMap<string, number> {
    return this.built().needPos;
  }
  get projectPos(): ReadonlyMap<string, number> {
    return this.built().projectPos;
  }
  /** Needs by child key: one index, or the list when the child has several. */
  get childNeeds(): ReadonlyMap<string, number | readonly number[]> {
    return this.built().childNeeds;
  }

  /** Builds the lookups now, so that the first warm update does not pay for them. */
  prepare(): void {
    this.built();
  }

  private built(): NonNullable<WarmBase['index']> {
    if (this.index) return this.index;
    const g = this.g;
    const N = g.needCount;
    const P = g.projectCount;
    const edgeNeed = new Int32Array(g.edgeCount);
    const inStart = new Int32Array(P + 1);
    for (let i = 0; i < N; i++) {
      for (let e = g.adjStart[i]; e < g.adjStart[i + 1]; e++) {
        edgeNeed[e] = i;
        inStart[g.adjProject[e] + 1]++;
      }
    }
    for (let j = 0; j < P; j++) inStart[j + 1] += inStart[j];
    const fill = inStart.slice(0, P);
    const inEdge = new Int32Array(g.edgeCount);
    for (let e = 0; e < g.edgeCount; e++) inEdge[fill[g.adjProject[e]]++] = e;
    const inNeed = new Int32Array(g.edgeCount);
    for (let k = 0; k < g.edgeCount; k++) inNeed[k] = edgeNeed[inEdge[k]];
    const needPos = new Map<string, number>();
    const childNeeds = new Map<string, number | number[]>();
    g.c.needs.forEach((n, i) => {
      needPos.set(n.id, i);
      const seen = childNeeds.get(n.childKey);
      if (seen === undefined) childNeeds.set(n.childKey, i);
      else if (typeof seen === 'number') childNeeds.set(n.childKey, [seen, i]);
      else seen.push(i);
    });
    const projectPos = new Map<string, number>();
    g.c.projects.forEach((p, j) => projectPos.set(p.id, j));
    return (this.index = { inStart, inEdge, inNeed, needPos, projectPos, childNeeds });
  }
}

/** A chain of warm updates carries at most this many added needs, projects and pairs before a full run is cheaper. */
const MAX_WARM_NEEDS = 5_000;
const MAX_WARM_PROJECTS = 500;
const MAX_WARM_EDGES = 400_000;
/** More changed needs than this in one step (a county's coverage, say) go to the scope path. */
const MAX_WARM_STEP = 300;

/** Stage A's priority order over needs by themselves: better key, then published first, then smaller id (`byPriority` is the same order by index, for the bulk sort). */
function comparePriority(x: CNeed, y: CNeed): number {
  return y.key - x.key || x.publishedMs - y.publishedMs || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(a: T, size: number, fill = 0): T {
  if (a.length >= size) return a;
  const out = new (a.constructor as new (n: number) => T)(Math.max(size, Math.ceil(a.length * 1.5)));
  out.set(a);
  if (fill !== 0) out.fill(fill, a.length);
  return out;
}

/**
 * The state a warm update changes: an assignment that is optimal for the current input — stage
 * A's matched set, placed as stage B's labels prove closest — and the graph as it is now: the
 * full run's, plus the pairs of needs and projects added since (`ext*`, ids from E0 on), with
 * projects gone kept as closed (no places). Needs and projects added since take new indices; a
 * changed one is the old one gone and a new one added. Each update works on a copy, so a state
 * can be the base of many updates.
 */
class Warm {
  readonly base: WarmBase;
  readonly N0: number;
  readonly E0: number;
  needs: CNeed[];
  alive: Uint8Array;
  stands: Uint8Array;
  duplicate: Uint8Array;
  matchProject: Int32Array;
  matchEdge: Int32Array;
  nextAt: Int32Array;
  prevAt: Int32Array;
  needLabel: Float64Array;
  projects: CProject[];
  removed: Uint8Array;
  cap: Int32Array;
  load: Int32Array;
  head: Int32Array;
  projectLabel: Float64Array;
  /** Pairs added since the full run: edge E0 + k joins extNeed[k] to extProject[k]. */
  extProject: number[];
  extCloseness: number[];
  extNeed: number[];
  /** Pairs added since, by need and by project (edge ids). */
  extraOf: Map<number, number[]>;
  extraInto: Map<number, number[]>;
  /** Positions that differ from the base (-1: gone). */
  needMoved: Map<string, number>;
  projectMoved: Map<string, number>;
  /** Needs added since, by child key. */
  childExtra: Map<string, number[]>;
  /** Needs that had no eligible project when last looked at (their reasons name each candidate's rules). */
  noEligible: number[];
  helps: HelpIndex;
  excluded: Set<string>;
  /** Needs with pairs added since stage B last ran: those may break its labels. */
  newPairs = new Set<number>();
  /** Projects whose places or load changed since stage B last ran: their arc to the sink may break its labels. */
  touchedProjects = new Set<number>();
  /** Stage B's label of the sink; labels are never shifted in a chain, so they only fall. */
  sinkLabel = 0;
  /** Needs whose reasons may have changed although their place did not. */
  marked = new Set<number>();
  private owned = new Set<number[]>();
  private stamp = 0;
  private seenNeed = new Int32Array(0);
  private seenProject = new Int32Array(0);
  private parentNeed = new Int32Array(0);
  private parentEdge = new Int32Array(0);
  private parentProject = new Int32Array(0);
  private onPath = new Int32Array(0);
  private bNeedNode = new Int32Array(0);
  private bProjectNode = new Int32Array(0);
  private fromNeed = new Int32Array(0);
  private fromEdge = new Int32Array(0);
  private fromProject = new Int32Array(0);

  private constructor(base: WarmBase, from: Warm | undefined) {
    this.base = base;
    this.N0 = base.g.needCount;
    this.E0 = base.g.edgeCount;
    if (from) {
      this.needs = from.needs.slice();
      this.alive = from.alive.slice();
      this.stands = from.stands.slice();
      this.duplicate = from.duplicate.slice();
      this.matchProject = from.matchProject.slice();
      this.matchEdge = from.matchEdge.slice();
      this.nextAt = from.nextAt.slice();
      this.prevAt = from.prevAt.slice();
      this.needLabel = from.needLabel.slice();
      this.projects = from.projects.slice();
      this.removed = from.removed.slice();
      this.cap = from.cap.slice();
      this.load = from.load.slice();
      this.head = from.head.slice();
      this.projectLabel = from.projectLabel.slice();
      this.extProject = from.extProject.slice();
      this.extCloseness = from.extCloseness.slice();
      this.extNeed = from.extNeed.slice();
      // Lists are shared until changed (`own`).
      this.extraOf = new Map(from.extraOf);
      this.extraInto = new Map(from.extraInto);
      this.needMoved = new Map(from.needMoved);
      this.projectMoved = new Map(from.projectMoved);
      this.childExtra = new Map(from.childExtra);
      this.noEligible = from.noEligible.slice();
      this.helps = from.helps;
      this.excluded = from.excluded;
      this.sinkLabel = from.sinkLabel;
      return;
    }
    const { g } = base;
    const N = g.needCount;
    const P = g.projectCount;
    this.needs = g.c.needs.slice();
    this.alive = new Uint8Array(N).fill(1);
    this.stands = new Uint8Array(N);
    this.duplicate = new Uint8Array(N);
    this.matchProject = new Int32Array(N).fill(-1);
    this.matchEdge = new Int32Array(N).fill(-1);
    this.nextAt = new Int32Array(N).fill(-1);
    this.prevAt = new Int32Array(N).fill(-1);
    this.needLabel = new Float64Array(N);
    this.projects = g.c.projects.slice();
    this.removed = new Uint8Array(P);
    this.cap = new Int32Array(P);
    g.c.projects.forEach((p, j) => (this.cap[j] = p.capacity));
    this.load = new Int32Array(P);
    this.head = new Int32Array(P).fill(-1);
    this.projectLabel = new Float64Array(P);
    this.extProject = [];
    this.extCloseness = [];
    this.extNeed = [];
    this.extraOf = new Map();
    this.extraInto = new Map();
    this.needMoved = new Map();
    this.projectMoved = new Map();
    this.childExtra = new Map();
    this.noEligible = [];
    this.helps = g.c.helps;
    this.excluded = g.c.excluded;
  }

  /** The state a full run leaves (its graph, stage A's assignment), before stage B has run. */
  static of(g: EligibilityGraph, a: Assignment, stands: Uint8Array, duplicateOf: Uint8Array): Warm {
    const w = new Warm(new WarmBase(g), undefined);
    w.stands.set(stands);
    w.duplicate.set(duplicateOf);
    for (let i = 0; i < g.needCount; i++) {
      if (a.matchProject[i] >= 0) w.link(i, a.matchProject[i], a.matchEdge[i]);
      else if (!duplicateOf[i] && g.adjStart[i + 1] === g.adjStart[i]) w.noEligible.push(i);
    }
    w.touchedProjects.clear();
    return w;
  }

  copy(): Warm {
    return new Warm(this.base, this);
  }

  get needCount(): number {
    return this.needs.length;
  }

  get projectCount(): number {
    return this.projects.length;
  }

  /** Room left in this chain before a full run is due. */
  roomFor(needs: number, projects: number): boolean {
    return this.needs.length - this.N0 + needs <= MAX_WARM_NEEDS && this.projects.length - this.base.g.projectCount + projects <= MAX_WARM_PROJECTS && this.extProject.length <= MAX_WARM_EDGES;
  }

  needAt(id: string): number | undefined {
    const moved = this.needMoved.get(id);
    if (moved !== undefined) return moved < 0 ? undefined : moved;
    return this.base.needPos.get(id);
  }

  projectAt(id: string): number | undefined {
    const moved = this.projectMoved.get(id);
    if (moved !== undefined) return moved < 0 ? undefined : moved;
    return this.base.projectPos.get(id);
  }

  /** The child's needs still open. */
  childMembers(key: string): number[] {
    const out: number[] = [];
    const inBase = this.base.childNeeds.get(key);
    if (typeof inBase === 'number') {
      if (this.alive[inBase]) out.push(inBase);
    } else if (inBase) for (const i of inBase) if (this.alive[i]) out.push(i);
    for (const i of this.childExtra.get(key) ?? []) if (this.alive[i]) out.push(i);
    return out;
  }

  project(e: number): number {
    return e < this.E0 ? this.base.g.adjProject[e] : this.extProject[e - this.E0];
  }

  closeness(e: number): number {
    return e < this.E0 ? this.base.g.adjCloseness[e] : this.extCloseness[e - this.E0];
  }

  /** Calls f for each pair of need i (open or closed projects). */
  eachEdge(i: number, f: (e: number) => void): void {
    if (i < this.N0) for (let e = this.base.g.adjStart[i], end = this.base.g.adjStart[i + 1]; e < end; e++) f(e);
    const extra = this.extraOf.get(i);
    if (extra) for (const e of extra) f(e);
  }

  /** Calls f for each pair into project j of a need still open. */
  eachEdgeInto(j: number, f: (e: number, i: number) => void): void {
    if (j < this.base.g.projectCount) {
      const { inStart, inEdge, inNeed } = this.base;
      for (let k = inStart[j]; k < inStart[j + 1]; k++) if (this.alive[inNeed[k]]) f(inEdge[k], inNeed[k]);
    }
    const extra = this.extraInto.get(j);
    if (extra) for (const e of extra) if (this.alive[this.extNeed[e - this.E0]]) f(e, this.extNeed[e - this.E0]);
  }

  /** A project takes needs while it has places (one gone from the input has none). */
  open(j: number): boolean {
    return this.cap[j] > 0;
  }

  liveEdges(i: number): number {
    let count = 0;
    this.eachEdge(i, (e) => {
      if (this.open(this.project(e))) count++;
    });
    return count;
  }

  /** Whether need a ranks above need b in stage A's order (`comparePriority`). */
  better(a: number, b: number): boolean {
    return comparePriority(this.needs[a], this.needs[b]) < 0;
  }

  link(i: number, j: number, e: number): void {
    this.prevAt[i] = -1;
    this.nextAt[i] = this.head[j];
    if (this.head[j] >= 0) this.prevAt[this.head[j]] = i;
    this.head[j] = i;
    this.load[j]++;
    this.touchedProjects.add(j);
    this.matchProject[i] = j;
    this.matchEdge[i] = e;
    // Its label no longer fits its pair: stage B sets it from the project's.
    this.needLabel[i] = NaN;
  }

  unlink(i: number): void {
    const j = this.matchProject[i];
    if (this.prevAt[i] >= 0) this.nextAt[this.prevAt[i]] = this.nextAt[i];
    else this.head[j] = this.nextAt[i];
    if (this.nextAt[i] >= 0) this.prevAt[this.nextAt[i]] = this.prevAt[i];
    this.load[j]--;
    this.touchedProjects.add(j);
    this.matchProject[i] = -1;
    this.matchEdge[i] = -1;
    this.prevAt[i] = -1;
    this.nextAt[i] = -1;
  }

  /** Node numbers of stage B's network by need and project, all 0 between runs. */
  stageBScratch(): { needNode: Int32Array; projectNode: Int32Array } {
    if (this.bNeedNode.length < this.needs.length) this.bNeedNode = new Int32Array(this.needs.length * 2);
    if (this.bProjectNode.length < this.projects.length) this.bProjectNode = new Int32Array(this.projects.length * 2);
    return { needNode: this.bNeedNode, projectNode: this.bProjectNode };
  }

  private scratch(): number {
    if (this.seenNeed.length < this.needs.length) this.seenNeed = new Int32Array(this.needs.length * 2);
    if (this.seenProject.length < this.projects.length) {
      const P = this.projects.length * 2;
      this.seenProject = new Int32Array(P);
      this.parentNeed = new Int32Array(P);
      this.parentEdge = new Int32Array(P);
      this.parentProject = new Int32Array(P);
      this.onPath = new Int32Array(P);
      this.fromNeed = new Int32Array(P);
      this.fromEdge = new Int32Array(P);
      this.fromProject = new Int32Array(P);
    }
    return ++this.stamp;
  }

  /**
   * Project j has `places` free places: each goes, in turn, to the best unmatched standing need
   * that can reach j along an alternating path (each need on it moving one project on) — for a
   * matroid, the best element that can join is what the greedy optimum gains. One search
   * finds every need that can reach j, in priority order, with a path for each; as places are
   * taken the paths are checked (and mended where a need on one has moved) before use, and
   * only a path that cannot be mended sends it back to search afresh. Needs that could join
   * later are among those found now (what can join only shrinks), so taking them in order is
   * what a search per place would do.
   */
  fill(j: number, places: number): void {
    while (places > 0) {
      const found = this.reach(j, places);
      if (found.length === 0) return;
      for (const [need, edge] of found) {
        const moves = this.route(j, need, edge);
        if (!moves) break;
        for (let k = 0; k < moves.length; k += 2) {
          if (this.matchProject[moves[k]] >= 0) this.unlink(moves[k]);
          this.link(moves[k], this.project(moves[k + 1]), moves[k + 1]);
        }
        if (--places === 0) return;
      }
    }
  }

  /**
   * Unmatched standing needs that can reach project j, best first, each with its pair into the
   * search tree (only the best when `all` is false); the tree's parent pointers lead to j.
   */
  private reach(j: number, places: number): Array<[number, number]> {
    const all = places > 1;
    const stamp = this.scratch();
    const { seenProject, seenNeed, parentNeed, parentEdge, parentProject, alive, matchProject, stands, extNeed, E0 } = this;
    const { inStart, inEdge, inNeed } = this.base;
    const P0 = this.base.g.projectCount;
    const queue = [j];
    seenProject[j] = stamp;
    const found: Array<[number, number]> = [];
    let best = -1;
    let bestEdge = -1;
    const visit = (e: number, w: number, q: number): void => {
      const at = matchProject[w];
      if (at < 0) {
        // Each need once: its first pair into the tree is as good a way in as any.
        if (seenNeed[w] === stamp) return;
        seenNeed[w] = stamp;
        if (all) found.push([w, e]);
        else if (best < 0 || this.better(w, best)) {
          best = w;
          bestEdge = e;
        }
      } else if (seenProject[at] !== stamp) {
        seenProject[at] = stamp;
        parentNeed[at] = w;
        parentEdge[at] = e;
        parentProject[at] = q;
        queue.push(at);
      }
    };
    for (let h = 0; h < queue.length; h++) {
      const q = queue[h];
      if (q < P0) {
        for (let k = inStart[q], end = inStart[q + 1]; k < end; k++) {
          const w = inNeed[k];
          const at = matchProject[w];
          // The common cases inline: a need placed in the tree already, or an unplaced one seen or not standing.
          if (at >= 0 ? seenProject[at] === stamp : !stands[w] || seenNeed[w] === stamp || !alive[w]) continue;
          visit(inEdge[k], w, q);
        }
      }
      const extra = this.extraInto.get(q);
      if (extra) for (const e of extra) if (alive[extNeed[e - E0]] && stands[extNeed[e - E0]]) visit(e, extNeed[e - E0], q);
    }
    if (!all) return best < 0 ? [] : [[best, bestEdge]];
    // The best few only: past them a new search is due anyway, as paths wear out.
    const { needs } = this;
    const order = (a: [number, number], b: [number, number]): number => comparePriority(needs[a[0]], needs[b[0]]);
    const keep = 4 * places + 16;
    if (found.length <= keep) return found.sort(order);
    const top: Array<[number, number]> = [];
    for (const c of found) {
      if (top.length === keep && order(c, top[keep - 1]) >= 0) continue;
      let at = top.length === keep ? keep - 1 : top.length;
      while (at > 0 && order(c, top[at - 1]) < 0) {
        if (at < keep) top[at] = top[at - 1];
        at--;
      }
      top[at] = c;
    }
    return top;
  }

  /**
   * The moves (need, pair it moves along; flat) that bring need z in through pair e and a place
   * free at j: the search tree's path while it holds; where a need on it has moved since, a
   * search forward from there to j, around the path so far. Null when there is none.
   */
  private route(j: number, z: number, e: number): number[] | null {
    const { parentNeed, parentEdge, parentProject } = this;
    const moves = [z, e];
    const stamp = ++this.stamp;
    let q = this.project(e);
    this.onPath[q] = stamp;
    while (q !== j) {
      const w = parentNeed[q];
      if (this.matchProject[w] !== q) return this.forward(q, j, stamp, moves);
      moves.push(w, parentEdge[q]);
      q = parentProject[q];
      this.onPath[q] = stamp;
    }
    return moves;
  }

  /** Breadth first from project q to j through full projects off the path marked `stamp`; the moves appended to `moves`, or null. */
  private forward(q: number, j: number, stamp: number, moves: number[]): number[] | null {
    const { onPath, fromNeed, fromEdge, fromProject } = this;
    const queue = [q];
    let found = false;
    for (let h = 0; h < queue.length && !found; h++) {
      const p = queue[h];
      for (let z = this.head[p]; z >= 0 && !found; z = this.nextAt[z]) {
        this.eachEdge(z, (e) => {
          const r = this.project(e);
          if (found || onPath[r] === stamp || !this.open(r)) return;
          onPath[r] = stamp;
          fromNeed[r] = z;
          fromEdge[r] = e;
          fromProject[r] = p;
          if (r === j) found = true;
          else queue.push(r);
        });
      }
    }
    if (!found) return null;
    for (let r = j; r !== q; r = fromProject[r]) moves.push(fromNeed[r], fromEdge[r]);
    return moves;
  }


  /**
   * Standing need x joins: placed when an augmenting path reaches a free place; otherwise the
   * worst need such a path could displace (x's fundamental circuit) leaves, if x ranks above it.
   */
  add(x: number): void {
    const stamp = this.scratch();
    const { seenNeed, seenProject, parentNeed, parentEdge } = this;
    const queue = [x];
    seenNeed[x] = stamp;
    let found = -1;
    for (let h = 0; h < queue.length && found < 0; h++) {
      const y = queue[h];
      this.eachEdge(y, (e) => {
        const j = this.project(e);
        if (found >= 0 || !this.open(j) || seenProject[j] === stamp) return;
        seenProject[j] = stamp;
        parentNeed[j] = y;
        parentEdge[j] = e;
        if (this.load[j] < this.cap[j]) {
          found = j;
          return;
        }
        for (let z = this.head[j]; z >= 0; z = this.nextAt[z]) {
          if (seenNeed[z] !== stamp) {
            seenNeed[z] = stamp;
            queue.push(z);
          }
        }
      });
    }
    if (found < 0) {
      let worst = -1;
      for (let k = 1; k < queue.length; k++) if (worst < 0 || this.better(worst, queue[k])) worst = queue[k];
      if (worst < 0 || this.better(worst, x)) return;
      found = this.matchProject[worst];
      this.unlink(worst);
    }
    this.shift(found, -1);
  }

  /** Need x stops standing (gone, or now a duplicate); the best need that can reach its place takes it. */
  withdraw(x: number): void {
    const j = this.matchProject[x];
    this.stands[x] = 0;
    if (j < 0) return;
    this.unlink(x);
    this.fill(j, 1);
  }

  /**
   * Project j holds more needs than places: each one too many moves along an alternating path
   * to a free place elsewhere, or, when none is reachable, the worst need any such path reaches
   * leaves (the cheapest change of the flow, as every need's weight is positive). One search
   * finds every free place reachable, with a path to each; paths are checked before use, and
   * only one that no longer holds (a need on it moved) sends it back to search afresh.
   */
  shrink(j: number): void {
    while (this.load[j] > this.cap[j]) {
      const stamp = this.scratch();
      const { seenProject, parentNeed, parentEdge, parentProject } = this;
      const queue = [j];
      const reached: number[] = [];
      const free: number[] = [];
      seenProject[j] = stamp;
      for (let h = 0; h < queue.length; h++) {
        const q = queue[h];
        for (let z = this.head[q]; z >= 0; z = this.nextAt[z]) {
          reached.push(z);
          this.eachEdge(z, (e) => {
            const p = this.project(e);
            if (!this.open(p) || seenProject[p] === stamp) return;
            seenProject[p] = stamp;
            parentNeed[p] = z;
            parentEdge[p] = e;
            parentProject[p] = q;
            queue.push(p);
            if (this.load[p] < this.cap[p]) free.push(p);
          });
        }
        // Enough free places found for every need too many: the rest of the search is not needed.
        if (free.length >= this.load[j] - this.cap[j]) break;
      }
      if (free.length === 0) {
        let worst = reached[0];
        for (const z of reached) if (this.better(worst, z)) worst = z;
        const at = this.matchProject[worst];
        this.unlink(worst);
        if (at !== j) this.shift(at, j);
        continue;
      }
      for (const f of free) {
        if (this.load[j] <= this.cap[j]) break;
        if (this.load[f] < this.cap[f] && this.pathHolds(f, j)) this.shift(f, j);
      }
    }
  }

  /** Whether the search tree's path back from project p to j still holds: each need on it is where it was. */
  private pathHolds(p: number, j: number): boolean {
    for (; p !== j; p = this.parentProject[p]) if (this.matchProject[this.parentNeed[p]] !== this.parentProject[p]) return false;
    return true;
  }

  /**
   * Moves the needs along the search tree's path into project p, which has a free place: each
   * need on it to the project after it, back to project `from` (or to the unplaced need the
   * path starts from, when `from` is -1).
   */
  private shift(p: number, from: number): void {
    while (p !== from) {
      const z = this.parentNeed[p];
      const at = this.matchProject[z];
      if (at >= 0) this.unlink(z);
      this.link(z, p, this.parentEdge[p]);
      p = at;
    }
  }

  /** Project j's places become `places`; a need left with no open project stops standing. */
  setCapacity(j: number, places: number): void {
    const before = this.cap[j];
    this.touchedProjects.add(j);
    if (places < before) {
      this.cap[j] = places;
      this.shrink(j);
      if (places === 0) {
        this.markCandidates(j);
        const lost = new Set<number>();
        this.eachEdgeInto(j, (_e, i) => {
          this.marked.add(i);
          if (this.liveEdges(i) === 0) lost.add(i);
        });
        for (const i of lost) this.restand(i);
      }
    } else if (places > before) {
      this.cap[j] = places;
      this.fill(j, places - before);
    }
  }

  /** Whether need i stands (an open project, and not the lesser of its child's overlapping needs), and the optimum after it changed. */
  restand(i: number): void {
    const key = this.needs[i].childKey;
    const members = this.childMembers(key);
    if (members.length > 1 || (members.length === 1 && members[0] !== i)) return this.regroup(members);
    if (!this.alive[i]) return;
    const stands = this.liveEdges(i) > 0 ? 1 : 0;
    if (stands === this.stands[i]) return;
    this.marked.add(i);
    if (stands) {
      this.stands[i] = 1;
      this.add(i);
    } else {
      this.withdraw(i);
      this.noEligible.push(i);
    }
  }

  /** A child's needs after one of them changed: which stand, as `standingNeeds` decides, losses first, then gains. */
  regroup(members: number[]): void {
    const stands = new Map<number, number>();
    const byKind: Index<number> = new Map();
    for (const i of members) {
      stands.set(i, 0);
      if (this.liveEdges(i) > 0) pushTo(byKind, this.needs[i].kind, i);
    }
    const duplicate = new Set<number>();
    for (const group of byKind.values()) {
      group.sort((a, b) => (this.better(a, b) ? -1 : 1));
      const kept: number[] = [];
      for (const i of group) {
        if (kept.some((k) => overlaps(this.needs[k], this.needs[i], this.base.g.c.today))) duplicate.add(i);
        else {
          kept.push(i);
          stands.set(i, 1);
        }
      }
    }
    for (const [i, s] of stands) {
      if (this.duplicate[i] !== (duplicate.has(i) ? 1 : 0)) this.marked.add(i);
      this.duplicate[i] = duplicate.has(i) ? 1 : 0;
      if (this.stands[i] && !s) {
        this.marked.add(i);
        this.withdraw(i);
      }
      // Its reasons name its candidates now: a project they name changing must reach it.
      if (!s && !duplicate.has(i)) this.noEligible.push(i);
    }
    for (const [i, s] of stands) {
      if (!this.stands[i] && s) {
        this.marked.add(i);
        this.stands[i] = 1;
        this.add(i);
      }
    }
  }

  private own(map: Map<number, number[]>, key: number): number[] {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    else if (!this.owned.has(list)) map.set(key, (list = list.slice()));
    this.owned.add(list);
    return list;
  }

  private addEdge(i: number, j: number, closeness: number): void {
    this.newPairs.add(i);
    const e = this.E0 + this.extProject.length;
    this.extProject.push(j);
    this.extCloseness.push(closeness);
    this.extNeed.push(i);
    this.own(this.extraOf, i).push(e);
    this.own(this.extraInto, j).push(e);
  }

  /** A need added (or added back changed): its eligible pairs, looked up by kind and region among the projects now. */
  appendNeed(n: CNeed): number {
    const i = this.needs.length;
    const size = i + 1;
    this.alive = grown(this.alive, size);
    this.stands = grown(this.stands, size);
    this.duplicate = grown(this.duplicate, size);
    this.matchProject = grown(this.matchProject, size, -1);
    this.matchEdge = grown(this.matchEdge, size, -1);
    this.nextAt = grown(this.nextAt, size, -1);
    this.prevAt = grown(this.prevAt, size, -1);
    this.needLabel = grown(this.needLabel, size);
    this.needs.push(n);
    this.alive[i] = 1;
    this.needMoved.set(n.id, i);
    const list = this.childExtra.get(n.childKey);
    this.childExtra.set(n.childKey, list ? [...list, i] : [i]);
    const fit: Array<{ j: number; closeness: number }> = [];
    for (const j of this.candidates(n)) if (this.open(j) && this.fits(n, this.projects[j])) fit.push({ j, closeness: closenessOf(n, this.projects[j]) });
    fit.sort((a, b) => b.closeness - a.closeness || a.j - b.j);
    for (const { j, closeness } of fit) this.addEdge(i, j, closeness);
    this.marked.add(i);
    if (fit.length === 0) this.noEligible.push(i);
    return i;
  }

  /** A project added (or added back changed): its eligible pairs with every open need. */
  appendProject(p: CProject): number {
    const j = this.projects.length;
    const size = j + 1;
    this.removed = grown(this.removed, size);
    this.cap = grown(this.cap, size);
    this.load = grown(this.load, size);
    this.head = grown(this.head, size, -1);
    this.projectLabel = grown(this.projectLabel, size);
    this.projects.push(p);
    this.projectMoved.set(p.id, j);
    // Places are opened by the caller (`setCapacity`), once the pairs are there.
    for (let i = 0; i < this.needs.length; i++) {
      const n = this.needs[i];
      if (!this.alive[i] || !p.kinds.has(n.kind) || !covers(p, n)) continue;
      this.marked.add(i);
      if (this.fits(n, p)) this.addEdge(i, j, closenessOf(n, p));
    }
    return j;
  }

  /**
   * A project just added gets its places: first the needs standing already take them as places
   * opening do (`fill`), then each need it gave a first eligible project to joins (`restand`) —
   * each an exact step of the matroid, so the two in turn are too.
   */
  openProject(j: number, places: number): void {
    this.setCapacity(j, places);
    const gained: number[] = [];
    this.eachEdgeInto(j, (_e, i) => {
      if (!this.stands[i] && !this.duplicate[i]) gained.push(i);
    });
    for (const i of gained) this.restand(i);
  }

  /** The project leaves: no places, not a candidate; needs it was the last project of stop standing. */
  dropProject(j: number): void {
    this.setCapacity(j, 0);
    this.removed[j] = 1;
    this.projectMoved.set(this.projects[j].id, -1);
    this.markCandidates(j);
  }

  /** Needs without an eligible project whose reasons name what project j is (it closed, left or came). */
  markCandidates(j: number): void {
    const p = this.projects[j];
    for (const i of this.noEligible) if (this.alive[i] && p.kinds.has(this.needs[i].kind) && covers(p, this.needs[i])) this.marked.add(i);
  }

  /** Need x leaves the input. */
  dropNeed(x: number): void {
    this.alive[x] = 0;
    this.withdraw(x);
    this.needMoved.set(this.needs[x].id, -1);
    this.restand(x);
  }

  /** Whether the pair is eligible, places aside: the rules, and not turned down. */
  private fits(n: CNeed, p: CProject): boolean {
    return fitsCandidate(n, p, helpsOf(this.helps, n), this.base.g.c.today) && !(this.excluded.size > 0 && this.excluded.has(pairKey(n.id, p.id)));
  }

  /** Projects offering the need's kind in its region (eligible or not), still in the input, in id order. */
  candidates(n: CNeed): number[] {
    const stamp = this.scratch();
    const out = candidatesOf(n, this.base.g.projectIndex, this.seenProject, stamp).filter((j) => !this.removed[j]);
    const P0 = this.base.g.projectCount;
    if (this.projects.length === P0) return out;
    for (let j = P0; j < this.projects.length; j++) if (!this.removed[j] && this.projects[j].kinds.has(n.kind) && covers(this.projects[j], n)) out.push(j);
    return out.sort((a, b) => (this.projects[a].id < this.projects[b].id ? -1 : 1));
  }

  reasons(i: number): Reason[] {
    if (this.duplicate[i]) return [{ code: 'duplicate_need' }];
    const c = this.base.g.c;
    return unplacedReasons(this.needs[i], this.liveEdges(i), () => this.candidates(this.needs[i]), { projects: this.projects, helps: this.helps, today: c.today, excluded: this.excluded });
  }
}

/**
 * Stage B (closeness) from a placement of the matched needs: for a full run, one component
 * (`part`) from stage A's placement with every label 0 on its projects; for a warm update, the
 * whole graph from the previous optimum and its labels (set afresh, from its project's, for a
 * need stage A moved). Negative cycles are cancelled until none is left; a pair enters the
 * network when it breaks the labels. Labels only ever fall, so only a need whose label fell
 * can break one of its pairs left out, and a need with only its own pair in the network is a
 * leaf no cycle passes through: it stays out, its label following its project's. The network is
 * then what needs it, not the province. Among equally close placements, whatever did not have
 * to move stays where it was.
 */
function stageBOn(w: Warm, part?: { needs: readonly number[]; projects: readonly number[] }): void {
  const cost = (e: number): number => MAX_CLOSENESS - w.closeness(e);
  // One network for all rounds: nodes and pairs join it as they are reached, and stay. Node
  // numbers (t is 0) live in the warm state's scratch arrays, cleared on the way out.
  const net = new FlowNetwork(1, 1024);
  const t = 0;
  let label = new Float64Array(1024);
  label[t] = part ? 0 : w.sinkLabel;
  const { needNode, projectNode } = w.stageBScratch();
  const active: number[] = [];
  const projects: number[] = [];
  /** Pairs in the network, as [arc, edge] per need. */
  const arcsOf = new Map<number, number[]>();
  const newNode = (l: number): number => {
    const v = net.nodes++;
    label = grown(label, v + 1);
    label[v] = l;
    return v;
  };
  const takeProject = (j: number): number => {
    if (projectNode[j] > 0) return projectNode[j];
    projectNode[j] = newNode(w.projectLabel[j]);
    projects.push(j);
    // Every need placed there arrives through its arc to t, leaves from outside the network too.
    if (w.open(j)) net.push(net.add(projectNode[j], t, w.cap[j], 0), w.load[j]);
    return projectNode[j];
  };
  const takePair = (i: number, e: number): void => {
    const arc = net.add(needNode[i], takeProject(w.project(e)), 1, cost(e));
    if (w.matchEdge[i] === e) net.push(arc, 1);
    arcsOf.get(i)!.push(arc, e);
  };
  const takeNeed = (i: number): void => {
    needNode[i] = newNode(w.needLabel[i]);
    active.push(i);
    arcsOf.set(i, []);
    takePair(i, w.matchEdge[i]);
  };
  // A full run starts every placed need of the component from its project's label (0); a warm
  // update the needs stage A moved or that gained pairs. Projects whose places or load changed
  // are in from the start: their arc to t.
  let suspects: number[] = [];
  if (part) {
    for (const i of part.needs) {
      if (w.matchProject[i] < 0) continue;
      w.needLabel[i] = w.projectLabel[w.matchProject[i]] - cost(w.matchEdge[i]);
      suspects.push(i);
    }
    if (suspects.length === 0) return;
    for (const j of part.projects) takeProject(j);
  } else {
    for (const j of w.touchedProjects) takeProject(j);
    for (let i = 0; i < w.needCount; i++) {
      if (!w.alive[i] || w.matchProject[i] < 0) continue;
      if (Number.isNaN(w.needLabel[i])) w.needLabel[i] = w.projectLabel[w.matchProject[i]] - cost(w.matchEdge[i]);
      else if (!w.newPairs.has(i)) continue;
      suspects.push(i);
    }
  }
  let everyProject = false;
  let sinkFell = false;
  for (let round = 0; ; round++) {
    const queue: number[] = [];
    for (const i of suspects) {
      const li = needNode[i] > 0 ? label[needNode[i]] : w.needLabel[i];
      let broken = false;
      w.eachEdge(i, (e) => {
        const j = w.project(e);
        if (!w.open(j) || cost(e) + li - (projectNode[j] > 0 ? label[projectNode[j]] : w.projectLabel[j]) >= 0) return;
        if (needNode[i] === 0) takeNeed(i);
        const arcs = arcsOf.get(i)!;
        for (let k = 1; k < arcs.length; k += 2) if (arcs[k] === e) return;
        takePair(i, e);
        broken = true;
      });
      if (broken) queue.push(needNode[i]);
    }
    // The first round runs regardless: a project that gained or lost places may break its
    // labels; so does the round after t's label fell.
    if (queue.length === 0 && round > 0 && !sinkFell) break;
    sinkFell = false;
    const before = label.slice(0, net.nodes);
    if (cancelNegativeCycles(net, net.adjacency(), label, queue) > 0) {
      for (const i of active) {
        const arcs = arcsOf.get(i)!;
        for (let k = 0; k < arcs.length; k += 2) {
          if (net.cap[arcs[k]] !== 0 || w.matchEdge[i] === arcs[k + 1]) continue;
          w.unlink(i);
          w.link(i, w.project(arcs[k + 1]), arcs[k + 1]);
        }
      }
    }
    // Whose label fell: active needs, and leaves at a project whose label fell. When t's fell,
    // every project with needs hangs on it: all of them join the network.
    suspects = [];
    if (label[t] < before[t] && !everyProject) {
      everyProject = true;
      sinkFell = true;
      if (part) for (const j of part.projects) takeProject(j);
      else for (let j = 0; j < w.projectCount; j++) takeProject(j);
    }
    for (const i of active) if (label[needNode[i]] < before[needNode[i]]) suspects.push(i);
    for (const j of projects) {
      const l = label[projectNode[j]];
      if (l >= before[projectNode[j]]) continue;
      for (let i = w.head[j]; i >= 0; i = w.nextAt[i]) {
        if (needNode[i] > 0) continue;
        const li = l - cost(w.matchEdge[i]);
        if (li < w.needLabel[i]) {
          w.needLabel[i] = li;
          suspects.push(i);
        }
      }
    }
    if (suspects.length === 0 && !sinkFell) break;
  }
  for (const i of active) w.needLabel[i] = label[needNode[i]];
  for (const j of projects) w.projectLabel[j] = label[projectNode[j]];
  if (part) {
    // Each component's labels shifted so that its t's is 0: the components then share one sink.
    const shift = label[t];
    for (const i of part.needs) if (w.matchProject[i] >= 0) w.needLabel[i] -= shift;
    for (const j of part.projects) w.projectLabel[j] -= shift;
  } else {
    w.sinkLabel = label[t];
    w.newPairs.clear();
  }
  for (const i of active) needNode[i] = 0;
  for (const j of projects) projectNode[j] = 0;
  w.touchedProjects.clear();
}

/** A previous run: the input it solved and what it proposed, and, when known, its components. */
export interface MatchState {
  input: MatchInput;
  result: MatchResult;
  /** From `matchState` or a `Rematch`'s `state`; without it the next scope is found by walking pairs. */
  components?: ComponentIndex;
  /** @internal the optimum as a warm update carries it on (`Warm`), from `matchState` or a warm `rematch` */
  warm?: Warm;
}

export interface Rematch {
  /**
   * The whole result. Against `proposeMatches(next)`: the same needs matched, the same
   * unmatched entries, the same objective to the last term, every proposal an eligible pair
   * within the places; only which of equally close projects a need goes to may differ, as a
   * warm update leaves where it was whatever need did not have to move. (A scope re-solve or a
   * full run gives `proposeMatches(next)` exactly.)
   */
  result: MatchResult;
  /** What changed from the previous result: 'full' when everything was solved again. */
  scope: 'full' | { needIds: string[]; projectIds: string[] };
  /** The run to pass as `previous` next time. */
  state: MatchState;
}

/** A full run kept as the base of the next `rematch`: `proposeMatches(input)` with its components. */
export function matchState(input: MatchInput): MatchState {
  const g = eligibilityGraph(input);
  const { result, comps, warm } = solveGraph(g);
  warm.base.prepare();
  solvedGraphs.set(input, { scopes: [], base: g, stale: new Set() });
  return { input, result, components: ComponentIndex.of(g, comps), warm };
}

/** Above this share of the needs, a scope is solved as a full run: walking it costs more than it saves. */
export const FULL_RUN_SHARE = 0.5;

const sameDay = (a: Date | undefined, b: Date | undefined): boolean => (a === undefined || b === undefined ? a === b : a.getTime() === b.getTime());

/** Whether two lists of active help are the same, entry by entry (then their index is too). */
function sameHelpList(a: readonly ActiveHelp[], b: readonly ActiveHelp[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x !== y && !(x.childKey === y.childKey && x.kind === y.kind && sameDay(x.start, y.start) && sameDay(x.end ?? undefined, y.end ?? undefined))) return false;
  }
  return true;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Field by field over what the engine reads of a need: a generic deep comparison costs most of a 100 000-need diff. */
function sameNeed(a: OpenNeed, b: OpenNeed): boolean {
  return (
    a === b ||
    (a.id === b.id &&
      a.childKey === b.childKey &&
      a.kind === b.kind &&
      a.urgency === b.urgency &&
      a.riskLevel === b.riskLevel &&
      a.childClass === b.childClass &&
      a.ageYears === b.ageYears &&
      a.countyCode === b.countyCode &&
      (a.townshipCode || undefined) === (b.townshipCode || undefined) &&
      !!a.remote === !!b.remote &&
      sameDay(a.publishedAt, b.publishedAt) &&
      sameDay(a.start, b.start) &&
      sameDay(a.end, b.end))
  );
}

function sameProject(a: OpenProject, b: OpenProject): boolean {
  return (
    a === b ||
    (a.id === b.id &&
      a.organizationId === b.organizationId &&
      sameList(a.kinds, b.kinds) &&
      sameList(a.regionCodes, b.regionCodes) &&
      sameList(a.classes, b.classes) &&
      a.minAge === b.minAge &&
      a.maxAge === b.maxAge &&
      sameDay(a.start, b.start) &&
      sameDay(a.end, b.end) &&
      a.remainingCapacity === b.remainingCapacity &&
      a.homeCountyCode === b.homeCountyCode)
  );
}

/**
 * Ids of the entries that differ, were added or were removed. Inputs loaded the same way come in
 * the same order, so the two lists are walked side by side, stepping over a single insertion or
 * removal; only when they fall out of step does the rest go through a map.
 */
function diffById<T extends { id: string }>(xs: readonly T[], ys: readonly T[], same: (a: T, b: T) => boolean, out: Set<string>): void {
  let i = 0;
  let k = 0;
  while (i < xs.length && k < ys.length) {
    const x = xs[i];
    const y = ys[k];
    if (x.id === y.id) {
      if (!same(x, y)) out.add(y.id);
      i++;
      k++;
    } else if (i + 1 < xs.length && xs[i + 1].id === y.id) {
      out.add(x.id);
      i++;
    } else if (k + 1 < ys.length && ys[k + 1].id === x.id) {
      out.add(y.id);
      k++;
    } else break;
  }
  if (i === xs.length && k === ys.length) return;
  const old = new Map<string, T>();
  for (let r = i; r < xs.length; r++) old.set(xs[r].id, xs[r]);
  for (let r = k; r < ys.length; r++) {
    const y = ys[r];
    const x = old.get(y.id);
    if (!x || !same(x, y)) out.add(y.id);
    old.delete(y.id);
  }
  for (const id of old.keys()) out.add(id);
}

/**
 * Every need and project on which two inputs differ, directly or through what the engine reads
 * beside them: a child's active help changes the needs of that child, a county's coverage the
 * needs of that county, an exclusion its need. Null when the day differs (waiting changes for
 * every need).
 */
export function changesBetween(before: MatchInput, after: MatchInput): { needIds: string[]; projectIds: string[] } | null {
  if (dayOf(before.today, 'today') !== dayOf(after.today, 'today')) return null;
  const needIds = new Set<string>();
  const projectIds = new Set<string>();
  diffById(before.needs, after.needs, sameNeed, needIds);
  diffById(before.projects, after.projects, sameProject, projectIds);

  const helpByChild = (input: MatchInput): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const h of input.activeHelp) pushTo(m, h.childKey, `${h.kind}:${dayOf(h.start, 'start of an active help')}:${h.end ? dayOf(h.end, 'end of an active help') : '-'}`);
    for (const list of m.values()) list.sort();
    return m;
  };
  const children = new Set<string>();
  // Loaded the same way, unchanged help comes as the same list: no need to index it by child.
  if (!sameHelpList(before.activeHelp, after.activeHelp)) {
    const hb = helpByChild(before);
    const ha = helpByChild(after);
    for (const [key, list] of ha) {
      const old = hb.get(key);
      if (!old || !sameList(list, old)) children.add(key);
    }
    for (const key of hb.keys()) if (!ha.has(key)) children.add(key);
  }
  const counties = new Set<string>();
  for (const c of new Set([...Object.keys(before.coverage), ...Object.keys(after.coverage)])) if (seenShare(shareOf(before.coverage, c)) !== seenShare(shareOf(after.coverage, c))) counties.add(c);
  const xb = excludedSet(before);
  const xa = excludedSet(after);
  for (const x of [...(before.excludedPairs ?? []), ...(after.excludedPairs ?? [])]) {
    const key = pairKey(x.needId, x.projectId);
    if (xb.has(key) !== xa.has(key)) needIds.add(x.needId);
  }
  if (children.size > 0 || counties.size > 0) {
    for (const n of [...before.needs, ...after.needs]) if (children.has(n.childKey) || counties.has(n.countyCode)) needIds.add(n.id);
  }
  return { needIds: [...needIds].sort(), projectIds: [...projectIds].sort() };
}

/** Entries of `old` (in need id order) with those of `replaced` (sorted ids) swapped for `fresh` (in need id order). */
function spliceByNeed<T extends { needId: string }>(old: readonly T[], replaced: readonly string[], fresh: readonly T[]): T[] {
  const lowerBound = (id: string, from: number): number => {
    let lo = from;
    let hi = old.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (old[mid].needId < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out: T[] = [];
  let at = 0;
  let f = 0;
  for (const id of replaced) {
    const k = lowerBound(id, at);
    for (let r = at; r < k; r++) out.push(old[r]);
    at = k < old.length && old[k].needId === id ? k + 1 : k;
    while (f < fresh.length && fresh[f].needId <= id) out.push(fresh[f++]);
  }
  for (let r = at; r < old.length; r++) out.push(old[r]);
  return out;
}

/**
 * The next result from the previous optimum (`Warm`), changed one need or project at a time by
 * exact matroid steps and a warm stage B: the same needs matched with the same reasons as a
 * full run, the same objective, each placement optimal. Null when the step is too big for it
 * (more changed needs than `MAX_WARM_STEP`, or a chain grown past its bounds).
 */
function warmRematch(previous: MatchState, next: MatchInput, changed: { needIds: string[]; projectIds: string[] }): Rematch | null {
  const prior = previous.warm;
  if (!prior || changed.needIds.length > MAX_WARM_STEP || !prior.roomFor(changed.needIds.length, changed.projectIds.length)) return null;
  const w = prior.copy();
  const today = w.base.g.c.today;
  const helpsBefore = w.helps;
  if (!sameHelpList(previous.input.activeHelp, next.activeHelp)) w.helps = indexHelp(next.activeHelp);
  w.excluded = excludedSet(next);

  const wantedProjects = new Set(changed.projectIds);
  const projectsNow = new Map<string, OpenProject>();
  for (const p of next.projects) {
    if (!wantedProjects.has(p.id)) continue;
    if (projectsNow.has(p.id)) throw new RangeError(`matching: project ${p.id} given twice`);
    projectsNow.set(p.id, p);
  }
  const wantedNeeds = new Set(changed.needIds);
  const needsNow = new Map<string, OpenNeed>();
  for (const n of next.needs) {
    if (!wantedNeeds.has(n.id)) continue;
    if (needsNow.has(n.id)) throw new RangeError(`matching: need ${n.id} given twice`);
    needsNow.set(n.id, n);
  }
  const compiledProjects = new Map<string, CProject>();
  for (const [id, p] of projectsNow) compiledProjects.set(id, compileProject(p));
  const compiledNeeds = new Map<string, CNeed>();
  for (const [id, n] of needsNow) compiledNeeds.set(id, compileNeed(n, next.coverage, today));

  const closed: string[] = [];
  for (const id of changed.projectIds) {
    const j = w.projectAt(id);
    const now = compiledProjects.get(id);
    if (j !== undefined && now && sameShape(w.projects[j], now) && (w.cap[j] > 0 || now.capacity === 0)) {
      // Only its places changed: the pairs stand (a project with none has no pairs to keep).
      w.projects[j] = now;
      w.setCapacity(j, now.capacity);
      if (now.capacity === 0) closed.push(id);
      continue;
    }
    if (j !== undefined) {
      w.dropProject(j);
      closed.push(id);
    }
    if (now) w.openProject(w.appendProject(now), now.capacity);
  }
  // A need named as changed that the engine would see as it was (a child's help of another
  // kind, a list walked out of step) is left as it is: what is carried then depends on the
  // input alone, not on how the difference was found.
  const turnedDown = (input: MatchInput): Map<string, string> => {
    const byNeed: Index<string> = new Map();
    for (const x of input.excludedPairs ?? []) if (wantedNeeds.has(x.needId)) pushTo(byNeed, x.needId, x.projectId);
    return new Map([...byNeed].map(([id, list]) => [id, [...new Set(list)].sort().join('\u0000')]));
  };
  const turnedDownBefore = turnedDown(previous.input);
  const turnedDownNow = turnedDown(next);
  const unchanged = (i: number, n: CNeed): boolean =>
    sameToEngine(w.needs[i], n) && sameHelps(helpsOf(helpsBefore, w.needs[i]), helpsOf(w.helps, n)) && turnedDownBefore.get(n.id) === turnedDownNow.get(n.id);
  for (const id of changed.needIds) {
    const i = w.needAt(id);
    const n = compiledNeeds.get(id);
    if (i !== undefined && n && unchanged(i, n)) continue;
    if (i !== undefined) w.dropNeed(i);
    if (n) w.restand(w.appendNeed(n));
  }
  stageBOn(w);

  // What changed: needs placed elsewhere or no longer, needs added, and those whose reasons may name what changed.
  const ids = new Set<string>(changed.needIds);
  for (let i = 0; i < prior.needCount; i++) if (w.matchProject[i] !== prior.matchProject[i]) ids.add(w.needs[i].id);
  // A marked need still placed where it was keeps its proposal as it was.
  for (const i of w.marked) if (w.matchProject[i] < 0) ids.add(w.needs[i].id);
  const replaced = [...ids].sort();
  const proposals: Proposal[] = [];
  const unmatched: Unmatched[] = [];
  for (const id of replaced) {
    const i = w.needAt(id);
    if (i === undefined) continue;
    const n = w.needs[i];
    const j = w.matchProject[i];
    if (j >= 0) {
      const closeness = w.closeness(w.matchEdge[i]);
      proposals.push(proposalOf(n, w.projects[j].id, closeness));
    } else unmatched.push({ needId: id, reasons: w.reasons(i) });
  }
  w.marked.clear();
  const result: MatchResult = { proposals: spliceByNeed(previous.result.proposals, replaced, proposals), unmatched: spliceByNeed(previous.result.unmatched, replaced, unmatched) };
  return {
    result,
    // A project that closed or changed shape lost all its needs, which are in needIds; one whose places changed keeps the others.
    scope: { needIds: replaced, projectIds: closed.sort() },
    state: { input: next, result, warm: w },
  };
}

/** Two compiled needs the engine cannot tell apart: the same rules apply, the same rank, the same reasons. */
function sameToEngine(a: CNeed, b: CNeed): boolean {
  return (
    a.id === b.id &&
    a.childKey === b.childKey &&
    a.kind === b.kind &&
    a.key === b.key &&
    a.urgency === b.urgency &&
    a.risk === b.risk &&
    a.cls === b.cls &&
    a.age === b.age &&
    a.code === b.code &&
    a.remote === b.remote &&
    a.waitedDays === b.waitedDays &&
    a.publishedMs === b.publishedMs &&
    a.from === b.from &&
    a.until === b.until &&
    a.fairness === b.fairness &&
    seenShare(a.coverage) === seenShare(b.coverage)
  );
}

function sameHelps(a: ReadonlyArray<{ start: number; end: number }> | undefined, b: ReadonlyArray<{ start: number; end: number }> | undefined): boolean {
  if (!a || !b) return !a === !b;
  return a.length === b.length && a.every((h, k) => h.start === b[k].start && h.end === b[k].end);
}

/** Two compiled projects that differ at most in their places. */
function sameShape(a: CProject, b: CProject): boolean {
  return (
    a.id === b.id &&
    sameList(a.kindList, b.kindList) &&
    sameList(a.prefixes, b.prefixes) &&
    a.classMask === b.classMask &&
    a.minAge === b.minAge &&
    a.maxAge === b.maxAge &&
    a.start === b.start &&
    a.end === b.end &&
    a.home === b.home
  );
}

/** Two id lists in sorted order, merged, each id once. */
function unionOfSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let k = 0;
  while (i < a.length || k < b.length) {
    const x = i < a.length && (k >= b.length || a[i] <= b[k]) ? a[i++] : b[k++];
    if (out.length === 0 || out[out.length - 1] !== x) out.push(x);
  }
  return out;
}

/**
 * Matching for `next` from the previous run: the differences (`changesBetween`) are carried
 * through the previous optimum one change at a time (`warmRematch`); a step too big for that,
 * or a previous run without its warm state, re-solves only the components the differences touch
 * (`incrementalScope` with the previous input, whole components when the previous run's are
 * known), exactly as a full run would; a new day is a full run. Either way the result matches
 * the same needs, with the same reasons and objective, as `proposeMatches(next)`; see `Rematch`.
 */
export function rematch(previous: MatchState, next: MatchInput): Rematch {
  const changed = changesBetween(previous.input, next);
  const full = (): Rematch => {
    const state = matchState(next);
    return { result: state.result, scope: 'full', state };
  };
  if (!changed) return full();
  if (changed.needIds.length === 0 && changed.projectIds.length === 0) {
    const kept = solvedGraphs.get(previous.input);
    if (kept) solvedGraphs.set(next, kept);
    return { result: previous.result, scope: { needIds: [], projectIds: [] }, state: { ...previous, input: next } };
  }
  const warm = warmRematch(previous, next, changed);
  if (warm) return warm;
  const { scope, children, checked } = scopeOf(changed, next, previous.input, previous.components, true);
  if (scope.needIds.length > FULL_RUN_SHARE * next.needs.length) return full();
  const kept = solvedGraphs.get(previous.input);
  const g = kept ? scopeGraph(scope.input, kept, new Set(changed.needIds), new Set(changed.projectIds), checked) : eligibilityGraph(scope.input);
  solvedGraphs.set(next, withScopeGraph(kept, g, next.needs.length));
  const solved = solveGraph(g);
  // Every need of the previous result in the scope, or gone from the input, is a changed one or
  // in the scope; every other entry stands, and both lists are in need id order: merge them.
  const replaced = unionOfSorted(scope.needIds, changed.needIds);
  const result: MatchResult = { proposals: spliceByNeed(previous.result.proposals, replaced, solved.result.proposals), unmatched: spliceByNeed(previous.result.unmatched, replaced, solved.result.unmatched) };
  const scopeProjects = new Set([...scope.projectIds, ...changed.projectIds]);
  return {
    result,
    // Needs that left the input are part of the change: their proposals are replaced by nothing.
    scope: { needIds: replaced, projectIds: [...scopeProjects].sort() },
    state: { input: next, result, components: previous.components?.replace(replaced, scopeProjects, g, solved.comps, children!) },
  };
}
