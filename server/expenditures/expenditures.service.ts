import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { expenditureEvidence, expenditureHelpRecords, expenditures } from '../db/schema';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type { EvidenceService, UploadedFile } from '../evidence/evidence.service';
import type { PublicReceipt } from '../evidence/evidence.projections';
import type { ReceiptOwner, RedactionsService } from '../evidence/redactions.service';
import { isPublicProject, type ProjectDirectory } from '../funds/project-directory';
import { fundRef, type LedgerService } from '../ledger/ledger.service';
import { requireOrgRole, type Viewer } from '../lib/authorization';
import { NotFoundError, RuleViolationError } from '../lib/errors';
import { formatFen } from '../lib/money';
import type { Translate } from '../lib/i18n';
import { fieldError } from '../lib/validate';
import type { HelpRecordsService, SpendingHelpRecord } from '../matching/help-records.service';
import { expenditureTransaction, helpRecordsOutside, mayDecide, overspends, type ExpenseCategory } from './expenditures.rules';
import type { ExpenditureInput } from './expenditures.schemas';
import type { Notifier } from '../notifications/notifications.service';

export interface ExpendituresDeps {
  db: Database;
  ledger: LedgerService;
  evidence: EvidenceService;
  projects: ProjectDirectory;
  audit: AuditService;
  accounts: AccountsService;
  /** Public receipts: the redacted copies of evidence files. */
  redactions: Pick<RedactionsService, 'publicReceipts' | 'statusOf'>;
  /** The help records a project's spending may name as served (matching's). */
  helpRecords: Pick<HelpRecordsService, 'forSpending'>;
  /** Tells approvers of spending to decide and recorders of the decision, after it committed. */
  notifications?: Notifier;
  now?: () => Date;
}

/** Who approves, rejects and reverses spending: a second person holding one of these roles. */
export const APPROVER_ROLES = ['finance', 'admin'] as const;

type ExpenditureRow = typeof expenditures.$inferSelect;

const SERVED_SLICE = 10_000;

/** A posted spending as the public and the allocation of gifts see it: no payee, no evidence. */
export interface PostedExpenditure {
  id: string;
  organizationId: string;
  projectId: string | null;
  category: ExpenseCategory;
  amountFen: number;
  spentOn: string;
  payeeType: string;
  description: string;
  postedAt: Date;
}

/** A posted spending on the public reports, with its receipts: each evidence file's confirmed redacted copy, or "being redacted". */
export interface PublicExpenditure extends PostedExpenditure {
  receipts: PublicReceipt[];
}

/** The organization's expenditure, locked for the rest of `tx`; not found when it is another's or none. */
async function lockedExpenditure(tx: Tx, organizationId: string, expenditureId: string): Promise<ExpenditureRow> {
  const [e] = await tx.select().from(expenditures).where(and(eq(expenditures.id, expenditureId), eq(expenditures.organizationId, organizationId))).for('update');
  if (!e) throw new NotFoundError('expenditure');
  return e;
}

const posted = (e: ExpenditureRow): PostedExpenditure => ({
  id: e.id,
  organizationId: e.organizationId,
  projectId: e.projectId,
  category: e.category as ExpenseCategory,
  amountFen: e.amountFen,
  spentOn: e.spentOn,
  payeeType: e.payeeType,
  description: e.description,
  postedAt: e.postedAt!,
});

/**
 * Spending: finance records it with evidence; a second person (finance or admin, never the
 * author) approves it after giving their password again, and only then is it posted to the ledger —
 * refused when the fund does not hold the money. A posted spending found wrong is reversed, not edited.
 */
export class ExpendituresService {
  private readonly now: () => Date;
  constructor(private readonly deps: ExpendituresDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Finance records a spending with its evidence files, and may name the help records of its
   * project it served; refused at once when the fund cannot pay for it, or when a named help record
   * is not the project's (nothing is saved).
   */
  async record(viewer: Viewer, organizationId: string, input: ExpenditureInput, files: UploadedFile[], t: Translate): Promise<{ id: string }> {
    const { actor } = requireOrgRole(viewer, organizationId, ['finance']);
    if (input.projectId) {
      const project = (await this.deps.projects.find([input.projectId])).get(input.projectId);
      if (!project || project.organizationId !== organizationId || !isPublicProject(project)) throw new NotFoundError('project');
    }
    if (input.helpRecordIds.length) {
      const places = new Map((await this.deps.helpRecords.forSpending({ helpRecordIds: input.helpRecordIds })).map((h) => [h.id, h]));
      if (helpRecordsOutside(input.projectId, input.helpRecordIds, places).length) throw fieldError(t, 'helpRecordIds', input.projectId ? 'expenditures.help_records.other_project' : 'expenditures.help_records.general_fund');
    }
    this.deps.evidence.check(files, t);
    // Checked again, authoritatively, at approval; here it spares a second person approving the impossible.
    const balance = await this.deps.ledger.fundBalance(this.deps.db, fundRef(organizationId, input.projectId));
    if (overspends(balance, input.spendingAmount)) throw new RuleViolationError('expenditures.overspend', { balance: (balance / 100).toFixed(2) });
    const recorded = await this.deps.db.transaction(async (tx) => {
      const stored = await this.deps.evidence.store(tx, organizationId, actor.userId, files);
      const [row] = await tx
        .insert(expenditures)
        .values({ organizationId, projectId: input.projectId, category: input.category, amountFen: input.spendingAmount, spentOn: input.spentOn, payeeType: input.payeeType, description: input.spendingDescription, recordedBy: actor.userId })
        .returning({ id: expenditures.id });
      await tx.insert(expenditureEvidence).values(stored.map((s) => ({ expenditureId: row.id, evidenceFileId: s.id })));
      if (input.helpRecordIds.length) await tx.insert(expenditureHelpRecords).values(input.helpRecordIds.map((helpRecordId) => ({ expenditureId: row.id, helpRecordId })));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'expenditure.record', subjectType: 'expenditure', subjectId: row.id, detail: { amountFen: input.spendingAmount, category: input.category, helpRecordIds: input.helpRecordIds } }, tx);
      return row;
    });
    await this.deps.notifications?.tell({ organizationId, roles: APPROVER_ROLES, exceptUserIds: [actor.userId] }, 'expenditure_to_approve', { amount: formatFen(input.spendingAmount) }, `/org/${organizationId}/expenditures`);
    return recorded;
  }

  /**
   * A second person approves a pending spending: password asked again, never the author, and
   * never more than the fund holds. The balance is read under the ledger's append lock, so no
   * gift refund or other spending can slip in between the check and the posting.
   */
  async approve(viewer: Viewer, organizationId: string, expenditureId: string, password: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, APPROVER_ROLES);
    await this.deps.accounts.reauthenticate(actor, password, t);
    const approved = await this.deps.db.transaction(async (tx) => {
      await this.deps.ledger.lock(tx);
      const e = await lockedExpenditure(tx, organizationId, expenditureId);
      if (e.status !== 'pending') throw new RuleViolationError('expenditures.not_pending');
      if (!mayDecide(e, actor.userId)) throw new RuleViolationError('expenditures.four_eyes');
      const fund = fundRef(organizationId, e.projectId);
      const balance = await this.deps.ledger.fundBalance(tx, fund);
      if (overspends(balance, e.amountFen)) throw new RuleViolationError('expenditures.overspend', { balance: (balance / 100).toFixed(2) });
      const postedAt = this.now();
      await this.deps.ledger.post(tx, expenditureTransaction({ ...e, category: e.category as ExpenseCategory, postedAt }, fund));
      await tx.update(expenditures).set({ status: 'posted', approvedBy: actor.userId, decidedAt: postedAt, postedAt }).where(eq(expenditures.id, e.id));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'expenditure.approve', subjectType: 'expenditure', subjectId: e.id, detail: { amountFen: e.amountFen } }, tx);
      return e;
    });
    await this.deps.notifications?.tell({ userIds: [approved.recordedBy] }, 'expenditure_approved', { amount: formatFen(approved.amountFen) }, `/org/${organizationId}/expenditures`);
  }

  /** A second person rejects a pending spending with a reason; nothing reaches the ledger. */
  async reject(viewer: Viewer, organizationId: string, expenditureId: string, reason: string): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, APPROVER_ROLES);
    const rejected = await this.deps.db.transaction(async (tx) => {
      const e = await lockedExpenditure(tx, organizationId, expenditureId);
      if (e.status !== 'pending') throw new RuleViolationError('expenditures.not_pending');
      if (!mayDecide(e, actor.userId)) throw new RuleViolationError('expenditures.four_eyes');
      await tx.update(expenditures).set({ status: 'rejected', approvedBy: actor.userId, decidedAt: this.now(), rejectionReason: reason }).where(eq(expenditures.id, e.id));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'expenditure.reject', subjectType: 'expenditure', subjectId: e.id, reason }, tx);
      return e;
    });
    await this.deps.notifications?.tell({ userIds: [rejected.recordedBy] }, 'expenditure_rejected', { amount: formatFen(rejected.amountFen) }, `/org/${organizationId}/expenditures`);
  }

  /** Corrects a posted spending found wrong by reversing its ledger transaction (password asked again); the reason is kept and audited. */
  async reverse(viewer: Viewer, organizationId: string, expenditureId: string, reason: string, password: string, t: Translate): Promise<void> {
    const { actor } = requireOrgRole(viewer, organizationId, APPROVER_ROLES);
    await this.deps.accounts.reauthenticate(actor, password, t);
    await this.deps.db.transaction(async (tx) => {
      await this.deps.ledger.lock(tx);
      const e = await lockedExpenditure(tx, organizationId, expenditureId);
      if (e.status !== 'posted') throw new RuleViolationError('expenditures.not_posted');
      const [original] = await this.deps.ledger.findByReference(tx, e.id, 'expenditure');
      await this.deps.ledger.reverse(tx, original.id, { occurredAt: this.now(), memo: `冲正：${reason}`.slice(0, 200) });
      await tx.update(expenditures).set({ status: 'reversed', reversedAt: this.now(), reversalReason: reason }).where(eq(expenditures.id, e.id));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'expenditure.reverse', subjectType: 'expenditure', subjectId: e.id, reason }, tx);
    });
  }

  /**
   * An organization's spending for its finance and admins, newest first, with evidence file names,
   * the help records each says it served (by need public code and kind: what the approver checks)
   * and who may decide.
   */
  async forOrganization(viewer: Viewer, organizationId: string, limit = 100) {
    const { actor } = requireOrgRole(viewer, organizationId, APPROVER_ROLES);
    const rows = await this.deps.db.select().from(expenditures).where(eq(expenditures.organizationId, organizationId)).orderBy(desc(expenditures.createdAt)).limit(limit);
    const links = rows.length ? await this.deps.db.select().from(expenditureEvidence).where(inArray(expenditureEvidence.expenditureId, rows.map((r) => r.id))) : [];
    const files = new Map((await this.deps.evidence.describe(this.deps.db, links.map((l) => l.evidenceFileId))).map((f) => [f.id, f]));
    const redaction = await this.deps.redactions.statusOf(links.map((l) => l.evidenceFileId));
    const served = await this.servedBy(rows.map((r) => r.id));
    const records = new Map((await this.deps.helpRecords.forSpending({ helpRecordIds: [...new Set([...served.values()].flat())] })).map((h) => [h.id, h]));
    return rows.map((e) => ({
      ...e,
      evidence: links.filter((l) => l.expenditureId === e.id).map((l) => ({ ...files.get(l.evidenceFileId)!, redaction: redaction.get(l.evidenceFileId) ?? null })),
      served: (served.get(e.id) ?? []).map((id) => records.get(id)!),
      mayDecide: e.status === 'pending' && mayDecide(e, actor.userId),
    }));
  }

  /**
   * The help records finance may name when recording a spending: those of each of the
   * organization's public projects, by need public code and kind only — never the child.
   */
  async helpRecordChoices(viewer: Viewer, organizationId: string): Promise<Array<{ project: { id: string; title: string }; records: SpendingHelpRecord[] }>> {
    // The spending page's audience: finance records, admins and finance approve (and check what was named).
    requireOrgRole(viewer, organizationId, APPROVER_ROLES);
    const projects = (await this.deps.projects.forOrganization(organizationId)).filter(isPublicProject);
    const records = await this.deps.helpRecords.forSpending({ projectIds: projects.map((p) => p.id) });
    return projects.map((p) => ({ project: { id: p.id, title: p.title }, records: records.filter((r) => r.projectId === p.id) })).filter((g) => g.records.length > 0);
  }

  /** The help records each of these spendings named as served, by spending id (a spending naming none is absent). */
  async servedBy(expenditureIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    // In slices: a fund's whole spending can be asked for at once, and a statement takes at most 65 535 parameters.
    for (let i = 0; i < expenditureIds.length; i += SERVED_SLICE) {
      const rows = await this.deps.db
        .select()
        .from(expenditureHelpRecords)
        .where(inArray(expenditureHelpRecords.expenditureId, expenditureIds.slice(i, i + SERVED_SLICE)))
        .orderBy(asc(expenditureHelpRecords.helpRecordId));
      for (const r of rows) {
        const list = out.get(r.expenditureId);
        if (list) list.push(r.helpRecordId);
        else out.set(r.expenditureId, [r.helpRecordId]);
      }
    }
    return out;
  }

  /** Posted spending that named any of these help records as served, oldest first. */
  async postedServing(helpRecordIds: readonly string[]): Promise<PostedExpenditure[]> {
    if (helpRecordIds.length === 0) return [];
    const serving = this.deps.db.select({ id: expenditureHelpRecords.expenditureId }).from(expenditureHelpRecords).where(inArray(expenditureHelpRecords.helpRecordId, [...helpRecordIds]));
    const rows = await this.deps.db
      .select()
      .from(expenditures)
      .where(and(inArray(expenditures.id, serving), eq(expenditures.status, 'posted')))
      .orderBy(asc(expenditures.postedAt), asc(expenditures.id));
    return rows.map(posted);
  }

  /** Posted spending of one fund (a project, or the general fund for null), oldest first: what gifts were allocated to. */
  async postedForFund(organizationId: string, projectId: string | null): Promise<PostedExpenditure[]> {
    const rows = await this.deps.db
      .select()
      .from(expenditures)
      .where(and(eq(expenditures.organizationId, organizationId), projectId === null ? isNull(expenditures.projectId) : eq(expenditures.projectId, projectId), eq(expenditures.status, 'posted')))
      .orderBy(asc(expenditures.postedAt), asc(expenditures.id));
    return rows.map(posted);
  }

  /** Posted spending for public reports: an organization's all, or one project's, newest first, each with its receipts (redacted copies only). */
  async publicList(organizationId: string, projectId?: string, limit = 50): Promise<PublicExpenditure[]> {
    const where = [eq(expenditures.organizationId, organizationId), eq(expenditures.status, 'posted')];
    if (projectId !== undefined) where.push(eq(expenditures.projectId, projectId));
    const rows = await this.deps.db.select().from(expenditures).where(and(...where)).orderBy(desc(expenditures.postedAt)).limit(limit);
    const links = rows.length ? await this.deps.db.select().from(expenditureEvidence).where(inArray(expenditureEvidence.expenditureId, rows.map((r) => r.id))).orderBy(asc(expenditureEvidence.evidenceFileId)) : [];
    const receipts = await this.deps.redactions.publicReceipts(links.map((l) => l.evidenceFileId));
    return rows.map((e) => ({ ...posted(e), receipts: links.filter((l) => l.expenditureId === e.id).map((l) => receipts.get(l.evidenceFileId)!) }));
  }

  /** The spending of the organization an evidence file backs, or null (a gift's bank slip backs none). */
  async evidenceOwner(organizationId: string, evidenceFileId: string): Promise<ReceiptOwner | null> {
    const [row] = await this.deps.db
      .select({ expenditureId: expenditures.id, status: expenditures.status, description: expenditures.description, amountFen: expenditures.amountFen, spentOn: expenditures.spentOn })
      .from(expenditureEvidence)
      .innerJoin(expenditures, eq(expenditures.id, expenditureEvidence.expenditureId))
      .where(and(eq(expenditureEvidence.evidenceFileId, evidenceFileId), eq(expenditures.organizationId, organizationId)));
    return row ?? null;
  }
}
