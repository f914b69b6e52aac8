import { and, asc, count, desc, eq, inArray, isNotNull, ne, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { children, helpRecords, matchingRuns, matchProposals, needs, projects, publishedNeeds, unmatchedNeeds, type StoredReason } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, requirePlatformAdmin, type Viewer } from '../lib/authorization';
import { NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import { fullName, isRemoteTownship } from '../lib/regions';
import { chinaDate } from '../children/id-number.rules';
import { CHILD_RECORD_ROLES } from '../children/children.service';
import { ageInYears } from '../needs/publication.rules';
import type { NeedKind, NeedStatus } from '../needs/needs.rules';
import type { NeedsService } from '../needs/needs.service';
import type { NotificationsService } from '../notifications/notifications.service';
import { PROJECT_ROLES, requireProjectPublisher, type ProjectForMatching, type ProjectsService } from '../projects/projects.service';
import { eligibility, matchState, rematch, type ActiveHelp, type ExcludedPair, type MatchInput, type MatchResult, type MatchState, type OpenNeed, type OpenProject, type RegionCoverage } from './matching.rules';
import { canTransition, helpPeriod, LIVE_PROPOSAL_STATUSES, type ProposalStatus } from './lifecycle.rules';
import { reasonsForProject, reasonText, type ProposalForNeed, type ProposalForProject, type UnmatchedForNeed } from './matching.projections';
import type { HelpRecordsService } from './help-records.service';

export interface MatchingDeps {
  db: Database;
  audit: AuditService;
  needs: NeedsService;
  projects: ProjectsService;
  help: HelpRecordsService;
  notifications?: NotificationsService;
  logger: Logger;
  now?: () => Date;
}

/** What one run did. */
export interface RunSummary {
  scope: 'full' | 'incremental';
  needs: number;
  projects: number;
  proposals: number;
  unmatched: number;
  millis: number;
}

/** An open need with what the engine rules on, plus its organization (never leaves this service). */
interface NeedFacts extends OpenNeed {
  organizationId: string;
}

// A held need (published, matched, being helped) belongs to one child; this key finds the same
// child across organizations: the keyed hash of the ID number, or the record itself without one.
const childKey = sql<string>`coalesce(${children.idHash}, 'child:' || ${children.id}::text)`;

// Serializes runs across app nodes (PostgreSQL advisory lock, released at commit).
const RUN_LOCK = 727_274;
const SHOWN = 200;

/** 'YYYY-MM-DD' as the start of that day in China (the engine compares days in China Standard Time). */
const chinaDay = (day: string): Date => new Date(`${day}T00:00:00+08:00`);

/** A uuid no row has, so that `in (…)` over an empty list stays valid SQL. */
const NIL = '00000000-0000-0000-0000-000000000000';
const orNil = (ids: readonly string[] | undefined): string[] => (ids && ids.length > 0 ? [...ids] : [NIL]);

/** A proposal that may no longer be acted on; the message lists what changed, and nothing was written. */
export class ProposalInvalidError extends RuleViolationError {
  constructor(reasons: string) {
    super('matching_ui.proposal.invalid', { reasons });
  }
}

export class MatchingService {
  private readonly now: () => Date;
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * The last run this process stored, and the number of runs stored in the database when it
   * did: an incremental run starts from it only while no other node has stored a run since.
   */
  private previous: (MatchState & { revision: number }) | undefined;
  constructor(private readonly deps: MatchingDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  // ---------------------------------------------------------------------------------------------
  // Loading what the engine needs: kinds, regions, classes, ages, dates — never an identity.

  private toOpenProject(p: ProjectForMatching): OpenProject {
    return {
      id: p.id,
      organizationId: p.organizationId,
      kinds: p.needKinds,
      regionCodes: p.regionCodes,
      classes: p.eligibleClasses,
      minAge: p.minAge,
      maxAge: p.maxAge,
      start: chinaDay(p.startOn),
      end: chinaDay(p.endOn),
      remainingCapacity: Math.max(0, p.placesLeft),
      homeCountyCode: p.homeRegionCode,
    };
  }

  private async loadNeeds(tx: Database | Tx, where: SQL | undefined = eq(needs.status, 'published')): Promise<NeedFacts[]> {
    const rows = await tx
      .select({
        id: needs.id,
        organizationId: needs.organizationId,
        kind: needs.kind,
        urgency: needs.urgency,
        startOn: needs.startOn,
        endOn: needs.endOn,
        publishedAt: publishedNeeds.publishedAt,
        childKey,
        riskLevel: children.riskLevel,
        childClass: children.childClass,
        birthMonth: children.birthMonth,
        countyCode: children.countyCode,
        townshipCode: children.townshipCode,
      })
      .from(needs)
      .innerJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
      .innerJoin(children, eq(children.id, needs.childId))
      .where(and(where, sql`${children.archivedAt} is null`));
    const today = this.now();
    return rows.map((r) => ({
      id: r.id,
      organizationId: r.organizationId,
      childKey: r.childKey,
      kind: r.kind as NeedKind,
      urgency: r.urgency,
      riskLevel: 5 - r.riskLevel, // our records: 1 = 一级 (highest); the engine: 4 = highest
      childClass: r.childClass,
      ageYears: ageInYears(`${r.birthMonth}-01`, today),
      countyCode: r.countyCode,
      townshipCode: r.townshipCode ?? undefined,
      remote: r.townshipCode ? isRemoteTownship(r.townshipCode) : false,
      publishedAt: r.publishedAt,
      start: r.startOn ? chinaDay(r.startOn) : undefined,
      end: r.endOn ? chinaDay(r.endOn) : undefined,
    }));
  }

  /**
   * Help a child already has, by child key and kind: help records in progress, and proposals
   * accepted and waiting for confirmation (their help is about to start).
   */
  private async activeHelp(tx: Database | Tx, onlyChildKey?: string, exceptNeedId?: string): Promise<ActiveHelp[]> {
    const today = chinaDate(this.now());
    const records = await tx
      .select({ childKey: helpRecords.childKey, kind: helpRecords.kind, startOn: helpRecords.startOn, endOn: helpRecords.endOn })
      .from(helpRecords)
      .where(and(eq(helpRecords.status, 'in_progress'), onlyChildKey ? eq(helpRecords.childKey, onlyChildKey) : undefined, exceptNeedId ? ne(helpRecords.needId, exceptNeedId) : undefined));
    const accepted = await tx
      .select({ childKey, kind: needs.kind, needEnd: needs.endOn, projectStart: projects.startOn, projectEnd: projects.endOn })
      .from(matchProposals)
      .innerJoin(needs, eq(needs.id, matchProposals.needId))
      .innerJoin(children, eq(children.id, needs.childId))
      .innerJoin(projects, eq(projects.id, matchProposals.projectId))
      .where(and(eq(matchProposals.status, 'accepted'), onlyChildKey ? sql`${childKey} = ${onlyChildKey}` : undefined, exceptNeedId ? ne(matchProposals.needId, exceptNeedId) : undefined));
    return [
      ...records.map((r) => ({ childKey: r.childKey, kind: r.kind, start: chinaDay(r.startOn), end: r.endOn ? chinaDay(r.endOn) : null })),
      ...accepted.map((a) => {
        const period = helpPeriod(today, { startOn: a.projectStart, endOn: a.projectEnd }, { endOn: a.needEnd });
        return { childKey: a.childKey, kind: a.kind, start: chinaDay(period.startOn), end: chinaDay(period.endOn) };
      }),
    ];
  }

  /** Share of each county's needs that are matched, being helped or met: low coverage weighs a need up. */
  private async coverage(tx: Database | Tx): Promise<RegionCoverage> {
    const rows = await tx
      .select({
        county: children.countyCode,
        share: sql<number>`((count(*) filter (where ${needs.status} in ('matched','being_helped','met')))::float8 / count(*))::float8`,
      })
      .from(needs)
      .innerJoin(children, eq(children.id, needs.childId))
      .where(inArray(needs.status, ['published', 'matched', 'being_helped', 'met']))
      .groupBy(children.countyCode);
    return Object.fromEntries(rows.map((r) => [r.county, Number(r.share)]));
  }

  private async loadInput(): Promise<{ input: MatchInput; needFacts: Map<string, NeedFacts>; projectOrgs: Map<string, string> }> {
    const db = this.deps.db;
    const [needList, projectList, activeHelp, coverage, excludedPairs] = await Promise.all([this.loadNeeds(db), this.deps.projects.openForMatching(db), this.activeHelp(db), this.coverage(db), this.turnedDown()]);
    return {
      input: { needs: needList, projects: projectList.map((p) => this.toOpenProject(p)), activeHelp, coverage, today: this.now(), excludedPairs },
      needFacts: new Map(needList.map((n) => [n.id, n])),
      projectOrgs: new Map(projectList.map((p) => [p.id, p.organizationId])),
    };
  }

  /** Pairs someone turned down: the project declined it, or the need's organization stepped back from it. */
  private async turnedDown(): Promise<ExcludedPair[]> {
    return this.deps.db
      .selectDistinct({ needId: matchProposals.needId, projectId: matchProposals.projectId })
      .from(matchProposals)
      .innerJoin(needs, eq(needs.id, matchProposals.needId))
      .where(and(eq(needs.status, 'published'), or(eq(matchProposals.status, 'declined'), and(eq(matchProposals.status, 'withdrawn'), isNotNull(matchProposals.decidedBy)))))
      .orderBy(matchProposals.needId, matchProposals.projectId);
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** Runs one at a time in this process; the advisory lock does the same across nodes. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A platform admin runs matching over every open need and project. */
  async run(viewer: Viewer): Promise<RunSummary> {
    const actor = requirePlatformAdmin(viewer);
    return this.runAll(actor.userId);
  }

  /** The scheduled full run (no one asked for it; MATCHING_INTERVAL_MINUTES). */
  async runScheduled(): Promise<RunSummary> {
    return this.runAll(null);
  }

  /** Matching over every open need and project; deterministic for the same data on the same day. */
  async runAll(triggeredBy: string | null): Promise<RunSummary> {
    return this.serialized(async () => {
      const started = process.hrtime.bigint();
      const loaded = await this.loadInput();
      return this.solveAll(loaded, started, triggeredBy);
    });
  }

  /** A full run; `solved` when the caller already solved this very input (a rematch that fell back to a full one). */
  private async solveAll(loaded: Awaited<ReturnType<MatchingService['loadInput']>>, started: bigint, triggeredBy: string | null, solved?: MatchState): Promise<RunSummary> {
    const { input, needFacts, projectOrgs } = loaded;
    const state = solved?.input === input ? solved : matchState(input);
    const stored = await this.store(state.result, { needIds: [...needFacts.keys()], projectIds: [...projectOrgs.keys()], full: true }, { projectOrgs, inputNeeds: input.needs.length, inputProjects: input.projects.length, started, triggeredBy, state });
    return stored!;
  }

  /** A project's organization re-runs matching for its open projects. */
  async runForOrganization(viewer: Viewer, organizationId: string): Promise<RunSummary> {
    requireProjectPublisher(viewer, organizationId);
    const open = await this.deps.db.select({ id: projects.id }).from(projects).where(and(eq(projects.organizationId, organizationId), eq(projects.status, 'open')));
    return this.rematchFor({ projectIds: open.map((p) => p.id) });
  }

  /**
   * Incremental matching after a need or project changed: the input is compared with the
   * previous run's and the differences are carried through its optimum (`rematch`): the same
   * needs matched, with the same reasons, as a full run, and proposals nobody had to move stay
   * as they were. Without a previous run of this process, or when another node stored one
   * since, it is a full run. `changed` names what the caller changed; the comparison finds it
   * (and anything else that changed) by itself.
   */
  async rematchFor(changed: { needIds?: string[]; projectIds?: string[] }): Promise<RunSummary> {
    return this.serialized(async () => {
      const started = process.hrtime.bigint();
      const loaded = await this.loadInput();
      const previous = this.previous;
      if (!previous) return this.solveAll(loaded, started, null);
      const { input, projectOrgs } = loaded;
      const next = rematch(previous, input);
      if (next.scope === 'full') return this.solveAll(loaded, started, null, next.state);
      const stored = await this.store(next.result, { ...next.scope, full: false }, { projectOrgs, inputNeeds: next.scope.needIds.length, inputProjects: next.scope.projectIds.length, started, triggeredBy: null, state: next.state, revision: previous.revision });
      // Another node stored a run since ours: what is stored is no longer what `previous` says.
      return stored ?? this.solveAll(loaded, started, null);
    });
  }

  /**
   * Writes a result over the needs and projects it covers, in one transaction: a proposal the
   * run makes again is kept (same id, fresh score and reasons), one it no longer makes is
   * withdrawn, a new one is inserted; needs without a proposal get their reasons. Whatever
   * stopped being open since loading is skipped. An incremental store (`revision` given) writes
   * nothing and returns null when another node stored a run since `revision`.
   */
  private async store(
    result: MatchResult,
    scope: { needIds: string[]; projectIds: string[]; full: boolean },
    ctx: { projectOrgs: Map<string, string>; inputNeeds: number; inputProjects: number; started: bigint; triggeredBy: string | null; state: MatchState; revision?: number },
  ): Promise<RunSummary | null> {
    // Kept only once stored: a failed or stale run must not become the base of the next one.
    this.previous = undefined;
    const inScope = new Set(scope.needIds);
    const proposals = scope.full ? result.proposals : result.proposals.filter((p) => inScope.has(p.needId));
    const inScopeUnmatched = scope.full ? result.unmatched : result.unmatched.filter((u) => inScope.has(u.needId));
    const unmatched = new Map<string, StoredReason[]>(inScopeUnmatched.map((u) => [u.needId, u.reasons]));
    const summary = await this.deps.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${RUN_LOCK})`);
      const [{ runs }] = await tx.select({ runs: count() }).from(matchingRuns);
      if (ctx.revision !== undefined && runs !== ctx.revision) return null;
      await this.invalidateStale(tx);
      const openNeeds = new Set((await tx.select({ id: needs.id }).from(needs).where(and(eq(needs.status, 'published'), scope.full ? undefined : inArray(needs.id, orNil(scope.needIds))))).map((r) => r.id));
      const openProjects = new Set((await tx.select({ id: projects.id }).from(projects).where(eq(projects.status, 'open'))).map((r) => r.id));
      const existing = await tx
        .select({ id: matchProposals.id, needId: matchProposals.needId, projectId: matchProposals.projectId })
        .from(matchProposals)
        .where(and(eq(matchProposals.status, 'proposed'), scope.full ? undefined : or(inArray(matchProposals.needId, orNil(scope.needIds)), inArray(matchProposals.projectId, orNil(scope.projectIds)))));
      const standing = new Map(existing.map((e) => [e.needId, e]));
      const kept = new Set<string>();
      const fresh: Array<{ needId: string; projectId: string }> = [];
      let stored = 0;
      const at = this.now();
      for (const p of proposals) {
        if (!openNeeds.has(p.needId) || !openProjects.has(p.projectId)) continue;
        const old = standing.get(p.needId);
        if (old && old.projectId === p.projectId) {
          await tx.update(matchProposals).set({ score: p.score, reasons: p.reasons, updatedAt: at }).where(eq(matchProposals.id, old.id));
          kept.add(old.id);
          stored++;
          continue;
        }
        if (old) {
          await tx.update(matchProposals).set({ status: 'withdrawn', updatedAt: at }).where(eq(matchProposals.id, old.id));
          kept.add(old.id);
        }
        await tx.insert(matchProposals).values({ needId: p.needId, projectId: p.projectId, score: p.score, reasons: p.reasons, proposedAt: at, updatedAt: at });
        fresh.push(p);
        stored++;
      }
      const replaced = existing.filter((e) => !kept.has(e.id)).map((e) => e.id);
      if (replaced.length) await tx.update(matchProposals).set({ status: 'withdrawn', updatedAt: at }).where(inArray(matchProposals.id, replaced));

      const cleared = scope.full ? undefined : scope.needIds;
      if (!cleared) await tx.delete(unmatchedNeeds);
      else if (cleared.length) await tx.delete(unmatchedNeeds).where(inArray(unmatchedNeeds.needId, cleared));
      const gaps = [...unmatched].filter(([needId]) => openNeeds.has(needId)).sort(([a], [b]) => (a < b ? -1 : 1));
      for (let i = 0; i < gaps.length; i += 500) {
        await tx.insert(unmatchedNeeds).values(gaps.slice(i, i + 500).map(([needId, reasons]) => ({ needId, reasons, computedAt: at })));
      }
      const millis = Number((process.hrtime.bigint() - ctx.started) / 1_000_000n);
      const run: RunSummary = { scope: scope.full ? 'full' : 'incremental', needs: ctx.inputNeeds, projects: ctx.inputProjects, proposals: stored, unmatched: gaps.length, millis };
      await tx.insert(matchingRuns).values({ ...run, triggeredBy: ctx.triggeredBy, ranAt: at });
      await this.deps.audit.record({ actorUserId: ctx.triggeredBy, action: 'matching.run', subjectType: 'matching', detail: { ...run, new: fresh.length } }, tx);
      return { run, fresh, revision: runs + 1 };
    });
    if (!summary) return null;
    this.previous = { ...ctx.state, revision: summary.revision };
    await this.announce(summary.fresh, ctx.projectOrgs);
    return summary.run;
  }

  /** Tells each project organization how many new proposals wait for it (after the run committed). */
  private async announce(fresh: Array<{ projectId: string }>, projectOrgs: Map<string, string>): Promise<void> {
    if (!this.deps.notifications || fresh.length === 0) return;
    const perOrg = new Map<string, number>();
    for (const f of fresh) {
      const org = projectOrgs.get(f.projectId);
      if (org) perOrg.set(org, (perOrg.get(org) ?? 0) + 1);
    }
    for (const [organizationId, n] of perOrg) {
      await this.deps.notifications
        .notify({ organizationId, roles: PROJECT_ROLES }, 'match_proposed', { count: n }, `/org/${organizationId}/proposals`)
        .catch((err) => this.deps.logger.warn('proposal notification failed', { err }));
    }
  }

  /**
   * Proposals whose ground has gone: unanswered ones on a need no longer open or a project no
   * longer open, accepted ones whose need was withdrawn (their promised place is given back).
   */
  private async invalidateStale(tx: Tx): Promise<void> {
    const at = this.now();
    await tx
      .update(matchProposals)
      .set({ status: 'invalid', updatedAt: at })
      .where(
        and(
          eq(matchProposals.status, 'proposed'),
          or(
            notInArray(matchProposals.needId, tx.select({ id: needs.id }).from(needs).where(eq(needs.status, 'published'))),
            notInArray(matchProposals.projectId, tx.select({ id: projects.id }).from(projects).where(eq(projects.status, 'open'))),
          ),
        ),
      );
    const orphaned = await tx
      .update(matchProposals)
      .set({ status: 'invalid', updatedAt: at })
      .where(and(eq(matchProposals.status, 'accepted'), notInArray(matchProposals.needId, tx.select({ id: needs.id }).from(needs).where(eq(needs.status, 'matched')))))
      .returning({ projectId: matchProposals.projectId });
    for (const o of orphaned) await this.deps.projects.releasePromise(tx, o.projectId);
  }

  // ---------------------------------------------------------------------------------------------
  // The lifecycle: accept / decline (project side), confirm / withdraw (need side)

  private async proposalFor(tx: Tx, side: 'project' | 'need', organizationId: string, proposalId: string) {
    const [row] = await tx
      .select({ p: matchProposals, needOrganizationId: needs.organizationId, needStatus: needs.status, projectOrganizationId: projects.organizationId })
      .from(matchProposals)
      .innerJoin(needs, eq(needs.id, matchProposals.needId))
      .innerJoin(projects, eq(projects.id, matchProposals.projectId))
      .where(and(eq(matchProposals.id, proposalId), side === 'project' ? eq(projects.organizationId, organizationId) : eq(needs.organizationId, organizationId)))
      .for('update', { of: matchProposals });
    if (!row) throw new NotFoundError('proposal');
    return row;
  }

  private refuseUnless(from: string, to: ProposalStatus, t: Translate): void {
    if (!canTransition(from as ProposalStatus, to)) throw new RuleViolationError('matching_ui.proposal.cannot', { status: t(`matching_ui.status.${from}`) });
  }

  /**
   * Checks a proposal against today's facts with the engine's own eligibility rule: the need is
   * still open, the project still open with a place (`ownPlace`: one is already promised to
   * this proposal), and the child not helped in that kind meanwhile by anyone. Throws, listing
   * what changed; returns what starting help needs.
   */
  private async stillValid(tx: Tx, p: typeof matchProposals.$inferSelect, needStatus: NeedStatus, ownPlace: boolean, t: Translate) {
    const [need] = await this.loadNeeds(tx, and(eq(needs.id, p.needId), eq(needs.status, needStatus)));
    const project = await this.deps.projects.forMatching(tx, p.projectId);
    const problems: StoredReason[] = [];
    if (!need) problems.push({ code: 'need_not_open' });
    if (!project || project.status !== 'open') problems.push({ code: 'project_not_open' });
    if (need && project && project.status === 'open') {
      const open = this.toOpenProject({ ...project, placesLeft: project.placesLeft + (ownPlace ? 1 : 0) });
      const verdict = eligibility(need, open, await this.activeHelp(tx, need.childKey, need.id), this.now());
      if (!verdict.eligible) problems.push(...verdict.reasons);
    }
    if (problems.length > 0) throw new ProposalInvalidError(problems.map((r) => reasonText(r, t)).join(t('projects.separator')));
    return { need: need!, project: project! };
  }

  /**
   * The project's organization accepts a proposal: one place is promised to the need, which
   * becomes "matched", and the need's organization is asked to confirm. Refused, with what
   * changed and nothing written, when the need is no longer open, no place is left or the child
   * is now helped in that kind elsewhere.
   */
  async accept(viewer: Viewer, organizationId: string, proposalId: string, t: Translate): Promise<void> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    const needOrganizationId = await this.deps.db.transaction(async (tx) => {
      const row = await this.proposalFor(tx, 'project', organizationId, proposalId);
      this.refuseUnless(row.p.status, 'accepted', t);
      await this.stillValid(tx, row.p, 'published', false, t);
      if (!(await this.deps.projects.promisePlace(tx, row.p.projectId))) throw new ProposalInvalidError(reasonText({ code: 'no_capacity' }, t));
      await this.deps.needs.advance(tx, row.p.needId, 'published', 'matched');
      await tx.update(matchProposals).set({ status: 'accepted', decidedBy: actor.userId, decidedAt: this.now(), updatedAt: this.now() }).where(eq(matchProposals.id, proposalId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'proposal.accept', subjectType: 'proposal', subjectId: proposalId, detail: { projectId: row.p.projectId } }, tx);
      return row.needOrganizationId;
    });
    await this.deps.notifications
      ?.notify({ organizationId: needOrganizationId, roles: CHILD_RECORD_ROLES, exceptUserIds: [actor.userId] }, 'match_accepted', {}, `/org/${needOrganizationId}/matches`)
      .catch((err) => this.deps.logger.warn('acceptance notification failed', { err }));
  }

  /** The project's organization declines a proposal with a reason; the pair is not proposed again and the need goes back to matching. */
  async decline(viewer: Viewer, organizationId: string, proposalId: string, reason: string, t: Translate): Promise<void> {
    const { actor } = requireProjectPublisher(viewer, organizationId);
    const p = await this.deps.db.transaction(async (tx) => {
      const row = await this.proposalFor(tx, 'project', organizationId, proposalId);
      this.refuseUnless(row.p.status, 'declined', t);
      await tx.update(matchProposals).set({ status: 'declined', declineReason: reason, decidedBy: actor.userId, decidedAt: this.now(), updatedAt: this.now() }).where(eq(matchProposals.id, proposalId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'proposal.decline', subjectType: 'proposal', subjectId: proposalId, reason }, tx);
      return { ...row.p, otherOrganizationId: row.needOrganizationId };
    });
    await this.deps.notifications?.tell({ organizationId: p.otherOrganizationId, roles: CHILD_RECORD_ROLES, exceptUserIds: [actor.userId] }, 'match_declined', {}, `/org/${p.otherOrganizationId}/matches`);
    await this.rematchQuietly({ needIds: [p.needId], projectIds: [p.projectId] });
  }

  /**
   * The need's organization confirms an accepted proposal and help starts: the promised place
   * is taken (a project with none left becomes full), the need is "being helped", and a help
   * record is opened with a follow-up every 30 days. Refused, with nothing written, when the
   * proposal became invalid meanwhile (e.g. the child is now helped in that kind elsewhere).
   */
  async confirm(viewer: Viewer, organizationId: string, proposalId: string, t: Translate): Promise<{ helpRecordId: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const confirmed = await this.deps.db.transaction(async (tx) => {
      const row = await this.proposalFor(tx, 'need', organizationId, proposalId);
      this.refuseUnless(row.p.status, 'confirmed', t);
      const { need, project } = await this.stillValid(tx, row.p, 'matched', true, t);
      const today = chinaDate(this.now());
      const [needRow] = await tx.select({ endOn: needs.endOn }).from(needs).where(eq(needs.id, need.id));
      const period = helpPeriod(today, project, needRow);
      await this.deps.projects.takePromisedPlace(tx, project.id);
      await this.deps.needs.advance(tx, need.id, 'matched', 'being_helped');
      const helpRecordId = await this.deps.help.start(tx, { proposalId, needId: need.id, projectId: project.id, childKey: need.childKey, kind: need.kind, startOn: period.startOn, endOn: period.endOn, actorUserId: actor.userId });
      await tx.update(matchProposals).set({ status: 'confirmed', confirmedBy: actor.userId, confirmedAt: this.now(), updatedAt: this.now() }).where(eq(matchProposals.id, proposalId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'proposal.confirm', subjectType: 'proposal', subjectId: proposalId, detail: { helpRecordId } }, tx);
      return { helpRecordId, otherOrganizationId: row.projectOrganizationId };
    });
    await this.deps.notifications?.tell({ organizationId: confirmed.otherOrganizationId, roles: PROJECT_ROLES, exceptUserIds: [actor.userId] }, 'match_confirmed', {}, `/org/${confirmed.otherOrganizationId}/proposals`);
    return { helpRecordId: confirmed.helpRecordId };
  }

  /** The need's organization steps back from a proposal (with a reason): a promised place is given back, the need returns to matching, the pair is not proposed again. */
  async withdraw(viewer: Viewer, organizationId: string, proposalId: string, reason: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const p = await this.deps.db.transaction(async (tx) => {
      const row = await this.proposalFor(tx, 'need', organizationId, proposalId);
      this.refuseUnless(row.p.status, 'withdrawn', t);
      if (row.p.status === 'accepted') {
        await this.deps.projects.releasePromise(tx, row.p.projectId);
        await this.deps.needs.advance(tx, row.p.needId, 'matched', 'published');
      }
      await tx.update(matchProposals).set({ status: 'withdrawn', declineReason: reason, decidedBy: actor.userId, decidedAt: this.now(), updatedAt: this.now() }).where(eq(matchProposals.id, proposalId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'proposal.withdraw', subjectType: 'proposal', subjectId: proposalId, reason }, tx);
      return { ...row.p, otherOrganizationId: row.projectOrganizationId };
    });
    await this.deps.notifications?.tell({ organizationId: p.otherOrganizationId, roles: PROJECT_ROLES, exceptUserIds: [actor.userId] }, 'match_withdrawn', {}, `/org/${p.otherOrganizationId}/proposals`);
    await this.rematchQuietly({ needIds: [p.needId], projectIds: [p.projectId] });
  }

  /** Inside a project's closing: its live proposals end; accepted ones give their needs back to matching. Returns those needs. */
  async releaseProject(tx: Tx, projectId: string, actorUserId: string): Promise<string[]> {
    const live = await tx
      .update(matchProposals)
      .set({ status: 'withdrawn', decidedBy: actorUserId, decidedAt: this.now(), updatedAt: this.now() })
      .where(and(eq(matchProposals.projectId, projectId), inArray(matchProposals.status, [...LIVE_PROPOSAL_STATUSES])))
      .returning({ needId: matchProposals.needId, status: matchProposals.status });
    const accepted = await tx.select({ id: needs.id }).from(needs).where(and(inArray(needs.id, orNil(live.map((l) => l.needId))), eq(needs.status, 'matched')));
    for (const n of accepted) await this.deps.needs.advance(tx, n.id, 'matched', 'published');
    return live.map((l) => l.needId);
  }

  private async rematchQuietly(scope: { needIds?: string[]; projectIds?: string[] }): Promise<void> {
    // The answer itself has committed; the next run catches up if this one fails.
    await this.rematchFor(scope).catch((err) => this.deps.logger.warn('matching after an answer failed', { err }));
  }

  // ---------------------------------------------------------------------------------------------
  // Screens

  /** The project organization's screen: proposals on its projects (needs as published, never identities) and the help it gives. */
  async projectScreen(viewer: Viewer, organizationId: string, t: Translate) {
    requireProjectPublisher(viewer, organizationId);
    const rows = await this.deps.db
      .select({ p: matchProposals, title: projects.title, pub: publishedNeeds, kind: needs.kind, urgency: needs.urgency })
      .from(matchProposals)
      .innerJoin(projects, eq(projects.id, matchProposals.projectId))
      .innerJoin(needs, eq(needs.id, matchProposals.needId))
      .innerJoin(publishedNeeds, eq(publishedNeeds.needId, matchProposals.needId))
      .where(and(eq(projects.organizationId, organizationId), inArray(matchProposals.status, [...LIVE_PROPOSAL_STATUSES])))
      .orderBy(desc(matchProposals.status), desc(matchProposals.score), asc(matchProposals.id))
      .limit(SHOWN);
    const proposals: ProposalForProject[] = rows.map(({ p, title, pub, kind, urgency }) => {
      const level = pub.visible ? pub.regionLevel : null;
      const shown = reasonsForProject(p.reasons, level, t);
      return {
        id: p.id,
        status: p.status,
        projectId: p.projectId,
        projectTitle: title,
        need: { publicCode: pub.publicCode, kind, urgency, ageBand: pub.visible ? pub.ageBand : null, regionName: pub.visible && pub.regionCode ? fullName(pub.regionCode) : '', regionLevel: level, visible: pub.visible },
        reasons: shown.reasons,
        reasonsWithheld: shown.withheld,
        proposedAt: p.proposedAt,
      };
    });
    const help = await this.deps.help.forOrganization(viewer, organizationId, 'project');
    return { proposals, ...help };
  }

  /** The caseworkers' screen: their needs' proposals with every reason, the needs left unmatched and why, and the help their children receive. */
  async needScreen(viewer: Viewer, organizationId: string, t: Translate) {
    requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const [rows, gaps] = await Promise.all([
      this.deps.db
        .select({ p: matchProposals, childId: needs.childId, kind: needs.kind, urgency: needs.urgency, publicCode: publishedNeeds.publicCode })
        .from(matchProposals)
        .innerJoin(needs, eq(needs.id, matchProposals.needId))
        .innerJoin(publishedNeeds, eq(publishedNeeds.needId, matchProposals.needId))
        .where(and(eq(needs.organizationId, organizationId), inArray(matchProposals.status, [...LIVE_PROPOSAL_STATUSES])))
        .orderBy(asc(matchProposals.status), desc(matchProposals.score), asc(matchProposals.id))
        .limit(SHOWN),
      this.deps.db
        .select({ u: unmatchedNeeds, childId: needs.childId, kind: needs.kind, urgency: needs.urgency, publicCode: publishedNeeds.publicCode })
        .from(unmatchedNeeds)
        .innerJoin(needs, eq(needs.id, unmatchedNeeds.needId))
        .innerJoin(publishedNeeds, eq(publishedNeeds.needId, unmatchedNeeds.needId))
        .where(and(eq(needs.organizationId, organizationId), eq(needs.status, 'published')))
        .orderBy(desc(needs.urgency), asc(publishedNeeds.publicCode))
        .limit(SHOWN),
    ]);
    const titles = await this.deps.projects.titles([...new Set(rows.map((r) => r.p.projectId))]);
    const proposals: ProposalForNeed[] = rows.map(({ p, childId, kind, urgency, publicCode }) => ({
      id: p.id,
      status: p.status,
      needId: p.needId,
      childId,
      publicCode,
      kind,
      urgency,
      projectId: p.projectId,
      projectTitle: titles.get(p.projectId)?.title ?? '',
      projectOrganization: titles.get(p.projectId)?.organizationName ?? '',
      reasons: p.reasons.map((r) => reasonText(r, t)),
      proposedAt: p.proposedAt,
    }));
    const unmatched: UnmatchedForNeed[] = gaps.map(({ u, childId, kind, urgency, publicCode }) => ({ needId: u.needId, childId, publicCode, kind, urgency, reasons: u.reasons.map((r) => reasonText(r, t)) }));
    const help = await this.deps.help.forOrganization(viewer, organizationId, 'need');
    return { proposals, unmatched, ...help };
  }

  /** The platform's overview: recent runs, proposals by status, and why needs went unmatched (counts only). */
  async overview(viewer: Viewer) {
    requirePlatformAdmin(viewer);
    const [runs, byStatus, gaps] = await Promise.all([
      this.deps.db.select().from(matchingRuns).orderBy(desc(matchingRuns.ranAt), desc(matchingRuns.id)).limit(10),
      this.deps.db.select({ status: matchProposals.status, n: count() }).from(matchProposals).groupBy(matchProposals.status).orderBy(matchProposals.status),
      this.deps.db
        .select({ code: sql<string>`${unmatchedNeeds.reasons}->0->>'code'`, n: count() })
        .from(unmatchedNeeds)
        .groupBy(sql`${unmatchedNeeds.reasons}->0->>'code'`)
        .orderBy(desc(count())),
    ]);
    return { runs, byStatus, gaps };
  }
}
