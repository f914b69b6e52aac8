/**
 * Small factories for ledger tests: transactions of each kind with the right shape, sealed into a
 * chain, and an export file. Ids are counted, timestamps are day offsets from 2026-01-01 (UTC), so
 * every run builds byte-identical ledgers.
 */
import {
  type ExpenseCategory,
  type LedgerTransaction,
  type SealedEntry,
  GENESIS_HASH,
  accountName,
  exportHeader,
  exportLine,
  reversalOf,
  sealEntry,
} from '../../../server/ledger/ledger.rules';

export const ORG = 'org-a';
export const PROJECT = 'proj-1';

export const acct = {
  general: (org = ORG) => accountName({ type: 'general', orgId: org }),
  restricted: (project = PROJECT, org = ORG) => accountName({ type: 'restricted', orgId: org, projectId: project }),
  expense: (category: ExpenseCategory, project: string | null = PROJECT, org = ORG) => accountName({ type: 'expense', orgId: org, projectId: project, category }),
  donors: 'external:donors',
  refunds: 'external:refunds',
  disputes: 'external:disputes',
  fees: 'external:stripe-fees',
};

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${String(++counter).padStart(4, '0')}`;

/** Midnight UTC of 2026-01-01 plus `day` days (and `hour` hours). */
export function at(day: number, hour = 0): string {
  return new Date(Date.UTC(2026, 0, 1 + day, hour)).toISOString();
}

/** The fund a factory transaction moves: a project's (default), or the general fund with project null. */
const fund = (project: string | null, org: string) => (project === null ? acct.general(org) : acct.restricted(project, org));

export function donation(o: { fen: number; project?: string | null; org?: string; feeFen?: number; day?: number; id?: string; memo?: string }): LedgerTransaction {
  const project = o.project === undefined ? PROJECT : o.project;
  const org = o.org ?? ORG;
  const fee = o.feeFen ?? 0;
  const postings = [
    { account: fund(project, org), amountFen: o.fen - fee },
    { account: acct.donors, amountFen: -o.fen },
  ];
  if (fee > 0) postings.push({ account: acct.fees, amountFen: fee });
  const id = o.id ?? nextId('tx');
  return { id, occurredAt: at(o.day ?? 0), kind: 'donation', memo: o.memo ?? '网络捐赠 online gift', reference: `don-${id}`, postings };
}

export function expenditure(o: { fen: number; category?: ExpenseCategory; project?: string | null; org?: string; day?: number; id?: string; memo?: string }): LedgerTransaction {
  const project = o.project === undefined ? PROJECT : o.project;
  const org = o.org ?? ORG;
  const category = o.category ?? 'goods';
  return {
    id: o.id ?? nextId('tx'),
    occurredAt: at(o.day ?? 1),
    kind: 'expenditure',
    memo: o.memo ?? '购买冬衣 winter clothes',
    postings: [
      { account: acct.expense(category, project, org), amountFen: o.fen },
      { account: fund(project, org), amountFen: -o.fen },
    ],
  };
}

/** Money leaving a fund to an external account: a refund, a lost dispute or a stand-alone fee. */
export function outflow(kind: 'refund' | 'dispute' | 'fee', o: { fen: number; project?: string | null; org?: string; day?: number; id?: string }): LedgerTransaction {
  const project = o.project === undefined ? PROJECT : o.project;
  const to = kind === 'refund' ? acct.refunds : kind === 'dispute' ? acct.disputes : acct.fees;
  return {
    id: o.id ?? nextId('tx'),
    occurredAt: at(o.day ?? 2),
    kind,
    memo: `${kind}`,
    postings: [
      { account: to, amountFen: o.fen },
      { account: fund(project, o.org ?? ORG), amountFen: -o.fen },
    ],
  };
}

export function transfer(o: { fen: number; from: string | null; to: string | null; org?: string; day?: number; id?: string }): LedgerTransaction {
  const org = o.org ?? ORG;
  return {
    id: o.id ?? nextId('tx'),
    occurredAt: at(o.day ?? 3),
    kind: 'transfer',
    memo: '结余转入 leftover moved',
    postings: [
      { account: fund(o.to, org), amountFen: o.fen },
      { account: fund(o.from, org), amountFen: -o.fen },
    ],
  };
}

export function reversal(original: LedgerTransaction, day = 4): LedgerTransaction {
  return reversalOf(original, { id: nextId('rev'), occurredAt: at(day), memo: '更正：金额录入错误 correction: wrong amount' });
}

/** Seals transactions into a chain from the genesis. */
export function chain(txs: LedgerTransaction[]): SealedEntry[] {
  const out: SealedEntry[] = [];
  let prev = GENESIS_HASH;
  txs.forEach((tx, i) => {
    const entry = sealEntry(prev, i + 1, tx);
    out.push(entry);
    prev = entry.hash;
  });
  return out;
}

/** A JSON Lines export of `entries` with the header line (head = last entry's hash). */
export function exportText(entries: SealedEntry[], opts: { header?: boolean; head?: string } = {}): string {
  const head = opts.head ?? (entries.length ? entries[entries.length - 1].hash : GENESIS_HASH);
  const lines = entries.map(exportLine);
  if (opts.header !== false) lines.unshift(JSON.stringify(exportHeader(head, new Date('2026-03-01T00:00:00.000Z'))));
  return `${lines.join('\n')}\n`;
}

/**
 * A small, realistic ledger: gifts to a project and the general fund (one with a fee), spending in
 * three categories, a refund, a dispute, a fee, a leftover transfer and a corrected mistake.
 * Totals are stated next to it so tests compare against numbers worked out by hand.
 */
export function sampleLedger(): { txs: LedgerTransaction[]; totals: { donations: number; refunds: number; disputes: number; fees: number; goods: number; school_aid: number; administration: number; held: number } } {
  const mistaken = expenditure({ fen: 99_900, category: 'goods', day: 6, memo: '误录 entered twice' });
  const txs = [
    donation({ fen: 100_000, day: 0 }), // project +1000.00
    donation({ fen: 50_000, feeFen: 1_500, day: 1 }), // project +485.00, fee 15.00
    donation({ fen: 20_000, project: null, day: 2 }), // general +200.00
    expenditure({ fen: 30_000, category: 'goods', day: 3 }),
    expenditure({ fen: 45_000, category: 'school_aid', day: 4 }),
    expenditure({ fen: 5_000, category: 'administration', project: null, day: 5 }),
    mistaken,
    reversal(mistaken, 7),
    outflow('refund', { fen: 10_000, day: 8 }),
    outflow('dispute', { fen: 2_000, project: null, day: 9 }),
    outflow('fee', { fen: 300, day: 10 }),
    transfer({ fen: 3_000, from: PROJECT, to: null, day: 11 }),
  ];
  return {
    txs,
    totals: {
      donations: 170_000,
      refunds: 10_000,
      disputes: 2_000,
      fees: 1_800,
      goods: 30_000,
      school_aid: 45_000,
      administration: 5_000,
      held: 170_000 - 1_800 - 10_000 - 2_000 - 80_000,
    },
  };
}
