/**
 * Pure rules of spending: the ledger transaction a posted expenditure makes, the four-eyes rule,
 * the overspend rule and which help records a spending may name. No I/O.
 */
import { EXPENSE_CATEGORIES, accountName, type ExpenseCategory, type FundRef, type LedgerTransaction } from '../ledger/ledger.rules';

export { EXPENSE_CATEGORIES, type ExpenseCategory };

/** Who was paid, as a kind only: the public sees the kind, never a family's or a child's name. */
export const PAYEE_TYPES = ['supplier', 'school', 'hospital', 'family', 'individual', 'organization', 'other'] as const;
export type PayeeType = (typeof PAYEE_TYPES)[number];

/** Public ledger text of a spending: its category and the description finance wrote for the public. */
export function expenditureMemo(description: string): string {
  const text = description.replace(/\s+/g, ' ').trim();
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/** The expenditure transaction: money leaves the fund it was spent from into that fund's expense account for the category. */
export function expenditureTransaction(e: { id: string; organizationId: string; projectId: string | null; category: ExpenseCategory; amountFen: number; description: string; postedAt: Date }, fund: FundRef): Omit<LedgerTransaction, 'id'> {
  return {
    kind: 'expenditure',
    occurredAt: e.postedAt.toISOString(),
    memo: expenditureMemo(e.description),
    reference: e.id,
    postings: [
      { account: accountName({ type: 'expense', orgId: e.organizationId, projectId: e.projectId, category: e.category }), amountFen: e.amountFen },
      { account: accountName(fund), amountFen: -e.amountFen },
    ],
  };
}

/** Four-eyes: whoever recorded a spending may not approve or reject it. */
export function mayDecide(expenditure: { recordedBy: string }, deciderUserId: string): boolean {
  return expenditure.recordedBy !== deciderUserId;
}

/** A spending may not take more than its fund holds: gifts already received pay for it, never gifts hoped for. */
export function overspends(balanceFen: number, amountFen: number): boolean {
  return amountFen > balanceFen;
}

/** How many help records one spending may name: a bound for the form, far above one project's places. */
export const MAX_SERVED_HELP_RECORDS = 50;

/**
 * The help records a spending may not name: unknown ones and any of another project. Only a
 * project's spending serves help records, and only its own project's: a general-fund spending
 * names none (the general fund is not any project's help).
 */
export function helpRecordsOutside(projectId: string | null, named: readonly string[], places: ReadonlyMap<string, { projectId: string }>): string[] {
  return named.filter((id) => projectId === null || places.get(id)?.projectId !== projectId);
}
