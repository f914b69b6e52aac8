import crypto from 'node:crypto';
import { and, asc, desc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { ledgerEntries, ledgerPostings } from '../db/schema';
import {
  EXPENSE_CATEGORIES,
  GENESIS_HASH,
  LedgerRuleError,
  accountName,
  exportHeader,
  exportLine,
  fundOf,
  parseAccountName,
  reversalOf,
  sealEntry,
  validateTransaction,
  type ExpenseCategory,
  type FundRef,
  type LedgerTotals,
  type LedgerTransaction,
  type SealedEntry,
  type TransactionKind,
} from './ledger.rules';

/**
 * The public fund-use ledger as stored: appends (sealed with the rules' hash chain, serialized so
 * concurrent gifts never fork the chain), the chain head, the JSON Lines export the offline
 * verifier reads, and the SQL sums reports are made of.
 *
 * Every append runs inside the caller's database transaction, so a ledger entry commits or rolls
 * back with the business change it records: a gift is never "succeeded" without its entry, nor
 * the other way round.
 */

// Any constant works; it only has to be the same for every writer of the ledger.
const APPEND_LOCK_KEY = 727_301;
const EXPORT_BATCH = 5_000;

export interface ChainHead {
  sequence: number;
  hash: string;
}

/** What a fund (an organization's, or one project's) received, spent and holds: the rules' totals, less transfers (the platform makes none). */
export type FundFigures = Omit<LedgerTotals, 'transfersInFen' | 'transfersOutFen'>;

/** Which part of the ledger figures cover: a whole organization, its general fund only, or one project. */
export type FundScope = { orgId: string; projectId?: string | null };

/** The fund a project id (or null: the general fund) names in the ledger. */
export function fundRef(orgId: string, projectId: string | null): FundRef {
  return projectId === null ? { type: 'general', orgId } : { type: 'restricted', orgId, projectId };
}

export class LedgerService {
  constructor(private readonly deps: { db: Database }) {}

  /**
   * Appends one business event to the ledger inside `tx` (the caller's transaction). Takes the
   * append lock, reads the chain head, seals the transaction after it and stores entry and postings.
   * The lock is held until `tx` ends, so the next append sees this entry as its head.
   */
  async post(tx: Tx, transaction: Omit<LedgerTransaction, 'id'> & { id?: string }): Promise<SealedEntry> {
    await tx.execute(sql`select pg_advisory_xact_lock(${APPEND_LOCK_KEY})`);
    const full: LedgerTransaction = { ...transaction, id: transaction.id ?? crypto.randomUUID() };
    const original = full.kind === 'reversal' && full.reverses ? await this.findTransaction(tx, full.reverses) : undefined;
    const problems = validateTransaction(full, (id) => (id === original?.id ? original : undefined));
    if (problems.length > 0) throw new LedgerRuleError(problems);
    const [head] = await tx.select({ sequence: ledgerEntries.sequence, hash: ledgerEntries.hash }).from(ledgerEntries).orderBy(desc(ledgerEntries.sequence)).limit(1);
    const entry = sealEntry(head?.hash ?? GENESIS_HASH, (head?.sequence ?? 0) + 1, full);
    await tx.insert(ledgerEntries).values(entryRow(entry));
    await tx.insert(ledgerPostings).values(postingRows(entry));
    return entry;
  }

  /** Appends the exact reversal of an earlier transaction (the only way the ledger corrects itself). */
  async reverse(tx: Tx, originalId: string, at: { occurredAt: Date; memo: string }): Promise<SealedEntry> {
    const original = await this.findTransaction(tx, originalId);
    if (!original) throw new Error(`ledger transaction ${originalId} not found`);
    return this.post(tx, reversalOf(original, { id: crypto.randomUUID(), occurredAt: at.occurredAt.toISOString(), memo: at.memo }));
  }

  /** One transaction by its id, or undefined. */
  async findTransaction(db: Database | Tx, id: string): Promise<LedgerTransaction | undefined> {
    const [row] = await db.select().from(ledgerEntries).where(eq(ledgerEntries.txId, id));
    return row ? toEntry(row) : undefined;
  }

  /** Transactions of one kind recorded for a business object (a gift's, a refund's, an expenditure's id), oldest first. */
  async findByReference(db: Database | Tx, reference: string, kind?: TransactionKind): Promise<SealedEntry[]> {
    const rows = await db
      .select()
      .from(ledgerEntries)
      .where(kind ? and(eq(ledgerEntries.reference, reference), eq(ledgerEntries.kind, kind)) : eq(ledgerEntries.reference, reference))
      .orderBy(asc(ledgerEntries.sequence));
    return rows.map(toEntry);
  }

  /** True when transaction `id` has been reversed. */
  async isReversed(db: Database | Tx, id: string): Promise<boolean> {
    const [row] = await db.select({ sequence: ledgerEntries.sequence }).from(ledgerEntries).where(eq(ledgerEntries.reverses, id)).limit(1);
    return Boolean(row);
  }

  /** The money a fund holds now (signed fen). Read inside the append lock's transaction when deciding on a spending. */
  async fundBalance(db: Database | Tx, fund: FundRef): Promise<number> {
    const [row] = await db
      .select({ total: sql<string | null>`sum(${ledgerPostings.amountFen})` })
      .from(ledgerPostings)
      .where(eq(ledgerPostings.account, accountName(fund)));
    return Number(row?.total ?? 0);
  }

  /** Takes the append lock in `tx` without appending: a decision that depends on a balance is then made against a chain no one else is extending. */
  async lock(tx: Tx): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(${APPEND_LOCK_KEY})`);
  }

  /** The last entry's sequence and hash (sequence 0 and the genesis hash for an empty ledger): what the public compares an export with. */
  async head(): Promise<ChainHead> {
    const [row] = await this.deps.db.select({ sequence: ledgerEntries.sequence, hash: ledgerEntries.hash }).from(ledgerEntries).orderBy(desc(ledgerEntries.sequence)).limit(1);
    return row ?? { sequence: 0, hash: GENESIS_HASH };
  }

  /**
   * The whole ledger in the verifier's JSON Lines format: a header naming the head, then every
   * entry up to that head, in sequence order, read in batches so a million entries stream.
   */
  async *exportLines(now: Date = new Date()): AsyncGenerator<string> {
    const head = await this.head();
    yield JSON.stringify(exportHeader(head.hash, now)) + '\n';
    let after = 0;
    while (after < head.sequence) {
      const rows = await this.deps.db
        .select()
        .from(ledgerEntries)
        .where(and(gt(ledgerEntries.sequence, after), lte(ledgerEntries.sequence, head.sequence)))
        .orderBy(asc(ledgerEntries.sequence))
        .limit(EXPORT_BATCH);
      if (rows.length === 0) break;
      yield rows.map((r) => exportLine(toEntry(r)) + '\n').join('');
      after = rows[rows.length - 1].sequence;
    }
  }

  /** The most recent entries, newest first, for the public transparency page. */
  async recent(limit = 20): Promise<SealedEntry[]> {
    const rows = await this.deps.db.select().from(ledgerEntries).orderBy(desc(ledgerEntries.sequence)).limit(limit);
    return rows.map(toEntry);
  }

  /**
   * Raised, refunded, spent by category and held for a scope, summed in SQL over the postings.
   * A reversal's postings negate the original's, so reversed amounts drop out of every figure
   * they were in, exactly as the rules' `ledgerTotals` counts them.
   */
  async figures(scope: FundScope, db: Database | Tx = this.deps.db): Promise<FundFigures> {
    const where = [eq(ledgerPostings.organizationId, scope.orgId)];
    if (scope.projectId !== undefined) where.push(scope.projectId === null ? isNull(ledgerPostings.projectId) : eq(ledgerPostings.projectId, scope.projectId));
    const rows = await db
      .select({ accountType: ledgerPostings.accountType, category: ledgerPostings.category, total: sql<string>`sum(${ledgerPostings.amountFen})` })
      .from(ledgerPostings)
      .where(and(...where))
      .groupBy(ledgerPostings.accountType, ledgerPostings.category);
    return foldFigures(rows);
  }

  /** The same figures for each fund of an organization at once: null = its general fund, otherwise a project id. */
  async figuresByFund(orgId: string): Promise<Map<string | null, FundFigures>> {
    const rows = await this.deps.db
      .select({ projectId: ledgerPostings.projectId, accountType: ledgerPostings.accountType, category: ledgerPostings.category, total: sql<string>`sum(${ledgerPostings.amountFen})` })
      .from(ledgerPostings)
      .where(eq(ledgerPostings.organizationId, orgId))
      .groupBy(ledgerPostings.projectId, ledgerPostings.accountType, ledgerPostings.category);
    const byFund = new Map<string | null, typeof rows>();
    for (const r of rows) byFund.set(r.projectId, [...(byFund.get(r.projectId) ?? []), r]);
    return new Map([...byFund].map(([fund, list]) => [fund, foldFigures(list)]));
  }

  /** The year (China calendar) of an organization's first ledger entry, or null when it has none. */
  async firstActiveYear(orgId: string): Promise<number | null> {
    const [row] = await this.deps.db
      .select({ first: sql<string | null>`min(${ledgerEntries.occurredAt})` })
      .from(ledgerEntries)
      .innerJoin(ledgerPostings, eq(ledgerPostings.sequence, ledgerEntries.sequence))
      .where(eq(ledgerPostings.organizationId, orgId));
    return row?.first ? new Date(new Date(row.first).getTime() + 8 * 3_600_000).getUTCFullYear() : null;
  }

  /** Organizations that have money in the ledger, for the public transparency page. */
  async organizationsWithEntries(): Promise<string[]> {
    const rows = await this.deps.db.selectDistinct({ orgId: ledgerPostings.organizationId }).from(ledgerPostings).where(sql`${ledgerPostings.organizationId} is not null`);
    return rows.map((r) => r.orgId!);
  }
}

/** Sums per account type and category folded into report figures. */
function foldFigures(rows: Array<{ accountType: string; category: string | null; total: string }>): FundFigures {
  const spentByCategory = Object.fromEntries(EXPENSE_CATEGORIES.map((c) => [c, 0])) as Record<ExpenseCategory, number>;
  const f = { donationsFen: 0, refundsFen: 0, disputesFen: 0, feesFen: 0, heldFen: 0 };
  for (const r of rows) {
    const total = Number(r.total);
    if (r.accountType === 'donors') f.donationsFen -= total;
    else if (r.accountType === 'refunds') f.refundsFen += total;
    else if (r.accountType === 'disputes') f.disputesFen += total;
    else if (r.accountType === 'stripe-fees') f.feesFen += total;
    else if (r.accountType === 'expense') spentByCategory[r.category as ExpenseCategory] += total;
    else f.heldFen += total;
  }
  const spentFen = EXPENSE_CATEGORIES.reduce((s, c) => s + spentByCategory[c], 0);
  return { ...f, spentFen, spentByCategory };
}

type EntryRow = typeof ledgerEntries.$inferSelect;

function toEntry(row: EntryRow): SealedEntry {
  const entry: SealedEntry = {
    sequence: row.sequence,
    prevHash: row.prevHash,
    hash: row.hash,
    id: row.txId,
    occurredAt: row.occurredAt,
    kind: row.kind as TransactionKind,
    memo: row.memo,
    postings: row.postings,
  };
  if (row.reference !== null) entry.reference = row.reference;
  if (row.reverses !== null) entry.reverses = row.reverses;
  return entry;
}

/** A sealed entry as its `ledger_entries` row. */
export function entryRow(entry: SealedEntry): typeof ledgerEntries.$inferInsert {
  return { sequence: entry.sequence, txId: entry.id, occurredAt: entry.occurredAt, kind: entry.kind, memo: entry.memo, reference: entry.reference ?? null, reverses: entry.reverses ?? null, postings: entry.postings, prevHash: entry.prevHash, hash: entry.hash };
}

/** One row per posting, each tagged with the fund it belongs to (an external posting: its transaction's fund). */
export function postingRows(entry: SealedEntry): Array<typeof ledgerPostings.$inferInsert> {
  const refs = entry.postings.map((p) => parseAccountName(p.account)!);
  const txFund = refs.map(fundOf).find((f) => f !== null) ?? null;
  return entry.postings.map((p, i) => {
    const ref = refs[i];
    const fund = fundOf(ref) ?? txFund;
    return {
      sequence: entry.sequence,
      account: p.account,
      amountFen: p.amountFen,
      accountType: ref.type === 'external' ? ref.name : ref.type,
      organizationId: fund?.orgId ?? null,
      projectId: fund?.type === 'restricted' ? fund.projectId : null,
      category: ref.type === 'expense' ? ref.category : null,
    };
  });
}
