import crypto from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { followUps, helpRecords, matchProposals, needs, projects, publishedNeeds } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import type { FieldCipher } from '../lib/crypto';
import { NotFoundError, RuleViolationError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import { chinaDate } from '../children/id-number.rules';
import { CHILD_RECORD_ROLES } from '../children/children.service';
import type { NeedsService } from '../needs/needs.service';
import { PROJECT_ROLES, type ProjectsService } from '../projects/projects.service';
import type { GuardianService } from '../volunteers/guardian.service';
import { isOverdue, needStatusAfterClose, nextFollowUp, type HelpOutcome } from './lifecycle.rules';

export interface HelpRecordsDeps {
  db: Database;
  audit: AuditService;
  cipher: FieldCipher;
  needs: NeedsService;
  projects: ProjectsService;
  /** Re-runs matching for needs that came back (a help record closed without meeting its need). */
  rematch: (scope: { needIds: string[] }) => Promise<unknown>;
  logger: Logger;
  /** The guardian's consent, required before help that meets the child starts. */
  consent: Pick<GuardianService, 'requireForHelp'>;
  now?: () => Date;
}

/** Which side of a help record an organization is on: it runs the project, or it keeps the child. */
export type HelpSide = 'project' | 'need';

export interface FollowUpView {
  dueOn: string;
  doneOn: string | null;
  notes: string | null;
  overdue: boolean;
}

/** A help record as either organization sees it; the child is named by the need's public code only. */
export interface HelpRecordView {
  id: string;
  status: string;
  outcome: string | null;
  evaluation: string | null;
  needId: string;
  /** The child's record, for the need's organization only. */
  childId: string | null;
  publicCode: string | null;
  kind: string;
  projectId: string;
  projectTitle: string;
  projectOrganization: string;
  startOn: string;
  endOn: string | null;
  nextFollowUpOn: string | null;
  overdue: boolean;
  followUps: FollowUpView[];
}

/** 社会组织评估: how an organization's help turned out, from its help records. */
export interface OrganizationEvaluation {
  helpRecords: number;
  closed: number;
  /** Share of closed help records whose need was met, in percent; null before any has closed. */
  metPercent: number | null;
  overdueFollowUps: number;
  /** Average days from the proposal to the start of help; null before any help started. */
  averageDaysToStart: number | null;
}

/** A help record as the money side names it (what a spending served): its project and need, the need's public code and kind — never the child. */
export interface SpendingHelpRecord {
  id: string;
  projectId: string;
  needId: string;
  /** null once the need was withdrawn: its public row is gone. */
  publicCode: string | null;
  kind: string;
  status: string;
}

const RECORDS_SHOWN = 200;

export class HelpRecordsService {
  private readonly now: () => Date;
  constructor(private readonly deps: HelpRecordsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private today(): string {
    return chinaDate(this.now());
  }

  private notesContext = (followUpId: string) => `follow_ups.notes:${followUpId}`;
  private evaluationContext = (helpRecordId: string) => `help_records.evaluation:${helpRecordId}`;

  /**
   * Inside a confirmation: starts help for a child, with its first follow-up 30 days after the
   * start. Help of a kind that meets the child needs the guardian's consent in force first.
   */
  async start(tx: Tx, a: { proposalId: string; needId: string; projectId: string; childKey: string; kind: string; startOn: string; endOn: string | null; actorUserId: string }): Promise<string> {
    await this.deps.consent.requireForHelp(tx, a.needId, a.kind);
    const next = nextFollowUp(a.startOn, a.endOn);
    const [row] = await tx
      .insert(helpRecords)
      .values({ proposalId: a.proposalId, needId: a.needId, projectId: a.projectId, childKey: a.childKey, kind: a.kind, startOn: a.startOn, endOn: a.endOn, nextFollowUpOn: next, confirmedBy: a.actorUserId })
      .returning({ id: helpRecords.id });
    if (next) await tx.insert(followUps).values({ helpRecordId: row.id, dueOn: next });
    return row.id;
  }

  /** The record with both organizations, locked for a change; not found unless `organizationId` is one of them. */
  private async partyRecord(tx: Tx, organizationId: string, helpRecordId: string) {
    const [row] = await tx
      .select({ record: helpRecords, needOrganizationId: needs.organizationId, projectOrganizationId: projects.organizationId })
      .from(helpRecords)
      .innerJoin(needs, eq(needs.id, helpRecords.needId))
      .innerJoin(projects, eq(projects.id, helpRecords.projectId))
      .where(eq(helpRecords.id, helpRecordId))
      .for('update', { of: helpRecords });
    if (!row || (row.needOrganizationId !== organizationId && row.projectOrganizationId !== organizationId)) throw new NotFoundError('help record');
    return row;
  }

  /**
   * Either organization records a follow-up of help in progress (notes encrypted, as they speak of
   * a child): the due follow-up is done, and the next is scheduled 30 days on unless the help
   * ends first. Returns the side the organization is on (the child's, when it is on both).
   */
  async recordFollowUp(viewer: Viewer, organizationId: string, helpRecordId: string, notes: string): Promise<HelpSide> {
    requireOrgRole(viewer, organizationId, [...PROJECT_ROLES, ...CHILD_RECORD_ROLES]);
    return this.deps.db.transaction(async (tx) => {
      const party = await this.partyRecord(tx, organizationId, helpRecordId);
      // Each side acts through the people who do its part: project staff, or the child's caseworkers.
      const roles = [...(party.projectOrganizationId === organizationId ? PROJECT_ROLES : []), ...(party.needOrganizationId === organizationId ? CHILD_RECORD_ROLES : [])];
      const { actor } = requireOrgRole(viewer, organizationId, roles);
      if (party.record.status !== 'in_progress') throw new RuleViolationError('matching_ui.help.not_in_progress');
      const today = this.today();
      const [due] = await tx
        .select({ id: followUps.id })
        .from(followUps)
        .where(and(eq(followUps.helpRecordId, helpRecordId), isNull(followUps.doneOn)))
        .orderBy(asc(followUps.dueOn))
        .limit(1);
      const id = due?.id ?? crypto.randomUUID();
      const done = { doneOn: today, notes: this.deps.cipher.encrypt(notes, this.notesContext(id)), doneBy: actor.userId };
      if (due) await tx.update(followUps).set(done).where(eq(followUps.id, id));
      else await tx.insert(followUps).values({ id, helpRecordId, dueOn: today, ...done });
      const next = nextFollowUp(today, party.record.endOn);
      if (next) await tx.insert(followUps).values({ helpRecordId, dueOn: next });
      await tx.update(helpRecords).set({ nextFollowUpOn: next }).where(eq(helpRecords.id, helpRecordId));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'help.follow_up', subjectType: 'help_record', subjectId: helpRecordId, detail: { next } }, tx);
      return party.needOrganizationId === organizationId ? 'need' : 'project';
    });
  }

  /**
   * The need's organization closes help with an outcome and a short evaluation. Only "met" makes
   * the need met; any other outcome puts it back for matching. The closing evaluation stands for
   * the follow-up that was due. The helping organization cannot close its own help: its
   * evaluation (社会组织评估) would otherwise grade itself.
   */
  async close(viewer: Viewer, organizationId: string, helpRecordId: string, outcome: HelpOutcome, evaluation: string): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, CHILD_RECORD_ROLES);
    const needId = await this.deps.db.transaction(async (tx) => {
      const party = await this.partyRecord(tx, organizationId, helpRecordId);
      if (party.needOrganizationId !== organizationId) throw new NotFoundError('help record');
      if (party.record.status !== 'in_progress') throw new RuleViolationError('matching_ui.help.not_in_progress');
      const today = this.today();
      await tx
        .update(helpRecords)
        .set({ status: 'closed', outcome, evaluation: this.deps.cipher.encrypt(evaluation, this.evaluationContext(helpRecordId)), closedBy: actor.userId, closedAt: this.now(), nextFollowUpOn: null })
        .where(eq(helpRecords.id, helpRecordId));
      await tx.update(followUps).set({ doneOn: today, doneBy: actor.userId }).where(and(eq(followUps.helpRecordId, helpRecordId), isNull(followUps.doneOn)));
      // A need withdrawn while being helped stays withdrawn; the help is still closed and evaluated.
      const [need] = await tx.select({ status: needs.status }).from(needs).where(eq(needs.id, party.record.needId));
      if (need.status === 'being_helped') await this.deps.needs.advance(tx, party.record.needId, 'being_helped', needStatusAfterClose(outcome));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'help.close', subjectType: 'help_record', subjectId: helpRecordId, detail: { outcome } }, tx);
      return party.record.needId;
    });
    if (needStatusAfterClose(outcome) === 'published') {
      await this.deps.rematch({ needIds: [needId] }).catch((err) => this.deps.logger.warn('matching after a help record closed failed', { err }));
    }
  }

  /**
   * Help records of one side of an organization, in progress first (overdue ones first among
   * them), then the latest closed ones; each with its follow-ups and whether one is overdue.
   */
  async forOrganization(viewer: Viewer, organizationId: string, side: HelpSide): Promise<{ records: HelpRecordView[]; overdueCount: number }> {
    requireOrgRole(viewer, organizationId, side === 'project' ? PROJECT_ROLES : CHILD_RECORD_ROLES);
    const where: SQL = side === 'project' ? eq(projects.organizationId, organizationId) : eq(needs.organizationId, organizationId);
    const rows = await this.deps.db
      .select({ r: helpRecords, childId: needs.childId, publicCode: publishedNeeds.publicCode })
      .from(helpRecords)
      .innerJoin(needs, eq(needs.id, helpRecords.needId))
      .innerJoin(projects, eq(projects.id, helpRecords.projectId))
      .leftJoin(publishedNeeds, eq(publishedNeeds.needId, helpRecords.needId))
      .where(where)
      .orderBy(sql`${helpRecords.status} = 'in_progress' desc`, asc(helpRecords.nextFollowUpOn), desc(helpRecords.closedAt), asc(helpRecords.id))
      .limit(RECORDS_SHOWN);
    const ids = rows.map((r) => r.r.id);
    const [fus, titles] = await Promise.all([
      ids.length ? this.deps.db.select().from(followUps).where(inArray(followUps.helpRecordId, ids)).orderBy(asc(followUps.dueOn), asc(followUps.createdAt)) : Promise.resolve([]),
      this.deps.projects.titles([...new Set(rows.map((r) => r.r.projectId))]),
    ]);
    const today = this.today();
    const byRecord = new Map<string, FollowUpView[]>();
    for (const f of fus) {
      const view = { dueOn: f.dueOn, doneOn: f.doneOn, notes: f.notes ? this.deps.cipher.decrypt(f.notes, this.notesContext(f.id)) : null, overdue: isOverdue(f.dueOn, f.doneOn, today) };
      byRecord.set(f.helpRecordId, [...(byRecord.get(f.helpRecordId) ?? []), view]);
    }
    const records = rows.map(({ r, childId, publicCode }) => {
      const list = byRecord.get(r.id) ?? [];
      const project = titles.get(r.projectId);
      return {
        id: r.id,
        status: r.status,
        outcome: r.outcome,
        evaluation: r.evaluation ? this.deps.cipher.decrypt(r.evaluation, this.evaluationContext(r.id)) : null,
        needId: r.needId,
        childId: side === 'need' ? childId : null,
        publicCode,
        kind: r.kind,
        projectId: r.projectId,
        projectTitle: project?.title ?? '',
        projectOrganization: project?.organizationName ?? '',
        startOn: r.startOn,
        endOn: r.endOn,
        nextFollowUpOn: r.nextFollowUpOn,
        overdue: r.status === 'in_progress' && list.some((f) => f.overdue),
        followUps: list,
      };
    });
    records.sort((a, b) => Number(b.status === 'in_progress') - Number(a.status === 'in_progress') || Number(b.overdue) - Number(a.overdue));
    return { records, overdueCount: records.filter((r) => r.overdue).length };
  }

  /**
   * Help records as the money side names them, by their projects, their ids or their need: which
   * project and need, the need's public code and kind, the status — never who the child is.
   * In progress first, then by public code.
   */
  async forSpending(scope: { projectIds: readonly string[] } | { helpRecordIds: readonly string[] } | { needId: string }): Promise<SpendingHelpRecord[]> {
    const where = 'needId' in scope ? eq(helpRecords.needId, scope.needId) : 'projectIds' in scope ? (scope.projectIds.length ? inArray(helpRecords.projectId, [...scope.projectIds]) : undefined) : scope.helpRecordIds.length ? inArray(helpRecords.id, [...scope.helpRecordIds]) : undefined;
    if (!where) return [];
    return this.deps.db
      .select({ id: helpRecords.id, projectId: helpRecords.projectId, needId: helpRecords.needId, publicCode: publishedNeeds.publicCode, kind: helpRecords.kind, status: helpRecords.status })
      .from(helpRecords)
      .leftJoin(publishedNeeds, eq(publishedNeeds.needId, helpRecords.needId))
      .where(where)
      .orderBy(sql`${helpRecords.status} = 'in_progress' desc`, asc(publishedNeeds.publicCode), asc(helpRecords.id));
  }

  /**
   * Follow-ups of help in progress whose day passed undone by `today`, with both organizations
   * and the need's public code: for the reminders sent to each side.
   */
  async overdueFollowUps(today: string): Promise<Array<{ followUpId: string; dueOn: string; helpRecordId: string; needOrganizationId: string; projectOrganizationId: string; publicCode: string | null }>> {
    return this.deps.db
      .select({ followUpId: followUps.id, dueOn: followUps.dueOn, helpRecordId: helpRecords.id, needOrganizationId: needs.organizationId, projectOrganizationId: projects.organizationId, publicCode: publishedNeeds.publicCode })
      .from(followUps)
      .innerJoin(helpRecords, eq(helpRecords.id, followUps.helpRecordId))
      .innerJoin(needs, eq(needs.id, helpRecords.needId))
      .innerJoin(projects, eq(projects.id, helpRecords.projectId))
      .leftJoin(publishedNeeds, eq(publishedNeeds.needId, helpRecords.needId))
      .where(and(eq(helpRecords.status, 'in_progress'), isNull(followUps.doneOn), lt(followUps.dueOn, today)))
      .orderBy(asc(followUps.dueOn), asc(followUps.id));
  }

  /**
   * 社会组织评估 of the organization as a helper, computed in SQL over the help records of its
   * projects: the share closed as met, follow-ups overdue now, and the average days from the
   * proposal to the start of help.
   */
  async evaluation(organizationId: string): Promise<OrganizationEvaluation> {
    const today = this.today();
    const [[figures], [{ overdue }]] = await Promise.all([
      this.deps.db
        .select({
          total: sql<number>`count(*)::int`,
          closed: sql<number>`(count(*) filter (where ${helpRecords.status} = 'closed'))::int`,
          met: sql<number>`(count(*) filter (where ${helpRecords.outcome} = 'met'))::int`,
          // Proposal times are instants; the start is a day in China's calendar.
          avgDays: sql<string | null>`avg(${helpRecords.startOn} - (${matchProposals.proposedAt} at time zone 'Asia/Shanghai')::date)`,
        })
        .from(helpRecords)
        .innerJoin(projects, eq(projects.id, helpRecords.projectId))
        .innerJoin(matchProposals, eq(matchProposals.id, helpRecords.proposalId))
        .where(eq(projects.organizationId, organizationId)),
      this.deps.db
        .select({ overdue: sql<number>`count(*)::int` })
        .from(followUps)
        .innerJoin(helpRecords, eq(helpRecords.id, followUps.helpRecordId))
        .innerJoin(projects, eq(projects.id, helpRecords.projectId))
        .where(and(eq(projects.organizationId, organizationId), eq(helpRecords.status, 'in_progress'), isNull(followUps.doneOn), lt(followUps.dueOn, today))),
    ]);
    return {
      helpRecords: figures.total,
      closed: figures.closed,
      metPercent: figures.closed > 0 ? Math.round((figures.met / figures.closed) * 100) : null,
      overdueFollowUps: overdue,
      averageDaysToStart: figures.avgDays === null ? null : Math.round(Number(figures.avgDays) * 10) / 10,
    };
  }
}
