/**
 * The public fund-use ledger, pure: account names, transactions and their rules, the hash chain,
 * balances and totals, first-in first-out allocation of gifts to expenditures, and the Charity
 * Law's disclosure deadlines.
 *
 * This file imports nothing but `node:crypto`, because `scripts/verify-ledger.ts` runs it with
 * no server around it: an outsider holding an export and this one file can check the ledger.
 * The canonical encoding and the export format are specified in `server/ledger/CONTEXT.md`;
 * change one and you change the other.
 *
 * Sign convention: a posting's `amountFen` is a signed integer, positive = debit, negative =
 * credit; a balanced transaction's amounts sum to 0. One signed number (not amount + side) keeps
 * balancing, negating (reversal) and summing to plain integer arithmetic.
 */
import crypto from 'node:crypto';

// ─── Accounts ────────────────────────────────────────────────────────────────────────────────

/** Spending categories, in the order reports show them. */
export const EXPENSE_CATEGORIES = ['goods', 'school_aid', 'medical', 'psychological', 'activities', 'administration'] as const;
export type ExpenseCategory = (typeof EXPENSE_CATEGORIES)[number];

/**
 * The outside world, seen from the ledger: where money came from and where it left to.
 * Payees are deliberately not accounts: a school grant's payee can be a child's family, and the
 * ledger is public. What was bought is the expense account; who was paid stays on the expenditure.
 */
export const EXTERNAL_ACCOUNTS = ['donors', 'refunds', 'disputes', 'stripe-fees'] as const;
export type ExternalAccount = (typeof EXTERNAL_ACCOUNTS)[number];

/**
 * An account, typed. Names (see `accountName`):
 *   org:<orgId>:general                                 unrestricted fund of an organization
 *   org:<orgId>:project:<projectId>:restricted          money held for one project
 *   org:<orgId>:expense:<category>                      spent from the general fund
 *   org:<orgId>:project:<projectId>:expense:<category>  spent from a project's money
 *   external:donors | external:refunds | external:disputes | external:stripe-fees
 * Expense accounts carry the project so that "spent by category" per project is a balance, not
 * a reconstruction.
 */
export type AccountRef =
  | { type: 'general'; orgId: string }
  | { type: 'restricted'; orgId: string; projectId: string }
  | { type: 'expense'; orgId: string; projectId: string | null; category: ExpenseCategory }
  | { type: 'external'; name: ExternalAccount };

export type FundRef = Extract<AccountRef, { type: 'general' | 'restricted' }>;

/** Ids inside account names: no colons (the separator), nothing a reader could misread. */
const ID_SEGMENT = /^[A-Za-z0-9_-]{1,100}$/;

function segment(value: string, what: string): string {
  if (!ID_SEGMENT.test(value)) throw new TypeError(`${what} "${value}" cannot appear in an account name (letters, digits, _ and - only)`);
  return value;
}

/** The account's name in the ledger; throws when an id contains characters the grammar excludes. */
export function accountName(ref: AccountRef): string {
  switch (ref.type) {
    case 'general':
      return `org:${segment(ref.orgId, 'orgId')}:general`;
    case 'restricted':
      return `org:${segment(ref.orgId, 'orgId')}:project:${segment(ref.projectId, 'projectId')}:restricted`;
    case 'expense': {
      if (!(EXPENSE_CATEGORIES as readonly string[]).includes(ref.category)) throw new TypeError(`unknown expense category "${ref.category}"`);
      const fund = ref.projectId === null ? `org:${segment(ref.orgId, 'orgId')}` : `org:${segment(ref.orgId, 'orgId')}:project:${segment(ref.projectId, 'projectId')}`;
      return `${fund}:expense:${ref.category}`;
    }
    case 'external':
      if (!(EXTERNAL_ACCOUNTS as readonly string[]).includes(ref.name)) throw new TypeError(`unknown external account "${ref.name}"`);
      return `external:${ref.name}`;
  }
}

// A ledger names few accounts many times over; verifying a million entries parses each name once.
const parsedNames = new Map<string, AccountRef | null>();

/** The typed account for a name, or null when the name does not follow the grammar exactly. */
export function parseAccountName(name: string): AccountRef | null {
  if (typeof name !== 'string') return null;
  const cached = parsedNames.get(name);
  if (cached !== undefined) return cached;
  // Bounded, so a hostile file of a million distinct names cannot grow it without end.
  if (parsedNames.size >= 10_000) parsedNames.clear();
  const ref = parseUncached(name);
  parsedNames.set(name, ref);
  return ref;
}

function parseUncached(name: string): AccountRef | null {
  const parts = name.split(':');
  if (parts[0] === 'external' && parts.length === 2) {
    return (EXTERNAL_ACCOUNTS as readonly string[]).includes(parts[1]) ? { type: 'external', name: parts[1] as ExternalAccount } : null;
  }
  if (parts[0] !== 'org' || !ID_SEGMENT.test(parts[1] ?? '')) return null;
  const orgId = parts[1];
  const isCategory = (c: string | undefined): c is ExpenseCategory => (EXPENSE_CATEGORIES as readonly string[]).includes(c ?? '');
  if (parts.length === 3 && parts[2] === 'general') return { type: 'general', orgId };
  if (parts.length === 4 && parts[2] === 'expense' && isCategory(parts[3])) return { type: 'expense', orgId, projectId: null, category: parts[3] };
  if (parts[2] === 'project' && ID_SEGMENT.test(parts[3] ?? '')) {
    const projectId = parts[3];
    if (parts.length === 5 && parts[4] === 'restricted') return { type: 'restricted', orgId, projectId };
    if (parts.length === 6 && parts[4] === 'expense' && isCategory(parts[5])) return { type: 'expense', orgId, projectId, category: parts[5] };
  }
  return null;
}

/**
 * Which side an account's balance normally sits on. Funds hold money (debit), expenses accumulate
 * what was spent (debit), refunds/disputes/fees accumulate what left to the outside (debit);
 * `external:donors` accumulates what came in, so it is the one credit account — its balance is
 * minus the donations received.
 */
export function normalBalance(ref: AccountRef): 'debit' | 'credit' {
  return ref.type === 'external' && ref.name === 'donors' ? 'credit' : 'debit';
}

/** The fund an account belongs to (a fund is its own fund; an expense belongs to the fund it was spent from); null for external accounts. */
export function fundOf(ref: AccountRef): FundRef | null {
  switch (ref.type) {
    case 'general':
    case 'restricted':
      return ref;
    case 'expense':
      return ref.projectId === null ? { type: 'general', orgId: ref.orgId } : { type: 'restricted', orgId: ref.orgId, projectId: ref.projectId };
    case 'external':
      return null;
  }
}

// ─── Transactions ────────────────────────────────────────────────────────────────────────────

export const TRANSACTION_KINDS = ['donation', 'expenditure', 'refund', 'dispute', 'reversal', 'fee', 'transfer'] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/** One line of a transaction: positive `amountFen` debits the account, negative credits it. */
export interface Posting {
  account: string;
  amountFen: number;
}

/** One business event, balanced. */
export interface LedgerTransaction {
  id: string;
  /** When the event happened, UTC, exactly `YYYY-MM-DDTHH:mm:ss.sssZ` (what `Date#toISOString` gives). */
  occurredAt: string;
  kind: TransactionKind;
  /** Public text: never a child's or a payee's identity. */
  memo: string;
  /** The business object behind it (a donation id, an expenditure id, a Stripe refund id). */
  reference?: string;
  /** For a reversal: the id of the transaction it cancels. */
  reverses?: string;
  postings: Posting[];
}

/** A transaction as it sits in the chain. */
export interface SealedEntry extends LedgerTransaction {
  sequence: number;
  prevHash: string;
  hash: string;
}

export type Params = Record<string, string | number>;

/**
 * English text of every problem. Kept here (not read from the locale files) because the verifier
 * runs without the server; a unit test holds these equal to `locales/en/ledger.json`
 * (`ledger.problem.<code>`), so the service can translate by code and params.
 */
export const PROBLEM_MESSAGES = {
  missing_id: 'The transaction has no id.',
  bad_timestamp: 'occurredAt "{value}" is not a UTC timestamp written as 2026-01-31T08:00:00.000Z.',
  unknown_kind: 'Unknown transaction kind "{kind}".',
  bad_memo: 'The memo must be text.',
  bad_reference: 'The {field} must be non-empty text when present.',
  too_few_postings: 'A transaction needs at least 2 postings; it has {count}.',
  unknown_account: 'Account "{account}" does not follow the account grammar.',
  amount_not_integer: 'The amount {amount} on {account} is not a whole number of fen.',
  amount_zero: 'The posting to {account} has amount 0.',
  unbalanced: 'The postings do not balance: debits minus credits is {difference} fen.',
  cannot_debit: 'A {kind} cannot debit {account}.',
  cannot_credit: 'A {kind} cannot credit {account}.',
  one_fund: 'A {kind} moves exactly one fund\'s money; it touches {count}.',
  fund_mismatch: 'The expense account {account} belongs to another fund than the one the money came from.',
  transfer_needs_two_funds: 'A transfer moves money between two different funds.',
  several_orgs: 'A transaction belongs to one organization; it touches {count}.',
  reverses_not_allowed: 'Only a reversal may name a transaction it reverses.',
  reversal_without_target: 'A reversal must name the transaction it reverses.',
  reversal_target_missing: 'The reversed transaction {reverses} is not earlier in the ledger.',
  reversal_mismatch: 'The reversal does not exactly negate the postings of {reverses}.',
  reversal_of_reversal: 'A reversal ({reverses}) cannot itself be reversed; post a new transaction instead.',
  already_reversed: 'Transaction {reverses} was already reversed at sequence {sequence}.',
  duplicate_id: 'Transaction id {id} already appears at sequence {sequence}.',
  bad_sequence: 'The sequence "{value}" is not a positive whole number.',
  sequence_out_of_order: 'Expected sequence {expected}, found {found}: entries are missing, inserted or out of order.',
  prev_hash_mismatch: 'prevHash does not match the hash of the entry before: an entry was removed, inserted, moved or changed.',
  hash_mismatch: 'The hash does not match the entry\'s content: the entry was changed after it was sealed.',
  bad_hash: 'The {field} "{value}" is not 64 lowercase hexadecimal digits.',
  bad_field: 'The field {field} is missing or has the wrong type.',
  unexpected_field: 'The field {field} is not part of a ledger entry; it is not covered by the hash.',
  header_head_mismatch: 'The chain head is {actual}, but the export header says {expected}: entries were removed, added or changed.',
  head_mismatch: 'The chain head is {actual}, not the expected (published) head {expected}.',
  bad_json: 'Line {line} is not valid JSON.',
  bad_header: 'The export header is not a carebridge-ledger header: {detail}.',
  misplaced_header: 'An export header may only be the first line; found one on line {line}.',
} as const;
export type ProblemCode = keyof typeof PROBLEM_MESSAGES;

/** What is wrong, as a code + params (translate with `ledger.problem.<code>`) and as English text. */
export interface LedgerProblem {
  code: ProblemCode;
  params: Params;
  message: string;
}

/** A problem found at one entry of the chain; `sequence` is null when the entry had none to name. */
export interface ChainProblem {
  sequence: number | null;
  code: ProblemCode;
  params: Params;
  problem: string;
}

/** Fills a problem's English message from its params. */
export function problem(code: ProblemCode, params: Params = {}): LedgerProblem {
  const message = PROBLEM_MESSAGES[code].replace(/\{(\w+)\}/g, (m, name: string) => (params[name] !== undefined ? String(params[name]) : m));
  return { code, params, message };
}

function atSequence(sequence: number | null, p: LedgerProblem): ChainProblem {
  return { sequence, code: p.code, params: p.params, problem: p.message };
}

const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `value` is a UTC timestamp in exactly the form `Date#toISOString` writes (the form hashed), on a real calendar day. */
export function isCanonicalTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !CANONICAL_TIMESTAMP.test(value)) return false;
  // Checked by hand: Date.parse rolls 2026-02-30 over to March, and toISOString is slow over a million entries.
  const y = Number(value.slice(0, 4));
  const m = Number(value.slice(5, 7));
  const d = Number(value.slice(8, 10));
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1];
  return m >= 1 && m <= 12 && d >= 1 && d <= days && Number(value.slice(11, 13)) <= 23 && Number(value.slice(14, 16)) <= 59 && Number(value.slice(17, 19)) <= 59;
}

type AccountClass = 'fund' | 'expense' | ExternalAccount;

function classOf(ref: AccountRef): AccountClass {
  if (ref.type === 'general' || ref.type === 'restricted') return 'fund';
  if (ref.type === 'expense') return 'expense';
  return ref.name;
}

/**
 * Which accounts each kind may debit and credit. Stating it per kind is what makes the totals
 * meaningful: money can reach `external:donors` only through a donation, an expense account
 * only through an expenditure. A reversal takes the shape of what it reverses.
 * Fees may ride on a donation or a dispute because Stripe reports them on the same event.
 */
const SHAPES: Record<Exclude<TransactionKind, 'reversal'>, { debit: readonly AccountClass[]; credit: readonly AccountClass[] }> = {
  donation: { debit: ['fund', 'stripe-fees'], credit: ['donors'] },
  expenditure: { debit: ['expense'], credit: ['fund'] },
  refund: { debit: ['refunds'], credit: ['fund'] },
  dispute: { debit: ['disputes', 'stripe-fees'], credit: ['fund'] },
  fee: { debit: ['stripe-fees'], credit: ['fund'] },
  transfer: { debit: ['fund'], credit: ['fund'] },
};

/** Looks up an earlier transaction by id, for checking a reversal against what it reverses. */
export type TransactionLookup = (id: string) => Pick<LedgerTransaction, 'kind' | 'postings'> | undefined;

/**
 * Every rule one transaction breaks: an id, a canonical timestamp, a known kind, ≥ 2 postings on
 * grammatical accounts with non-zero integer fen summing to 0, the kind's shape (sides, one fund,
 * one organization), and — given `lookup` over the earlier ledger — a reversal that exactly
 * negates an earlier non-reversal. Empty list = valid.
 */
export function validateTransaction(tx: LedgerTransaction, lookup?: TransactionLookup): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  if (typeof tx.id !== 'string' || tx.id.length === 0) problems.push(problem('missing_id'));
  if (!isCanonicalTimestamp(tx.occurredAt)) problems.push(problem('bad_timestamp', { value: String(tx.occurredAt) }));
  const kindKnown = (TRANSACTION_KINDS as readonly string[]).includes(tx.kind);
  if (!kindKnown) problems.push(problem('unknown_kind', { kind: String(tx.kind) }));
  if (typeof tx.memo !== 'string') problems.push(problem('bad_memo'));
  for (const field of ['reference', 'reverses'] as const) {
    const v = tx[field];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) problems.push(problem('bad_reference', { field }));
  }

  const postings = Array.isArray(tx.postings) ? tx.postings : [];
  if (postings.length < 2) problems.push(problem('too_few_postings', { count: postings.length }));

  let sum = 0;
  let amountsOk = true;
  let firstOrg: string | null = null;
  let severalOrgs = false;
  const refs: Array<{ posting: Posting; ref: AccountRef }> = [];
  for (const p of postings) {
    const ref = parseAccountName(p.account);
    if (!ref) problems.push(problem('unknown_account', { account: String(p.account) }));
    if (!Number.isSafeInteger(p.amountFen)) {
      problems.push(problem('amount_not_integer', { account: String(p.account), amount: String(p.amountFen) }));
      amountsOk = false;
    } else {
      if (p.amountFen === 0) problems.push(problem('amount_zero', { account: String(p.account) }));
      sum += p.amountFen;
    }
    if (ref) {
      refs.push({ posting: p, ref });
      if (ref.type !== 'external') {
        if (firstOrg === null) firstOrg = ref.orgId;
        else if (ref.orgId !== firstOrg) severalOrgs = true;
      }
    }
  }
  if (amountsOk && sum !== 0) problems.push(problem('unbalanced', { difference: sum }));
  if (severalOrgs) {
    const count = new Set(refs.flatMap(({ ref }) => (ref.type === 'external' ? [] : [ref.orgId]))).size;
    problems.push(problem('several_orgs', { count }));
  }

  if (tx.kind === 'reversal') {
    if (tx.reverses === undefined) problems.push(problem('reversal_without_target'));
    else if (lookup && typeof tx.reverses === 'string') problems.push(...reversalProblems(tx, lookup(tx.reverses)));
  } else if (tx.reverses !== undefined) {
    problems.push(problem('reverses_not_allowed'));
  }

  if (kindKnown && tx.kind !== 'reversal' && refs.length === postings.length) problems.push(...shapeProblems(tx.kind, refs));
  return problems;
}

function shapeProblems(kind: Exclude<TransactionKind, 'reversal'>, refs: Array<{ posting: Posting; ref: AccountRef }>): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  const shape = SHAPES[kind];
  for (const { posting, ref } of refs) {
    if (!Number.isSafeInteger(posting.amountFen) || posting.amountFen === 0) continue;
    const cls = classOf(ref);
    if (posting.amountFen > 0 && !shape.debit.includes(cls)) problems.push(problem('cannot_debit', { kind, account: posting.account }));
    if (posting.amountFen < 0 && !shape.credit.includes(cls)) problems.push(problem('cannot_credit', { kind, account: posting.account }));
  }
  const funds = new Set<string>();
  for (const { posting, ref } of refs) if (ref.type === 'general' || ref.type === 'restricted') funds.add(posting.account);
  if (kind === 'transfer') {
    if (funds.size < 2) problems.push(problem('transfer_needs_two_funds'));
  } else if (funds.size !== 1) {
    problems.push(problem('one_fund', { kind, count: funds.size }));
  } else if (kind === 'expenditure') {
    // Money taken from project A must not be booked as spent by project B (or the general fund).
    const [fund] = funds;
    for (const { posting, ref } of refs) {
      const owner = fundOf(ref);
      if (ref.type === 'expense' && owner && accountName(owner) !== fund) problems.push(problem('fund_mismatch', { account: posting.account }));
    }
  }
  return problems;
}

function postingKey(p: Posting): string {
  return `${p.account}\u0000${p.amountFen}`;
}

function reversalProblems(tx: LedgerTransaction, original: Pick<LedgerTransaction, 'kind' | 'postings'> | undefined): LedgerProblem[] {
  const reverses = String(tx.reverses);
  if (!original) return [problem('reversal_target_missing', { reverses })];
  if (original.kind === 'reversal') return [problem('reversal_of_reversal', { reverses })];
  const expected = original.postings.map((p) => postingKey({ account: p.account, amountFen: -p.amountFen })).sort();
  const actual = tx.postings.map(postingKey).sort();
  const same = expected.length === actual.length && expected.every((k, i) => k === actual[i]);
  return same ? [] : [problem('reversal_mismatch', { reverses })];
}

/** The transaction that cancels `original` exactly: same accounts, every amount negated; corrections are made only this way. */
export function reversalOf(original: LedgerTransaction, at: { id: string; occurredAt: string; memo: string }): LedgerTransaction {
  if (original.kind === 'reversal') throw new TypeError(`transaction ${original.id} is a reversal; post a new transaction instead of reversing it`);
  const tx: LedgerTransaction = {
    id: at.id,
    occurredAt: at.occurredAt,
    kind: 'reversal',
    memo: at.memo,
    reverses: original.id,
    postings: original.postings.map((p) => ({ account: p.account, amountFen: -p.amountFen })),
  };
  if (original.reference !== undefined) tx.reference = original.reference;
  return tx;
}

// ─── Hash chain ──────────────────────────────────────────────────────────────────────────────

/** The prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);
const HASH = /^[0-9a-f]{64}$/;

/** What the canonical encoding covers: the transaction and its place in the chain. */
export type CanonicalInput = LedgerTransaction & { sequence: number };

function comparePostings(a: Posting, b: Posting): number {
  if (a.account !== b.account) return a.account < b.account ? -1 : 1;
  return a.amountFen - b.amountFen;
}

/**
 * The exact text hashed for one entry (specified for reimplementation in CONTEXT.md):
 * a JSON object without whitespace, keys in this order —
 *   id, kind, memo, occurredAt, postings, reference, reverses, sequence
 * — strings as JSON.stringify writes them, integers in plain decimal, absent reference/reverses
 * as null, postings as {"account":…,"amountFen":…} sorted by account (code-unit order) then by
 * amount ascending. Values are encoded verbatim: validation, not encoding, decides they are well formed.
 */
export function canonicalEncoding(entry: CanonicalInput): string {
  let postings = entry.postings;
  // Sealed entries already carry their postings in canonical order; only copy when they do not.
  for (let i = 1; i < postings.length; i += 1) {
    if (comparePostings(postings[i - 1], postings[i]) > 0) {
      postings = [...postings].sort(comparePostings);
      break;
    }
  }
  let body = '';
  for (let i = 0; i < postings.length; i += 1) {
    body += `${i === 0 ? '' : ','}{"account":${jsonString(postings[i].account)},"amountFen":${JSON.stringify(postings[i].amountFen)}}`;
  }
  return (
    `{"id":${jsonString(entry.id)},"kind":${jsonString(entry.kind)},"memo":${jsonString(entry.memo)},"occurredAt":${jsonString(entry.occurredAt)},` +
    `"postings":[${body}],"reference":${jsonOptional(entry.reference)},"reverses":${jsonOptional(entry.reverses)},` +
    `"sequence":${JSON.stringify(entry.sequence)}}`
  );
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, skipped when nothing needs escaping (the common case, 3× faster). */
function jsonString(s: string): string {
  return typeof s === 'string' && !NEEDS_ESCAPE.test(s) ? `"${s}"` : JSON.stringify(s);
}

function jsonOptional(s: string | undefined | null): string {
  return s === undefined || s === null ? 'null' : jsonString(s);
}

// crypto.hash (Node ≥ 20.12) hashes in one call, markedly faster over a million entries.
const sha256hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/** SHA-256 (lowercase hex) of the UTF-8 bytes of `prevHash + "\n" + canonicalEncoding(entry)`. */
export function chainHash(prevHash: string, entry: CanonicalInput): string {
  return sha256hex(`${prevHash}\n${canonicalEncoding(entry)}`);
}

/** Thrown when sealing a transaction that breaks a rule: the service validates first, so this is a bug. */
export class LedgerRuleError extends Error {
  constructor(readonly problems: LedgerProblem[]) {
    super(`invalid ledger transaction: ${problems.map((p) => p.message).join(' ')}`);
    this.name = 'LedgerRuleError';
  }
}

/**
 * Seals a valid transaction as entry `sequence` after the entry whose hash is `prevHash`
 * (GENESIS_HASH for sequence 1). Throws `LedgerRuleError` when the transaction breaks a rule;
 * reversal targets are the caller's to check (`validateTransaction` with a lookup).
 */
export function sealEntry(prevHash: string, sequence: number, tx: LedgerTransaction): SealedEntry {
  if (!HASH.test(prevHash)) throw new TypeError('prevHash must be 64 lowercase hex digits');
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new TypeError('sequence must be a positive integer');
  const problems = validateTransaction(tx);
  if (problems.length > 0) throw new LedgerRuleError(problems);
  const body: LedgerTransaction = {
    id: tx.id,
    occurredAt: tx.occurredAt,
    kind: tx.kind,
    memo: tx.memo,
    // Stored in canonical order: the order carries no meaning, and the encoder then need not sort.
    postings: tx.postings.map((p) => ({ account: p.account, amountFen: p.amountFen })).sort(comparePostings),
  };
  if (tx.reference !== undefined) body.reference = tx.reference;
  if (tx.reverses !== undefined) body.reverses = tx.reverses;
  return { sequence, prevHash, hash: chainHash(prevHash, { ...body, sequence }), ...body };
}

/** Where verification starts: the genesis by default, or a checkpoint (the entry before the first one given). */
export interface ChainStart {
  prevHash?: string;
  firstSequence?: number;
}

export interface ChainVerification {
  ok: boolean;
  problems: ChainProblem[];
  /** Hash of the last entry (GENESIS_HASH for an empty ledger), or of the checkpoint. */
  head: string;
  count: number;
}

interface ChainCursor {
  expectedSequence: number;
  prevHash: string;
}

/**
 * Chain checks of one entry. The cursor moves on to the entry's own stated hash and sequence,
 * so one edited entry is reported once, at that entry, instead of poisoning every entry after it.
 */
function chainStep(entry: SealedEntry, cursor: ChainCursor, out: ChainProblem[]): void {
  const validSequence = Number.isSafeInteger(entry.sequence) && entry.sequence >= 1;
  const seq = validSequence ? entry.sequence : null;
  if (!validSequence) out.push(atSequence(null, problem('bad_sequence', { value: String(entry.sequence) })));
  else if (entry.sequence !== cursor.expectedSequence) {
    out.push(atSequence(seq, problem('sequence_out_of_order', { expected: cursor.expectedSequence, found: entry.sequence })));
  }
  if (entry.prevHash !== cursor.prevHash) out.push(atSequence(seq, problem('prev_hash_mismatch')));
  if (chainHash(entry.prevHash, entry) !== entry.hash) out.push(atSequence(seq, problem('hash_mismatch')));
  cursor.prevHash = entry.hash;
  // After a moved entry, expect what follows the furthest sequence seen, so one swap is not a cascade.
  cursor.expectedSequence = validSequence ? Math.max(cursor.expectedSequence, entry.sequence + 1) : cursor.expectedSequence + 1;
}

/** Checks that entries form an unbroken chain from `start`: consecutive sequences, each prevHash the previous hash, each hash its content's. */
export function verifyChain(entries: Iterable<SealedEntry>, start: ChainStart = {}): ChainVerification {
  const cursor: ChainCursor = { expectedSequence: start.firstSequence ?? 1, prevHash: start.prevHash ?? GENESIS_HASH };
  const problems: ChainProblem[] = [];
  let count = 0;
  for (const entry of entries) {
    chainStep(entry, cursor, problems);
    count += 1;
  }
  return { ok: problems.length === 0, problems, head: cursor.prevHash, count };
}

/** What a reversal is checked against: the kind and postings of an earlier transaction. */
type Reversible = Pick<LedgerTransaction, 'kind' | 'postings'>;

/**
 * Everything an outsider can check without the server, one entry at a time: the chain (as
 * `verifyChain`), every transaction's rules (`validateTransaction`), unique ids, and each reversal
 * cancelling an earlier non-reversal that was not already reversed. Keeps only what later
 * reversals need (kind and postings per id, account names shared), so a million-entry export
 * streams through in a few hundred megabytes.
 */
export class LedgerVerifier {
  private readonly cursor: ChainCursor;
  private readonly found: ChainProblem[] = [];
  private readonly byId = new Map<string, { sequence: number; tx: Reversible }>();
  private readonly reversedAt = new Map<string, number>();
  private readonly accounts = new Map<string, string>();
  private readonly lookup: TransactionLookup = (id) => this.byId.get(id)?.tx;
  private count = 0;

  constructor(start: ChainStart = {}) {
    this.cursor = { expectedSequence: start.firstSequence ?? 1, prevHash: start.prevHash ?? GENESIS_HASH };
  }

  /** Checks the next entry; returns how many problems the ledger has so far. */
  add(entry: SealedEntry): number {
    chainStep(entry, this.cursor, this.found);
    this.count += 1;
    const seq = Number.isSafeInteger(entry.sequence) ? entry.sequence : null;
    for (const p of validateTransaction(entry, this.lookup)) this.found.push(atSequence(seq, p));
    const earlier = this.byId.get(entry.id);
    if (earlier) this.found.push(atSequence(seq, problem('duplicate_id', { id: entry.id, sequence: earlier.sequence })));
    else this.byId.set(entry.id, { sequence: entry.sequence, tx: { kind: entry.kind, postings: entry.postings.map((p) => ({ account: this.shared(p.account), amountFen: p.amountFen })) } });
    if (entry.kind === 'reversal' && typeof entry.reverses === 'string') {
      const previous = this.reversedAt.get(entry.reverses);
      if (previous !== undefined) this.found.push(atSequence(seq, problem('already_reversed', { reverses: entry.reverses, sequence: previous })));
      else if (seq !== null) this.reversedAt.set(entry.reverses, seq);
    }
    return this.found.length;
  }

  result(): ChainVerification {
    return { ok: this.found.length === 0, problems: [...this.found], head: this.cursor.prevHash, count: this.count };
  }

  /** One string per account name instead of one per posting: JSON.parse gives each occurrence its own copy. */
  private shared(name: string): string {
    const known = this.accounts.get(name);
    if (known !== undefined) return known;
    if (this.accounts.size < 100_000) this.accounts.set(name, name);
    return name;
  }
}

/** All of `LedgerVerifier` over a list of entries. */
export function verifyLedger(entries: Iterable<SealedEntry>, start: ChainStart = {}): ChainVerification {
  const verifier = new LedgerVerifier(start);
  for (const entry of entries) verifier.add(entry);
  return verifier.result();
}

// ─── Balances and totals ─────────────────────────────────────────────────────────────────────

function addSafe(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError('ledger total exceeds the safe integer range');
  return sum;
}

/** Balance of every account that appears (signed fen, debit positive), sorted by account name. */
export function balances(entries: Iterable<{ postings: readonly Posting[] }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of entries) {
    for (const p of entry.postings) out.set(p.account, addSafe(out.get(p.account) ?? 0, p.amountFen));
  }
  return sortedByAccount(out);
}

function sortedByAccount(map: Map<string, number>): Map<string, number> {
  return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface TrialBalance {
  debitFen: number;
  creditFen: number;
  /** Always 0 for a ledger of balanced transactions. */
  differenceFen: number;
}

/** Sums debit balances and credit balances; they are equal (difference 0) when every transaction balanced. */
export function trialBalance(accountBalances: Map<string, number>): TrialBalance {
  let debitFen = 0;
  let creditFen = 0;
  for (const b of accountBalances.values()) {
    if (b > 0) debitFen = addSafe(debitFen, b);
    else creditFen = addSafe(creditFen, -b);
  }
  return { debitFen, creditFen, differenceFen: debitFen - creditFen };
}

/** Which part of the ledger totals cover: everything, one organization, or one project's money. */
export interface TotalsScope {
  orgId: string;
  /** Omit for the whole organization; a project id for that project's restricted money. */
  projectId?: string;
}

export interface LedgerTotals {
  /** Gross gifts received (before fees). */
  donationsFen: number;
  refundsFen: number;
  disputesFen: number;
  feesFen: number;
  spentFen: number;
  spentByCategory: Record<ExpenseCategory, number>;
  transfersInFen: number;
  transfersOutFen: number;
  /** Still held in the funds in scope. Always donations − fees − refunds − disputes − spent + in − out. */
  heldFen: number;
}

function inScope(ref: AccountRef, scope: TotalsScope | undefined): boolean {
  if (!scope) return ref.type !== 'external';
  if (ref.type === 'external' || ref.orgId !== scope.orgId) return false;
  if (scope.projectId === undefined) return true;
  return (ref.type === 'restricted' || ref.type === 'expense') && ref.projectId === scope.projectId;
}

/**
 * Raised, spent, refunded and held, folded one transaction at a time (a reversal counts,
 * negatively, under the kind it reverses), plus the balance of every account. External postings
 * count when the transaction's fund is in scope, which the one-fund rule makes unambiguous.
 */
export class LedgerSummary {
  private readonly spentByCategory = Object.fromEntries(EXPENSE_CATEGORIES.map((c) => [c, 0])) as Record<ExpenseCategory, number>;
  private readonly t = { donationsFen: 0, refundsFen: 0, disputesFen: 0, feesFen: 0, transfersInFen: 0, transfersOutFen: 0, heldFen: 0 };
  private readonly kinds = new Map<string, TransactionKind>();
  private readonly accountBalances = new Map<string, number>();

  constructor(private readonly scope?: TotalsScope) {}

  add(tx: LedgerTransaction): void {
    const { t, scope, spentByCategory } = this;
    for (const p of tx.postings) this.accountBalances.set(p.account, addSafe(this.accountBalances.get(p.account) ?? 0, p.amountFen));
    const isReversal = tx.kind === 'reversal';
    // Only transfers need a reversal's original kind, so only transfers are remembered.
    if (tx.kind === 'transfer') this.kinds.set(tx.id, tx.kind);
    const kind = isReversal && tx.reverses !== undefined ? this.kinds.get(tx.reverses) : tx.kind;
    let touches = false;
    for (const p of tx.postings) {
      const ref = parseAccountName(p.account);
      if (ref && inScope(ref, scope)) touches = true;
    }
    if (!touches) return;
    for (const p of tx.postings) {
      const ref = parseAccountName(p.account);
      if (!ref) continue;
      if (ref.type === 'external') {
        if (ref.name === 'donors') t.donationsFen = addSafe(t.donationsFen, -p.amountFen);
        else if (ref.name === 'refunds') t.refundsFen = addSafe(t.refundsFen, p.amountFen);
        else if (ref.name === 'disputes') t.disputesFen = addSafe(t.disputesFen, p.amountFen);
        else t.feesFen = addSafe(t.feesFen, p.amountFen);
      } else if (!inScope(ref, scope)) {
        continue;
      } else if (ref.type === 'expense') {
        spentByCategory[ref.category] = addSafe(spentByCategory[ref.category], p.amountFen);
      } else {
        t.heldFen = addSafe(t.heldFen, p.amountFen);
        if (kind === 'transfer') {
          // Classify by the side in the original transfer, so a reversed transfer shrinks the same figure it grew.
          const original = isReversal ? -p.amountFen : p.amountFen;
          if (original > 0) t.transfersInFen = addSafe(t.transfersInFen, p.amountFen);
          else t.transfersOutFen = addSafe(t.transfersOutFen, -p.amountFen);
        }
      }
    }
  }

  totals(): LedgerTotals {
    const spentFen = EXPENSE_CATEGORIES.reduce((sum, c) => addSafe(sum, this.spentByCategory[c]), 0);
    return { ...this.t, spentFen, spentByCategory: { ...this.spentByCategory } };
  }

  /** Balance of every account seen, whatever the scope, sorted by name. */
  balances(): Map<string, number> {
    return sortedByAccount(this.accountBalances);
  }
}

/** The totals of `LedgerSummary` over a list of transactions. */
export function ledgerTotals(entries: Iterable<LedgerTransaction>, scope?: TotalsScope): LedgerTotals {
  const summary = new LedgerSummary(scope);
  for (const tx of entries) summary.add(tx);
  return summary.totals();
}

// ─── Export format ───────────────────────────────────────────────────────────────────────────

export const EXPORT_FORMAT = 'carebridge-ledger';
export const EXPORT_VERSION = 1;

/** First line of a JSON Lines export. */
export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** Hash of the last entry in the file (GENESIS_HASH when it has none). */
  head: string;
  exportedAt: string;
}

/** The header line's content for an export ending at `head`. */
export function exportHeader(head: string, exportedAt: Date): ExportHeader {
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, head, exportedAt: exportedAt.toISOString() };
}

/** One export line (no newline) for a sealed entry; fixed key order so exports diff cleanly. */
export function exportLine(entry: SealedEntry): string {
  return JSON.stringify({
    sequence: entry.sequence,
    prevHash: entry.prevHash,
    hash: entry.hash,
    id: entry.id,
    occurredAt: entry.occurredAt,
    kind: entry.kind,
    memo: entry.memo,
    reference: entry.reference ?? null,
    reverses: entry.reverses ?? null,
    postings: entry.postings.map((p) => ({ account: p.account, amountFen: p.amountFen })),
  });
}

/** True when a parsed export line is meant as a header (has a `format` key) rather than an entry. */
export function looksLikeHeader(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'format' in value;
}

/** Checks a parsed header line. */
export function parseExportHeader(value: unknown): { ok: true; header: ExportHeader } | { ok: false; problems: LedgerProblem[] } {
  const bad = (detail: string) => ({ ok: false as const, problems: [problem('bad_header', { detail })] });
  if (!looksLikeHeader(value)) return bad('not an object with "format"');
  const v = value as Record<string, unknown>;
  if (v.format !== EXPORT_FORMAT) return bad(`format is ${JSON.stringify(v.format)}`);
  if (v.version !== EXPORT_VERSION) return bad(`version ${JSON.stringify(v.version)} is not supported (only ${EXPORT_VERSION})`);
  if (typeof v.head !== 'string' || !HASH.test(v.head)) return bad('head is not 64 lowercase hex digits');
  if (!isCanonicalTimestamp(v.exportedAt)) return bad('exportedAt is not a UTC timestamp');
  return { ok: true, header: { format: EXPORT_FORMAT, version: EXPORT_VERSION, head: v.head, exportedAt: v.exportedAt } };
}

const HASH_FIELDS = ['prevHash', 'hash'] as const;
const TEXT_FIELDS = ['id', 'occurredAt', 'kind', 'memo'] as const;
const OPTIONAL_FIELDS = ['reference', 'reverses'] as const;
const ENTRY_FIELDS = new Set(['sequence', 'prevHash', 'hash', 'id', 'occurredAt', 'kind', 'memo', 'reference', 'reverses', 'postings']);

/**
 * Turns a parsed export line into a typed entry, refusing anything the hash would not cover
 * (extra fields) or that has the wrong JSON type. Rule checks are left to `verifyLedger`, which
 * reports them with the entry's sequence.
 */
export function parseSealedEntry(value: unknown): { ok: true; entry: SealedEntry } | { ok: false; problems: LedgerProblem[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problems: [problem('bad_field', { field: '(entry)' })] };
  const v = value as Record<string, unknown>;
  const problems: LedgerProblem[] = [];
  for (const key of Object.keys(v)) if (!ENTRY_FIELDS.has(key)) problems.push(problem('unexpected_field', { field: key }));
  if (typeof v.sequence !== 'number') problems.push(problem('bad_field', { field: 'sequence' }));
  for (const field of HASH_FIELDS) {
    if (typeof v[field] !== 'string') problems.push(problem('bad_field', { field }));
    else if (!HASH.test(v[field] as string)) problems.push(problem('bad_hash', { field, value: v[field] as string }));
  }
  for (const field of TEXT_FIELDS) if (typeof v[field] !== 'string') problems.push(problem('bad_field', { field }));
  for (const field of OPTIONAL_FIELDS) if (v[field] !== undefined && v[field] !== null && typeof v[field] !== 'string') problems.push(problem('bad_field', { field }));
  const postings: Posting[] = [];
  if (!Array.isArray(v.postings)) problems.push(problem('bad_field', { field: 'postings' }));
  else {
    for (let i = 0; i < v.postings.length; i += 1) {
      const p: unknown = v.postings[i];
      if (typeof p !== 'object' || p === null || Array.isArray(p)) {
        problems.push(problem('bad_field', { field: `postings[${i}]` }));
        continue;
      }
      const q = p as Record<string, unknown>;
      for (const key of Object.keys(q)) if (key !== 'account' && key !== 'amountFen') problems.push(problem('unexpected_field', { field: `postings[${i}].${key}` }));
      if (typeof q.account !== 'string') problems.push(problem('bad_field', { field: `postings[${i}].account` }));
      if (typeof q.amountFen !== 'number') problems.push(problem('bad_field', { field: `postings[${i}].amountFen` }));
      postings.push({ account: q.account as string, amountFen: q.amountFen as number });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const entry: SealedEntry = {
    sequence: v.sequence as number,
    prevHash: v.prevHash as string,
    hash: v.hash as string,
    id: v.id as string,
    occurredAt: v.occurredAt as string,
    kind: v.kind as TransactionKind,
    memo: v.memo as string,
    postings,
  };
  if (typeof v.reference === 'string') entry.reference = v.reference;
  if (typeof v.reverses === 'string') entry.reverses = v.reverses;
  return { ok: true, entry };
}

// ─── Where the money went: FIFO allocation ───────────────────────────────────────────────────

export interface GiftInput {
  id: string;
  /** null = unrestricted, to the organization's general fund. */
  projectId: string | null;
  receivedAt: string | Date;
  /** What the gift put into the fund (net of any fee charged to it). */
  amountFen: number;
  refundedFen: number;
}

export interface ExpenditureInput {
  id: string;
  /** null = paid from the general fund. */
  projectId: string | null;
  postedAt: string | Date;
  amountFen: number;
  /** Usually an ExpenseCategory; passed through to what the donor sees. */
  category: string;
}

export interface GiftPayment {
  expenditureId: string;
  category: string;
  postedAt: string;
  amountFen: number;
}

export interface GiftAllocation {
  giftId: string;
  projectId: string | null;
  receivedAt: string;
  amountFen: number;
  refundedFen: number;
  spentFen: number;
  /** amount − refunded − spent. */
  unspentFen: number;
  payments: GiftPayment[];
}

export interface ExpenditureFunding {
  expenditureId: string;
  projectId: string | null;
  category: string;
  postedAt: string;
  amountFen: number;
  fundedFen: number;
  /** Spending no gift covers; 0 unless the fund was overdrawn (e.g. by a refund after spending). */
  unfundedFen: number;
  fundedBy: Array<{ giftId: string; amountFen: number }>;
}

export interface Allocation {
  /** Oldest first (receivedAt, then id). */
  gifts: GiftAllocation[];
  /** Oldest first (postedAt, then id). */
  expenditures: ExpenditureFunding[];
}

/** Epoch ms and the UTC ISO text of a date; canonical text is passed through, as toISOString is the slowest step of a large report. */
function instant(value: string | Date, what: string): { t: number; iso: string } {
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(t)) throw new RangeError(`${what} is not a date: ${String(value)}`);
  return { t, iso: typeof value === 'string' && CANONICAL_TIMESTAMP.test(value) ? value : new Date(t).toISOString() };
}

function positiveFen(value: number, what: string, allowZero = false): void {
  if (!Number.isSafeInteger(value) || value < 0 || (!allowZero && value === 0)) throw new RangeError(`${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer of fen, got ${value}`);
}

const byTimeThenId = <T extends { t: number; id: string }>(a: T, b: T): number => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Input read with ORDER BY time, id (uuid order is hex-string order) skips the sort: it dominates a 100,000-gift report. */
function sortIfNeeded<T extends { t: number; id: string }>(list: T[]): void {
  for (let i = 1; i < list.length; i += 1) {
    if (byTimeThenId(list[i - 1], list[i]) > 0) {
      list.sort(byTimeThenId);
      return;
    }
  }
}

/**
 * Allocates one organization's gifts to its expenditures first-in first-out: each fund (a project,
 * or the general fund for projectId null) is a queue of gifts, oldest first; each expenditure,
 * oldest first, takes what it needs from the head of its fund's queue. Refunded fen are never
 * allocated. Ties are broken by id, so the answer never depends on input order.
 * When the fund never went below zero, a gift only ever pays for spending after it arrived.
 */
export function allocateFifo(gifts: readonly GiftInput[], expenditures: readonly ExpenditureInput[]): Allocation {
  const seenGifts = new Set<string>();
  const seenSpending = new Set<string>();
  const giftQueue = gifts.map((g) => {
    if (seenGifts.has(g.id)) throw new RangeError(`gift ${g.id} appears twice`);
    seenGifts.add(g.id);
    positiveFen(g.amountFen, `gift ${g.id} amountFen`);
    positiveFen(g.refundedFen, `gift ${g.id} refundedFen`, true);
    if (g.refundedFen > g.amountFen) throw new RangeError(`gift ${g.id} refunded ${g.refundedFen} fen of ${g.amountFen}`);
    const { t, iso } = instant(g.receivedAt, `gift ${g.id} receivedAt`);
    const out: GiftAllocation = {
      giftId: g.id,
      projectId: g.projectId,
      receivedAt: iso,
      amountFen: g.amountFen,
      refundedFen: g.refundedFen,
      spentFen: 0,
      unspentFen: g.amountFen - g.refundedFen,
      payments: [],
    };
    return { t, id: g.id, out };
  });
  const spendQueue = expenditures.map((e) => {
    if (seenSpending.has(e.id)) throw new RangeError(`expenditure ${e.id} appears twice`);
    seenSpending.add(e.id);
    positiveFen(e.amountFen, `expenditure ${e.id} amountFen`);
    const { t, iso } = instant(e.postedAt, `expenditure ${e.id} postedAt`);
    const out: ExpenditureFunding = {
      expenditureId: e.id,
      projectId: e.projectId,
      category: e.category,
      postedAt: iso,
      amountFen: e.amountFen,
      fundedFen: 0,
      unfundedFen: e.amountFen,
      fundedBy: [],
    };
    return { t, id: e.id, out };
  });
  sortIfNeeded(giftQueue);
  sortIfNeeded(spendQueue);

  const queues = new Map<string | null, { gifts: GiftAllocation[]; head: number }>();
  for (const { out } of giftQueue) {
    const q = queues.get(out.projectId) ?? { gifts: [], head: 0 };
    q.gifts.push(out);
    queues.set(out.projectId, q);
  }
  for (const { out: spend } of spendQueue) {
    const q = queues.get(spend.projectId);
    while (q && spend.unfundedFen > 0 && q.head < q.gifts.length) {
      const gift = q.gifts[q.head];
      const take = Math.min(gift.unspentFen, spend.unfundedFen);
      if (take > 0) {
        gift.unspentFen -= take;
        gift.spentFen += take;
        gift.payments.push({ expenditureId: spend.expenditureId, category: spend.category, postedAt: spend.postedAt, amountFen: take });
        spend.unfundedFen -= take;
        spend.fundedFen += take;
        spend.fundedBy.push({ giftId: gift.giftId, amountFen: take });
      }
      if (gift.unspentFen === 0) q.head += 1;
    }
  }
  return { gifts: giftQueue.map((g) => g.out), expenditures: spendQueue.map((e) => e.out) };
}

/** Where an expenditure sits on its fund's line of spent fen, in allocation order: [fromFen, toFen). */
export interface LineRange {
  fromFen: number;
  toFen: number;
}

/**
 * Each expenditure's place on its fund's line (per projectId), in the order `allocateFifo` pays
 * them (postedAt, then id): it is paid by the gifts whose kept fen cover that stretch of the line.
 */
export function spendingLine(expenditures: readonly ExpenditureInput[]): Map<string, LineRange> {
  const queue = expenditures.map((e) => ({ ...instant(e.postedAt, `expenditure ${e.id} postedAt`), id: e.id, e }));
  sortIfNeeded(queue);
  const spent = new Map<string | null, number>();
  const out = new Map<string, LineRange>();
  for (const { e } of queue) {
    const fromFen = spent.get(e.projectId) ?? 0;
    out.set(e.id, { fromFen, toFen: fromFen + e.amountFen });
    spent.set(e.projectId, fromFen + e.amountFen);
  }
  return out;
}

/** A gift of one fund with where its kept fen start on the fund's line (what the gifts before it kept). */
export interface PlacedGift extends GiftInput {
  startFen: number;
}

/**
 * A fund's gift line cut down to some of its gifts (`placed`, in allocation order with their
 * places, all of one fund): what lies between them enters as one gift of that many fen, so
 * `allocateFifo` funds every expenditure exactly as over the whole line, and an expenditure whose
 * stretch of the line only the placed gifts cover is paid by exactly those gifts, as over the
 * whole line. Times are replaced by the line's order; fillers have ids starting "gap:".
 */
export function condensedGiftLine(placed: readonly PlacedGift[]): GiftInput[] {
  const out: GiftInput[] = [];
  let at = 0;
  for (const g of placed) {
    if (g.startFen < at) throw new RangeError(`gift ${g.id} starts at ${g.startFen} fen, before ${at}`);
    if (g.startFen > at) out.push({ id: `gap:${out.length}`, projectId: g.projectId, receivedAt: new Date(out.length), amountFen: g.startFen - at, refundedFen: 0 });
    out.push({ id: g.id, projectId: g.projectId, receivedAt: new Date(out.length), amountFen: g.amountFen, refundedFen: g.refundedFen });
    at = g.startFen + g.amountFen - g.refundedFen;
  }
  return out;
}

// ─── Disclosure deadlines ────────────────────────────────────────────────────────────────────

export type DisclosureKind = 'quarterly' | 'final' | 'leftover';

export interface DisclosureInput {
  projectStart: Date;
  /** Planned or actual end; null = open-ended. */
  projectEnd: Date | null;
  lastDisclosureAt: Date | null;
  /** When the handling of leftover funds was disclosed (may be the final report's own date). */
  leftoverDisclosedAt?: Date | null;
  today: Date;
  /** "Running longer than" threshold in months: 6 by the Charity Law. */
  longRunningAfterMonths?: number;
}

export interface DisclosureStatus {
  kind: DisclosureKind;
  /** The last instant (23:59:59.999 China time) of the day the disclosure is due. */
  due: Date;
  overdue: boolean;
  /** Whole days past the due date, China calendar; 0 when not overdue. */
  daysOverdue: number;
}

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

interface CalendarDate {
  y: number;
  m: number; // 1–12
  d: number;
}

function chinaCalendarDate(t: Date): CalendarDate {
  const shifted = new Date(t.getTime() + CHINA_OFFSET_MS);
  return { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth() + 1, d: shifted.getUTCDate() };
}

/** Calendar months later, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb). */
function addMonths(date: CalendarDate, months: number): CalendarDate {
  const index = date.y * 12 + (date.m - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { y, m, d: Math.min(date.d, last) };
}

const ordinal = (c: CalendarDate): number => Date.UTC(c.y, c.m - 1, c.d);
const endOfChinaDay = (c: CalendarDate): Date => new Date(ordinal(c) + DAY_MS - 1 - CHINA_OFFSET_MS);

function status(kind: DisclosureKind, dueDate: CalendarDate, today: Date): DisclosureStatus {
  const days = Math.round((ordinal(chinaCalendarDate(today)) - ordinal(dueDate)) / DAY_MS);
  return { kind, due: endOfChinaDay(dueDate), overdue: days > 0, daysOverdue: Math.max(0, days) };
}

/**
 * The next disclosure a project owes, or null when it owes none (ended, final and leftover
 * reports made). Charity Law (2023) art. on disclosure: a project running longer than 6 months
 * discloses at least every 3 months, and in full within 3 months after it ends; the 2026
 * 慈善组织信息公开办法 adds the handling of leftover funds within 3 months after the end.
 * Interpretation (China calendar dates, month arithmetic clamped to month end):
 * - "Running longer than 6 months": end date later than start + 6 months; open-ended counts.
 * - Quarterly: due 3 months after the last disclosure (or the start when none). A missed
 *   quarterly report stays owed — and overdue — even after the project ends: lateness is not
 *   forgiven by the calendar. A quarterly date falling on or after the end date is absorbed
 *   by the final report.
 * - Final: any disclosure on or after the end instant is the full report; due end + 3 months.
 * - Leftover: due end + 3 months too; owed after the final unless `leftoverDisclosedAt` is on
 *   or after the end (a project with nothing left over still says so).
 */
export function disclosureStatus(input: DisclosureInput): DisclosureStatus | null {
  const { projectStart, projectEnd, today } = input;
  const threshold = input.longRunningAfterMonths ?? 6;
  const start = chinaCalendarDate(projectStart);
  const end = projectEnd ? chinaCalendarDate(projectEnd) : null;
  // A disclosure before the project started belongs to something else.
  const last = input.lastDisclosureAt && input.lastDisclosureAt.getTime() >= projectStart.getTime() ? input.lastDisclosureAt : null;

  const longRunning = end === null || ordinal(end) > ordinal(addMonths(start, threshold));
  if (longRunning) {
    const quarterly = addMonths(last ? chinaCalendarDate(last) : start, 3);
    if (end === null || ordinal(quarterly) < ordinal(end)) return status('quarterly', quarterly, today);
  }
  const finalDue = addMonths(end!, 3);
  const endTime = projectEnd!.getTime();
  if (!last || last.getTime() < endTime) return status('final', finalDue, today);
  const leftover = input.leftoverDisclosedAt;
  if (!leftover || leftover.getTime() < endTime) return status('leftover', finalDue, today);
  return null;
}
