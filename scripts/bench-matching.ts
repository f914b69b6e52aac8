/**
 * Matching benchmark (issue 4, Performance): a synthetic province — the real counties and
 * townships of 贵州 from server/lib/regions.ts — with open needs, help projects, running help
 * and county coverage drawn from a fixed seed. For a few sizes it times the eligibility graph
 * and the optimal solve (wall and CPU time: on a shared machine wall time counts other work
 * too), runs the greedy baseline in the same process, and times incremental updates (one need
 * changed, one project changed) on the province as generated and on a `local` variant where no
 * project reaches beyond its home city. Goals: full solve < 5 s, incremental < 100 ms, at least
 * as many urgent needs as greedy with better remote-region coverage.
 *
 * The synthetic province leans the way the seeds describe: organizations sit mostly in urban
 * districts and serve their own county or city; needs are mostly in rural townships.
 *
 * It also times `rematch` (what the service runs after a change: compare with the previous
 * run's input and carry the previous optimum through the difference, warm) over a chain of
 * single changes per variant, each from the state the one before left, as the service runs
 * them; it reports the median, the 90th percentile and the worst, the median of the input diff
 * alone, and checks the first few against a full run (same children, reasons and objective).
 *
 * Run: npx tsx scripts/bench-matching.ts [needs …]   (default 10000 30000 100000)
 */
import {
  eligibilityGraph,
  greedyMatches,
  changesBetween,
  incrementalScope,
  matchState,
  objectiveOf,
  proposeMatches,
  rematch,
  solveMatches,
  type ActiveHelp,
  type MatchInput,
  type MatchResult,
  type NeedKind,
  type OpenNeed,
  type OpenProject,
} from '../server/matching/matching.rules';
import * as os from 'node:os';
import { children, isRemoteTownship } from '../server/lib/regions';
import { prng } from '../server/lib/prng';

const PROVINCE = '520000';
/** Single changes timed through `rematch` per variant, and how many of them are checked against a full run (a full solve each). */
const CHANGES = 49;
const CHECKED = 3;
const TODAY = new Date('2026-03-01T00:00:00+08:00');
const DAY = 86_400_000;


interface County {
  code: string;
  urban: boolean;
  weight: number;
  townships: Array<{ code: string; remote: boolean }>;
}

export function loadProvince(): County[] {
  const out: County[] = [];
  for (const city of children(PROVINCE)) {
    for (const county of children(city.code)) {
      const townships = children(county.code).map((t) => ({ code: t.code, remote: isRemoteTownship(t.code) }));
      if (townships.length === 0) continue;
      out.push({ code: county.code, urban: county.name.endsWith('区'), weight: 0, townships });
    }
  }
  return out;
}

/** Picks from weighted entries with a precomputed cumulative table. */
function weighted<T>(r: () => number, items: T[], weight: (t: T) => number): () => T {
  const cum: number[] = [];
  let total = 0;
  for (const it of items) cum.push((total += weight(it)));
  return () => {
    const x = r() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return items[lo];
  };
}

const KIND_WEIGHTS: Array<[NeedKind, number]> = [
  ['living', 22],
  ['education', 20],
  ['tutoring', 14],
  ['psychological', 10],
  ['companionship', 12],
  ['medical', 8],
  ['skills', 4],
  ['social', 4],
  ['safety', 4],
  ['legal', 2],
];

/**
 * `local`: no province-wide project and no project reaching beyond its home city, so the
 * eligibility graph falls apart by city; shows what an incremental re-solve buys when help is
 * organized locally.
 */
export function synthesize(province: County[], needCount: number, projectCount: number, totalCapacity: number, seed: number, local = false): MatchInput {
  const r = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const date = (offsetDays: number): Date => new Date(TODAY.getTime() + offsetDays * DAY);
  for (const c of province) c.weight = (c.urban ? 0.5 : 1) * (0.5 + r() * 1.5) * Math.sqrt(c.townships.length);
  const needCounty = weighted(r, province, (c) => c.weight);
  // Organizations sit mostly in urban districts.
  const homeCounty = weighted(r, province, (c) => (c.urban ? 6 : 1));
  const kind = weighted(r, KIND_WEIGHTS, ([, w]) => w);
  const level = (dist: number[]): number => {
    const x = r();
    let acc = 0;
    for (let k = 0; k < dist.length; k++) if (x < (acc += dist[k])) return k + 1;
    return dist.length;
  };

  const needs: OpenNeed[] = [];
  const activeHelp: ActiveHelp[] = [];
  for (let i = 0; i < needCount; i++) {
    const c = needCounty();
    const t = c.townships[int(0, c.townships.length - 1)];
    const k = kind()[0];
    // A few children have needs published by two organizations (the duplicate link): the same
    // child, so the same place, age and class.
    const same = i > 0 && r() < 0.03 ? needs[int(Math.max(0, i - 50), i - 1)] : undefined;
    const childKey = same ? same.childKey : `c${i}`;
    const ageYears = int(3, 17);
    const childClass = level([0.04, 0.06, 0.1, 0.2, 0.15, 0.45]);
    needs.push({
      id: `n${String(i).padStart(6, '0')}`,
      childKey,
      kind: k,
      urgency: level([0.4, 0.3, 0.2, 0.1]),
      riskLevel: level([0.45, 0.3, 0.17, 0.08]),
      childClass: same ? same.childClass : childClass,
      ageYears: same ? same.ageYears : ageYears,
      countyCode: same ? same.countyCode : c.code,
      townshipCode: same ? same.townshipCode : t.code,
      remote: same ? same.remote : t.remote,
      publishedAt: date(-int(0, 365)),
      start: r() < 0.1 ? date(int(0, 120)) : undefined,
      end: r() < 0.1 ? date(int(150, 500)) : undefined,
    });
    if (r() < 0.08) activeHelp.push({ childKey, kind: kind()[0], start: date(-int(0, 300)), end: r() < 0.4 ? null : date(int(-30, 300)) });
  }

  const projects: OpenProject[] = [];
  const caps: number[] = [];
  for (let j = 0; j < projectCount; j++) caps.push(0.2 + r() * 1.8);
  const capScale = totalCapacity / caps.reduce((a, b) => a + b, 0);
  let given = 0;
  for (let j = 0; j < projectCount; j++) {
    const home = homeCounty();
    const x = r();
    let regions: string[];
    if (x < 0.02 && !local) regions = [PROVINCE];
    else if (x < 0.22) regions = [home.code.slice(0, 4) + '00'];
    else if (x < 0.77) regions = r() < 0.2 && !local ? [home.code, province[int(0, province.length - 1)].code] : [home.code];
    else regions = Array.from({ length: int(1, 4) }, () => home.townships[int(0, home.townships.length - 1)].code);
    const kinds = [...new Set(Array.from({ length: int(1, 3) }, () => kind()[0]))];
    const minAge = int(3, 10);
    const capacity = j === projectCount - 1 ? totalCapacity - given : Math.max(1, Math.round(caps[j] * capScale));
    given += capacity;
    projects.push({
      id: `p${String(j).padStart(5, '0')}`,
      organizationId: `o${int(0, Math.max(1, Math.floor(projectCount / 4)))}`,
      kinds,
      regionCodes: regions,
      classes: r() < 0.7 ? [] : [...new Set([level([0.2, 0.2, 0.2, 0.2, 0.1, 0.1]), level([0.1, 0.1, 0.2, 0.2, 0.2, 0.2])])],
      minAge,
      maxAge: Math.min(17, minAge + int(5, 12)),
      start: date(-int(0, 180)),
      end: date(int(30, 365)),
      remainingCapacity: Math.max(0, capacity),
      homeCountyCode: home.code,
    });
  }

  const coverage: Record<string, number> = {};
  for (const c of province) coverage[c.code] = Math.round((c.urban ? 0.3 + r() * 0.5 : 0.05 + r() * 0.4) * 100) / 100;
  return { needs, projects, activeHelp, coverage, today: TODAY };
}

interface Quality {
  matched: number;
  urgent: number;
  remote: string;
  objective: string;
}

function quality(inp: MatchInput, result: MatchResult): Quality {
  const byId = new Map(inp.needs.map((n) => [n.id, n]));
  const remoteTotal = inp.needs.filter((n) => n.remote).length;
  const remoteMatched = result.proposals.filter((p) => byId.get(p.needId)!.remote).length;
  const o = objectiveOf(result.proposals);
  return {
    matched: o.matched,
    urgent: result.proposals.filter((p) => p.parts.urgency === 4).length,
    remote: `${((100 * remoteMatched) / Math.max(1, remoteTotal)).toFixed(1)}%`,
    objective: `${o.matched}/${o.urgency}/${o.risk}/${o.waitingFairness}/${o.closeness}`,
  };
}

function ms(t0: number): number {
  return performance.now() - t0;
}

/** CPU time of this process in ms: on a shared machine, wall time also counts other work. */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function table(header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((row) => row.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(0)) : v)))];
  const width = header.map((_, k) => Math.max(...cells.map((row) => row[k].length)));
  const line = (row: string[]): string => '| ' + row.map((v, k) => (k === 0 ? v.padEnd(width[k]) : v.padStart(width[k]))).join(' | ') + ' |';
  console.log(line(cells[0]));
  console.log('|' + width.map((w, k) => (k === 0 ? ':' : '-') + '-'.repeat(w) + (k === 0 ? '-' : ':')).join('|') + '|');
  for (const row of cells.slice(1)) console.log(line(row));
}

function main(): void {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const needSizes = sizes.length > 0 ? sizes : [10_000, 30_000, 100_000];
  const province = loadProvince();
  console.log(`province ${PROVINCE}: ${province.length} counties, ${province.reduce((n, c) => n + c.townships.length, 0)} townships; seed 20260301`);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores\n`);

  const perf: Array<Array<string | number>> = [];
  const comp: Array<Array<string | number>> = [];
  const incr: Array<Array<string | number>> = [];
  const series: Array<Array<string | number>> = [];
  for (const needCount of needSizes) {
    const projectCount = Math.round(needCount / 20);
    const capacity = Math.round(needCount * 0.6);
    const inp = synthesize(province, needCount, projectCount, capacity, 20260301);

    {
      let t = performance.now();
      const c0 = cpu();
      const graph = eligibilityGraph(inp);
      const eligibilityMs = ms(t);
      t = performance.now();
      const result = solveMatches(graph);
      const solveMs = ms(t);
      const cpuMs = cpu() - c0;
      t = performance.now();
      const greedy = greedyMatches(inp);
      const greedyMs = ms(t);

      perf.push([needCount, projectCount, capacity, graph.edgeCount, eligibilityMs, solveMs, eligibilityMs + solveMs, cpuMs, result.proposals.length]);
      const q = quality(inp, result);
      const g = quality(inp, greedy);
      comp.push(['optimal', needCount, q.matched, q.urgent, q.remote, q.objective, eligibilityMs + solveMs]);
      comp.push(['greedy', needCount, g.matched, g.urgent, g.remote, g.objective, greedyMs]);
    }

    // Incremental: one need becomes more urgent; one project gains places; one project closes.
    // Once on the province as generated, once on its `local` variant.
    for (const local of [false, true]) {
      const base = local ? synthesize(province, needCount, projectCount, capacity, 20260301, true) : inp;
      const r = prng(needCount);
      const n = base.needs[Math.floor(r() * base.needs.length)];
      const p = base.projects[Math.floor(r() * base.projects.length)];
      const small = base.projects.find((x) => x.regionCodes.every((c) => c.length === 9)) ?? p;
      const cases: Array<[string, MatchInput, { needIds?: string[]; projectIds?: string[] }]> = [
        ['need urgency raised', { ...base, needs: base.needs.map((x) => (x.id === n.id ? { ...x, urgency: 4 } : x)) }, { needIds: [n.id] }],
        ['project +5 places', { ...base, projects: base.projects.map((x) => (x.id === p.id ? { ...x, remainingCapacity: x.remainingCapacity + 5 } : x)) }, { projectIds: [p.id] }],
        ['township project closed', { ...base, projects: base.projects.filter((x) => x.id !== small.id) }, { projectIds: [small.id] }],
      ];
      for (const [label, after, changed] of cases) {
        let t = performance.now();
        const scope = incrementalScope(changed, after, base);
        const scopeMs = ms(t);
        t = performance.now();
        proposeMatches(scope.input);
        const resolveMs = ms(t);
        incr.push([local ? 'local' : 'as generated', label, needCount, scope.needIds.length, scope.projectIds.length, scopeMs, resolveMs, scopeMs + resolveMs]);
      }

      // 49 single changes through `rematch`, in a chain as the service runs them (each from the
      // state the one before left), checked against a full run for the first few.
      let previous = matchState(base);
      let current = base;
      const times: number[] = [];
      const diffTimes: number[] = [];
      let fullRuns = 0;
      let checked = 0;
      for (let k = 0; k < CHANGES; k++) {
        const x = current.needs[Math.floor(r() * current.needs.length)];
        const q = current.projects[Math.floor(r() * current.projects.length)];
        const home = province[Math.floor(r() * province.length)];
        const change: MatchInput = [
          { ...current, needs: current.needs.map((y) => (y.id === x.id ? { ...y, urgency: 1 + ((y.urgency + 1) % 4) } : y)) },
          { ...current, needs: current.needs.filter((y) => y.id !== x.id) },
          { ...current, needs: [...current.needs, { ...x, id: `n-bench-${k}`, childKey: `child-bench-${k}` }] },
          { ...current, projects: current.projects.map((y) => (y.id === q.id ? { ...y, remainingCapacity: y.remainingCapacity + 3 } : y)) },
          { ...current, projects: current.projects.filter((y) => y.id !== q.id) },
          { ...current, projects: current.projects.map((y) => (y.id === q.id ? { ...y, remainingCapacity: Math.max(0, y.remainingCapacity - 2) } : y)) },
          {
            ...current,
            projects: [...current.projects, { ...q, id: `p-bench-${k}`, regionCodes: [home.code.slice(0, 4) + '00'], homeCountyCode: home.code, remainingCapacity: 10 }],
          },
        ][k % 7];
        let t = performance.now();
        changesBetween(current, change);
        diffTimes.push(ms(t));
        t = performance.now();
        const next = rematch(previous, change);
        times.push(ms(t));
        if (next.scope === 'full') fullRuns++;
        if (k < CHECKED) {
          // What a warm run owes a full one: the same children, the same reasons, the same objective.
          const full = proposeMatches(change);
          const same = (m: MatchResult): string => JSON.stringify([objectiveOf(m.proposals), m.proposals.map((p) => p.needId), m.unmatched]);
          if (same(next.result) !== same(full)) throw new Error(`rematch after change ${k} is not the optimum of a full run`);
          checked++;
        }
        previous = next.state;
        current = change;
      }
      const at = (xs: number[], share: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(share * xs.length))];
      series.push([local ? 'local' : 'as generated', needCount, times.length, fullRuns, checked, at(diffTimes, 0.5), at(times, 0.5), at(times, 0.9), Math.max(...times)]);
    }
  }

  console.log('Full solve');
  table(['needs', 'projects', 'capacity', 'edges', 'eligibility ms', 'solve ms', 'total ms', 'total cpu ms', 'matched'], perf);
  console.log('\nOptimal vs greedy (objective = matched/Σurgency/Σrisk/Σ(waiting+fairness)/Σcloseness; urgent = urgency 4; remote = share of remote-township needs matched)');
  table(['method', 'needs', 'matched', 'urgent', 'remote', 'objective', 'ms'], comp);
  console.log('\nThe scope path (incrementalScope against the previous input, walking pairs, then re-solve of the scope): what rematch falls back to for a step too big to carry warm');
  table(['province', 'change', 'needs', 'scope needs', 'scope projects', 'scope ms', 're-solve ms', 'total ms'], incr);
  console.log(`\nrematch after single changes in a chain (need urgency changed / withdrawn / published, project +3 places / closed / −2 places / a city-wide project opened with 10 places, in turn); the first ${CHECKED} checked against a full run`);
  table(['province', 'needs', 'changes', 'full runs', 'checked', 'diff median ms', 'median ms', 'p90 ms', 'worst ms'], series);
}

if (require.main === module) main();
