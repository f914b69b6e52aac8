import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { disclosures, helpRecords, projects as projectsTable } from '../db/schema';
import type { AuditService } from '../audit/audit.service';
import { chinaDate } from '../children/id-number.rules';
import type { DonationsService, PublicGift } from '../donations/donations.service';
import type { ExpendituresService, PostedExpenditure, PublicExpenditure } from '../expenditures/expenditures.service';
import { allocateFifo, condensedGiftLine, spendingLine, type Allocation, type DisclosureStatus, type GiftAllocation } from '../ledger/ledger.rules';
import type { ChainHead, FundFigures, LedgerService } from '../ledger/ledger.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import { NotFoundError, RuleViolationError } from '../lib/errors';
import type { OrganizationsService } from '../organizations/organizations.service';
import type { HelpRecordsService } from '../matching/help-records.service';
import type { NeedsService } from '../needs/needs.service';
import type { ServedNeedView } from '../needs/needs.projections';
import { annualReportStatus, categoryBreakdown, disclosureHistory, disclosureNotice, type FigureChange, giftLockout, helpReceived, projectDisclosureStatus, shareBp, type AnnualStatus, type DisclosureKind, type HelpReceived } from './funds.rules';
import type { DisclosureInput } from './funds.schemas';
import type { DisclosureFiling } from './funds.export';
import type { DisclosureLockout } from './disclosure-lockout';
import type { Reminder } from '../notifications/reminders';
import { isPublicProject, takesGifts, type FundedProject, type ProjectDirectory } from './project-directory';

export interface FundsDeps {
  db: Database;
  ledger: LedgerService;
  donations: DonationsService;
  expenditures: ExpendituresService;
  organizations: OrganizationsService;
  projects: ProjectDirectory;
  lockout: DisclosureLockout;
  audit: AuditService;
  /** Which need each help record a spending named is for (matching's). */
  helpRecords: Pick<HelpRecordsService, 'forSpending'>;
  /** What the public sees of those needs. */
  needs: Pick<NeedsService, 'servedViews' | 'listedNeedId'>;
  now?: () => Date;
}

/** Who publishes an organization's disclosures. */
export const DISCLOSURE_ROLES = ['finance', 'admin'] as const;

export interface DisclosureView {
  id: string;
  projectId: string | null;
  kind: DisclosureKind;
  periodStart: string;
  periodEnd: string;
  publishedAt: Date;
  note: string;
  corrects: string | null;
  correctionReason: string | null;
  figures: Record<string, unknown>;
  /** The latest correction of this disclosure, when corrected: it stays visible, marked superseded. */
  supersededBy: string | null;
  /** For a correction: each figure it changed, old and new. */
  changes: FigureChange[];
}

/** A fund-use report: what a project or an organization raised, spent (by category) and holds, and what it disclosed when. */
export interface FundReport {
  scope: 'project' | 'organization';
  organization: { id: string; name: string };
  project: FundedProject | null;
  generatedAt: Date;
  /** The chain head the figures were read at: anyone can check them against the exported ledger. */
  head: ChainHead;
  figures: FundFigures;
  /** Gifts kept: received − refunded − disputed − fees. */
  keptFen: number;
  categories: ReturnType<typeof categoryBreakdown>;
  adminShareBp: number | null;
  giftCount: number;
  /** Children helped, a count only; null until the projects and matching areas report it. */
  childrenHelped: number | null;
  disclosures: DisclosureView[];
  disclosureStatus: DisclosureStatus | null;
  /** The overdue disclosure that stops this project taking gifts (`giftLockout`), or null. */
  giftLockout: DisclosureStatus | null;
  annualStatus: AnnualStatus | null;
  /** For an organization: each of its funds (general first), with its figures and disclosure status. */
  funds: Array<{ project: FundedProject | null; projectId: string | null; figures: FundFigures; disclosureStatus: DisclosureStatus | null }>;
  /** Posted spending with its public receipts (redacted copies). */
  /** Newest first, each with the needs it served (public projection only). */
  expenditures: Array<PublicExpenditure & { served: ServedNeeds }>;
  recentGifts: PublicGift[];
}

/** The needs one spending served, as the public may see them; none and none withdrawn: not tied to a specific need. */
export interface ServedNeeds {
  needs: ServedNeedView[];
  /** Needs it served that were withdrawn since: counted, not shown. */
  withdrawn: number;
}

/** Where one gift went: the expenditures it paid for (each with the needs it served) and what of it is unspent. */
export interface GiftUse {
  spentFen: number;
  unspentFen: number;
  refundedFen: number;
  payments: Array<{ amountFen: number; expenditure: PostedExpenditure; served: ServedNeeds }>;
}

/** A need's "help received" on its public page: gifts and fen that reached it, and the projects that helped it — never who gave. */
export interface NeedHelp extends HelpReceived {
  projects: Array<{ id: string; title: string }>;
}

/**
 * Public fund-use reports per project and per organization, the disclosures organizations make
 * from them (a correction is a new disclosure, never an edit), disclosure deadlines, and where each
 * gift went (first-in first-out allocation of a fund's gifts to its spending).
 */
export class FundsService {
  private readonly now: () => Date;
  constructor(private readonly deps: FundsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * How many children a project (or all of an organization's projects) has helped: distinct
   * children with a help record, running or closed — a count, never who. The same child
   * registered by two organizations shares one child key, so is counted once.
   */
  private async childrenHelped(scope: { projectId?: string; organizationId?: string }): Promise<number> {
    const [{ n }] = await this.deps.db
      .select({ n: sql<number>`count(distinct ${helpRecords.childKey})::int` })
      .from(helpRecords)
      .innerJoin(projectsTable, eq(projectsTable.id, helpRecords.projectId))
      .where(scope.projectId ? eq(helpRecords.projectId, scope.projectId) : eq(projectsTable.organizationId, scope.organizationId!));
    return n;
  }

  /** The public report of one project's money. */
  async projectReport(projectId: string): Promise<FundReport> {
    const project = (await this.deps.projects.find([projectId])).get(projectId);
    if (!project || !isPublicProject(project)) throw new NotFoundError('project');
    const organization = await this.deps.organizations.publicProfile(project.organizationId);
    const [head, figures, published, expenditures, recentGifts, counted] = await Promise.all([
      this.deps.ledger.head(),
      this.deps.ledger.figures({ orgId: organization.id, projectId }),
      this.disclosuresOf(organization.id, projectId),
      this.deps.expenditures.publicList(organization.id, projectId),
      this.deps.donations.recentPublic(organization.id, projectId),
      this.deps.donations.countReceived(organization.id, projectId),
    ]);
    const today = this.now();
    const disclosureStatus = projectDisclosureStatus(project, published, today);
    return {
      ...this.summary(figures),
      scope: 'project',
      organization: { id: organization.id, name: organization.name },
      project,
      generatedAt: today,
      head,
      giftCount: counted.gifts,
      childrenHelped: await this.childrenHelped({ projectId }),
      disclosures: published,
      disclosureStatus,
      giftLockout: takesGifts(project) ? giftLockout(disclosureStatus) : null,
      annualStatus: null,
      funds: [],
      expenditures: await this.withServedNeeds(expenditures),
      recentGifts,
    };
  }

  /** The public report of an organization's money: all its funds together, and each fund on its own line. */
  async organizationReport(organizationId: string): Promise<FundReport> {
    const organization = await this.deps.organizations.publicProfile(organizationId);
    const [head, figures, byFund, published, expenditures, recentGifts, counted, firstYear, allProjects] = await Promise.all([
      this.deps.ledger.head(),
      this.deps.ledger.figures({ orgId: organizationId }),
      this.deps.ledger.figuresByFund(organizationId),
      this.disclosuresOf(organizationId),
      this.deps.expenditures.publicList(organizationId),
      this.deps.donations.recentPublic(organizationId, undefined),
      this.deps.donations.countReceived(organizationId, undefined),
      this.deps.ledger.firstActiveYear(organizationId),
      this.deps.projects.forOrganization(organizationId),
    ]);
    const today = this.now();
    const projectList = allProjects.filter(isPublicProject);
    const projects = new Map(projectList.map((p) => [p.id, p]));
    const fundIds = new Set<string | null>([null, ...projectList.map((p) => p.id), ...byFund.keys()]);
    const funds = [...fundIds].map((projectId) => {
      const project = projectId === null ? null : (projects.get(projectId) ?? null);
      const ofProject = published.filter((d) => d.projectId === projectId);
      return { project, projectId, figures: byFund.get(projectId) ?? emptyFigures(), disclosureStatus: project ? projectDisclosureStatus(project, ofProject, today) : null };
    });
    return {
      ...this.summary(figures),
      scope: 'organization',
      organization: { id: organization.id, name: organization.name },
      project: null,
      generatedAt: today,
      head,
      giftCount: counted.gifts,
      childrenHelped: await this.childrenHelped({ organizationId }),
      disclosures: published,
      disclosureStatus: null,
      giftLockout: null,
      annualStatus: annualReportStatus(firstYear, published.filter((d) => d.projectId === null), today),
      funds,
      expenditures: await this.withServedNeeds(expenditures),
      recentGifts,
    };
  }

  private summary(figures: FundFigures) {
    return {
      figures,
      keptFen: figures.donationsFen - figures.refundsFen - figures.disputesFen - figures.feesFen,
      categories: categoryBreakdown(figures.spentByCategory),
      adminShareBp: shareBp(figures.spentByCategory.administration, figures.spentFen),
    };
  }

  /** Disclosures of an organization (or one of its projects), newest first. */
  async disclosuresOf(organizationId: string, projectId?: string): Promise<DisclosureView[]> {
    const where = [eq(disclosures.organizationId, organizationId)];
    if (projectId !== undefined) where.push(eq(disclosures.projectId, projectId));
    const rows = await this.deps.db.select().from(disclosures).where(and(...where)).orderBy(desc(disclosures.publishedAt));
    return disclosureHistory(rows.map((d) => ({ ...d, kind: d.kind as DisclosureKind })));
  }

  /** Finance or an admin publishes a disclosure; its figures are the report's at that moment, with the chain head they were read at. */
  async publishDisclosure(viewer: Viewer, organizationId: string, input: DisclosureInput): Promise<{ id: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, DISCLOSURE_ROLES);
    const report = input.projectId ? await this.projectReport(input.projectId) : await this.organizationReport(organizationId);
    if (report.organization.id !== organizationId) throw new NotFoundError('project');
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(disclosures)
        .values({ organizationId, projectId: input.projectId, kind: input.disclosureKind, periodStart: input.periodStart, periodEnd: input.periodEnd, publishedBy: actor.userId, publishedAt: this.now(), figures: disclosedFigures(report), note: input.disclosureNote })
        .returning({ id: disclosures.id });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'disclosure.publish', subjectType: 'disclosure', subjectId: row.id, detail: { kind: input.disclosureKind, projectId: input.projectId } }, tx);
      return row;
    });
  }

  /** Publishes a correction of an earlier disclosure: a new disclosure naming it and the reason; the earlier one stays as it was. */
  async correctDisclosure(viewer: Viewer, organizationId: string, disclosureId: string, input: { reason: string; disclosureNote: string }): Promise<{ id: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, DISCLOSURE_ROLES);
    const [original] = await this.deps.db.select().from(disclosures).where(and(eq(disclosures.id, disclosureId), eq(disclosures.organizationId, organizationId)));
    if (!original) throw new NotFoundError('disclosure');
    if (original.kind === 'correction') throw new RuleViolationError('funds.correction.of_correction');
    const report = original.projectId ? await this.projectReport(original.projectId) : await this.organizationReport(organizationId);
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(disclosures)
        .values({ organizationId, projectId: original.projectId, kind: 'correction', periodStart: original.periodStart, periodEnd: original.periodEnd, publishedBy: actor.userId, publishedAt: this.now(), figures: disclosedFigures(report), note: input.disclosureNote, corrects: original.id, correctionReason: input.reason })
        .returning({ id: disclosures.id });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'disclosure.correct', subjectType: 'disclosure', subjectId: row.id, reason: input.reason, detail: { corrects: original.id } }, tx);
      return row;
    });
  }

  /** One published disclosure of a public project, with whose it is: what the charity-platform export files. Disclosures are public, as the report page shows them. */
  async disclosureFiling(projectId: string, disclosureId: string): Promise<DisclosureFiling> {
    const project = (await this.deps.projects.find([projectId])).get(projectId);
    if (!project || !isPublicProject(project)) throw new NotFoundError('project');
    const disclosure = (await this.disclosuresOf(project.organizationId, projectId)).find((d) => d.id === disclosureId);
    if (!disclosure) throw new NotFoundError('disclosure');
    const organization = await this.deps.organizations.publicProfile(project.organizationId);
    return { organization: { id: organization.id, name: organization.name }, project: { id: project.id, title: project.title }, disclosure };
  }

  /** The finance workspace's view of disclosures: every fund's status and the disclosures made. */
  async disclosureWorkspace(viewer: Viewer, organizationId: string) {
    requireOrgRole(viewer, organizationId, DISCLOSURE_ROLES);
    const report = await this.organizationReport(organizationId);
    return { funds: report.funds, disclosures: report.disclosures, annualStatus: report.annualStatus };
  }

  /**
   * Rule: 30 and 7 days before a project's disclosure falls due, and once it is overdue (and the
   * project locked out of gifts), its organization's admins and finance are told. Keys name the
   * project, the disclosure owed (kind and due day) and the notice, so the runner sends each once;
   * publishing the disclosure moves the due day and starts a new series.
   */
  async disclosureReminders(now: Date): Promise<Reminder[]> {
    const projects = await this.deps.projects.allPublic();
    const statuses = await this.deps.lockout.statuses(projects, now);
    const out: Reminder[] = [];
    for (const p of projects) {
      const status = statuses.get(p.id) ?? null;
      const notice = disclosureNotice(status, now);
      if (!status || !notice) continue;
      const dueDay = chinaDate(status.due);
      out.push({
        key: `disclosure:${p.id}:${status.kind}-${dueDay}:${notice}`,
        audience: { organizationId: p.organizationId, roles: DISCLOSURE_ROLES },
        kind: notice === 'overdue' ? 'report_overdue' : 'report_due',
        params: { project: p.title, disclosureKind: status.kind, due: dueDay, daysOverdue: status.daysOverdue },
        link: `/org/${p.organizationId}/disclosures`,
      });
    }
    return out;
  }

  /** Where each gift of one fund went: FIFO allocation of the fund's received gifts to its posted spending. */
  async allocation(organizationId: string, projectId: string | null): Promise<Map<string, GiftUse>> {
    const { allocated, spending } = await this.fundAllocation(organizationId, projectId);
    const served = await this.servedNeeds(paidFor(allocated.gifts));
    return new Map(allocated.gifts.map((g) => [g.giftId, giftUse(g, spending, served)]));
  }

  /** FIFO allocation of one fund's received gifts to its posted spending, with that spending by id. */
  private async fundAllocation(organizationId: string, projectId: string | null): Promise<{ allocated: Allocation; spending: Map<string, PostedExpenditure> }> {
    const [gifts, spending] = await Promise.all([this.deps.donations.giftsForAllocation(organizationId, projectId), this.deps.expenditures.postedForFund(organizationId, projectId)]);
    return { allocated: allocateFifo(gifts, spending.map(fifoSpending)), spending: new Map(spending.map((e) => [e.id, e])) };
  }

  /**
   * Where one gift went, without reading the fund's other gifts one by one: first-in first-out
   * allocation only depends on how much the earlier gifts kept, so they enter `allocateFifo` as
   * one gift of that sum placed first, and this gift's share comes out the same as in `allocation`.
   */
  async giftUse(gift: PublicGift): Promise<GiftUse | null> {
    if (!gift.receivedAt) return null;
    const [before, spending] = await Promise.all([this.deps.donations.keptBefore({ ...gift, receivedAt: gift.receivedAt }), this.deps.expenditures.postedForFund(gift.organizationId, gift.projectId)]);
    const gifts = [{ id: gift.id, projectId: gift.projectId, receivedAt: gift.receivedAt, amountFen: gift.amountFen, refundedFen: gift.refundedFen + gift.disputedFen }];
    if (before > 0) gifts.unshift({ id: '', projectId: gift.projectId, receivedAt: new Date(0), amountFen: before, refundedFen: 0 });
    const own = allocateFifo(gifts, spending.map(fifoSpending)).gifts.find((g) => g.giftId === gift.id)!;
    return giftUse(own, new Map(spending.map((e) => [e.id, e])), await this.servedNeeds(paidFor([own])));
  }

  /** The needs each spending served, by need id, through the help records it named; a spending naming none is absent. */
  private async needsServedBy(expenditureIds: readonly string[]): Promise<Map<string, string[]>> {
    const links = await this.deps.expenditures.servedBy(expenditureIds);
    const needOf = new Map((await this.deps.helpRecords.forSpending({ helpRecordIds: [...new Set([...links.values()].flat())] })).map((h) => [h.id, h.needId]));
    return new Map([...links].map(([id, records]) => [id, [...new Set(records.map((r) => needOf.get(r)!))]]));
  }

  /** Public spending with the needs each served, for the fund-use reports. */
  private async withServedNeeds(list: PublicExpenditure[]): Promise<Array<PublicExpenditure & { served: ServedNeeds }>> {
    const served = await this.servedNeeds(list.map((e) => e.id));
    return list.map((e) => ({ ...e, served: served.get(e.id)! }));
  }

  /** What the public sees of the needs each spending served (`ServedNeedView`, by public code). */
  private async servedNeeds(expenditureIds: readonly string[]): Promise<Map<string, ServedNeeds>> {
    const served = await this.needsServedBy(expenditureIds);
    const views = await this.deps.needs.servedViews([...new Set([...served.values()].flat())]);
    return new Map(
      expenditureIds.map((id) => {
        const needIds = served.get(id) ?? [];
        const shown = needIds.flatMap((n) => views.get(n) ?? []).sort((a, b) => a.publicCode.localeCompare(b.publicCode));
        return [id, { needs: shown, withdrawn: needIds.length - shown.length }];
      }),
    );
  }

  /**
   * A listed need's "help received": the gifts whose FIFO allocation paid for posted spending
   * tied to it and the fen that reached it (`helpReceived`: a spending serving several needs counts
   * in equal shares), and the public projects with help records for it. Counts only, never a donor.
   */
  async needHelp(publicCode: string): Promise<NeedHelp> {
    const needId = await this.deps.needs.listedNeedId(publicCode);
    const records = await this.deps.helpRecords.forSpending({ needId });
    const [directory, spending] = await Promise.all([this.deps.projects.find([...new Set(records.map((r) => r.projectId))]), this.deps.expenditures.postedServing(records.map((r) => r.id))]);
    const projects = [...directory.values()].filter(isPublicProject).map((p) => ({ id: p.id, title: p.title }));
    const served = await this.needsServedBy(spending.map((e) => e.id));
    const wanted = new Set(spending.map((e) => e.id));
    const funding = [];
    // One fund at a time: PGlite has one connection, and a need is helped by few projects. Only
    // the gifts that reach this need's spending are read: a fund may hold 100,000 gifts.
    for (const fund of new Map(spending.map((e) => [`${e.organizationId}:${e.projectId}`, e])).values()) {
      const fundSpending = (await this.deps.expenditures.postedForFund(fund.organizationId, fund.projectId)).map(fifoSpending);
      const line = spendingLine(fundSpending);
      const gifts = await this.deps.donations.giftsReaching(fund.organizationId, fund.projectId, [...wanted].flatMap((id) => line.get(id) ?? []));
      funding.push(...allocateFifo(condensedGiftLine(gifts), fundSpending).expenditures.filter((e) => wanted.has(e.expenditureId)));
    }
    return { ...helpReceived(funding, served, needId), projects: projects.sort((a, b) => a.title.localeCompare(b.title, 'zh-CN')) };
  }

  /** A gift's public receipt: the gift, who received it, and — once received — what it paid for and what is unspent. */
  async giftReceipt(receiptCode: string) {
    const gift = await this.deps.donations.byReceiptCode(receiptCode);
    const [organization, projects, use] = await Promise.all([this.deps.organizations.publicProfile(gift.organizationId), this.deps.projects.find(gift.projectId ? [gift.projectId] : []), this.giftUse(gift)]);
    return { gift, organization, project: gift.projectId ? (projects.get(gift.projectId) ?? null) : null, use };
  }

  /** The signed-in donor's gifts, each with where it went. */
  async donorGifts(viewer: Viewer) {
    const gifts = await this.deps.donations.history(viewer);
    const projects = await this.deps.projects.find([...new Set(gifts.flatMap((g) => (g.projectId ? [g.projectId] : [])))]);
    const names = new Map<string, string>();
    for (const g of gifts) {
      if (!names.has(g.organizationId)) names.set(g.organizationId, (await this.deps.organizations.publicProfile(g.organizationId).catch(() => null))?.name ?? '');
    }
    const out = [];
    // One gift at a time: PGlite has one connection, and a donor has few gifts.
    for (const gift of gifts) {
      out.push({ gift, organizationName: names.get(gift.organizationId) ?? '', project: gift.projectId ? (projects.get(gift.projectId) ?? null) : null, use: await this.giftUse(gift) });
    }
    return out;
  }

  /** The public transparency page: the chain head, recent entries and the organizations with money in the ledger. */
  async transparency() {
    const [head, recent, orgIds] = await Promise.all([this.deps.ledger.head(), this.deps.ledger.recent(20), this.deps.ledger.organizationsWithEntries()]);
    const organizations = (await Promise.all(orgIds.map((id) => this.deps.organizations.publicProfile(id).catch(() => null)))).filter((o) => o !== null);
    return { head, recent, organizations };
  }

  /** Organization-level disclosures only (annual reports and their corrections). */
  async organizationDisclosures(organizationId: string) {
    return this.deps.db.select().from(disclosures).where(and(eq(disclosures.organizationId, organizationId), isNull(disclosures.projectId))).orderBy(desc(disclosures.publishedAt));
  }
}

const NOT_TIED: ServedNeeds = { needs: [], withdrawn: 0 };

function giftUse(g: GiftAllocation, expenditures: Map<string, PostedExpenditure>, served: Map<string, ServedNeeds>): GiftUse {
  return { spentFen: g.spentFen, unspentFen: g.unspentFen, refundedFen: g.refundedFen, payments: g.payments.map((p) => ({ amountFen: p.amountFen, expenditure: expenditures.get(p.expenditureId)!, served: served.get(p.expenditureId) ?? NOT_TIED })) };
}

/** The spending these gifts paid some of, each once. */
const paidFor = (gifts: readonly GiftAllocation[]): string[] => [...new Set(gifts.flatMap((g) => g.payments.map((p) => p.expenditureId)))];

const fifoSpending = (e: PostedExpenditure) => ({ id: e.id, projectId: e.projectId, postedAt: e.postedAt, amountFen: e.amountFen, category: e.category });

function emptyFigures(): FundFigures {
  return { donationsFen: 0, refundsFen: 0, disputesFen: 0, feesFen: 0, spentFen: 0, heldFen: 0, spentByCategory: { goods: 0, school_aid: 0, medical: 0, psychological: 0, activities: 0, administration: 0 } };
}

/** What a disclosure freezes of a report: its figures and the chain head they were read at. */
function disclosedFigures(report: FundReport): Record<string, unknown> {
  return { ...report.figures, keptFen: report.keptFen, adminShareBp: report.adminShareBp, giftCount: report.giftCount, childrenHelped: report.childrenHelped, chainHead: report.head };
}
