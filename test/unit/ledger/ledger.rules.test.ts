import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  EXPENSE_CATEGORIES,
  GENESIS_HASH,
  LedgerRuleError,
  LedgerSummary,
  LedgerVerifier,
  PROBLEM_MESSAGES,
  type AccountRef,
  type LedgerTransaction,
  type SealedEntry,
  accountName,
  balances,
  canonicalEncoding,
  chainHash,
  disclosureStatus,
  exportLine,
  fundOf,
  isCanonicalTimestamp,
  ledgerTotals,
  normalBalance,
  parseAccountName,
  parseExportHeader,
  parseSealedEntry,
  problem,
  reversalOf,
  sealEntry,
  trialBalance,
  validateTransaction,
  verifyChain,
  verifyLedger,
} from '../../../server/ledger/ledger.rules';
import { ORG, PROJECT, acct, at, chain, donation, expenditure, outflow, reversal, sampleLedger, transfer } from './ledger-factory';

const codes = (problems: Array<{ code: string }>) => problems.map((p) => p.code);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('account names', () => {
  const refs: AccountRef[] = [
    { type: 'general', orgId: 'org-a' },
    { type: 'restricted', orgId: 'org-a', projectId: '3f2b1c9e-0d4a-4e8b-9a41-6c2d7e8f9a10' },
    { type: 'expense', orgId: 'org-a', projectId: null, category: 'administration' },
    { type: 'expense', orgId: 'org-a', projectId: 'p_1', category: 'school_aid' },
    { type: 'external', name: 'donors' },
    { type: 'external', name: 'stripe-fees' },
  ];

  it('round-trips every kind of account through its name', () => {
    for (const ref of refs) expect(parseAccountName(accountName(ref))).toEqual(ref);
    expect(accountName(refs[1])).toBe('org:org-a:project:3f2b1c9e-0d4a-4e8b-9a41-6c2d7e8f9a10:restricted');
    expect(accountName(refs[3])).toBe('org:org-a:project:p_1:expense:school_aid');
  });

  it('refuses names outside the grammar', () => {
    for (const name of [
      '',
      'org:a',
      'org:a:general:x',
      'org::general',
      'org:a:expense:travel',
      'org:a:project:p:expense',
      'org:a:project:p:unrestricted',
      'external:payees',
      'external:donors:x',
      'ORG:a:general',
      'org:a b:general',
    ]) {
      expect(parseAccountName(name)).toBeNull();
    }
  });

  it('refuses to build a name from an id that would break the grammar', () => {
    expect(() => accountName({ type: 'general', orgId: 'a:b' })).toThrow(TypeError);
    expect(() => accountName({ type: 'restricted', orgId: 'a', projectId: '' })).toThrow(TypeError);
  });

  it('has donors as the one credit-normal account', () => {
    expect(refs.filter((r) => normalBalance(r) === 'credit')).toEqual([{ type: 'external', name: 'donors' }]);
  });

  it('knows which fund an expense was spent from', () => {
    expect(fundOf(refs[3])).toEqual({ type: 'restricted', orgId: 'org-a', projectId: 'p_1' });
    expect(fundOf(refs[2])).toEqual({ type: 'general', orgId: 'org-a' });
    expect(fundOf(refs[4])).toBeNull();
  });
});

describe('validateTransaction', () => {
  it('accepts every kind built the way the service will build it', () => {
    const d = donation({ fen: 10_000, feeFen: 60 });
    for (const tx of [d, expenditure({ fen: 500 }), outflow('refund', { fen: 1 }), outflow('dispute', { fen: 2 }), outflow('fee', { fen: 3 }), transfer({ fen: 4, from: PROJECT, to: null })]) {
      expect(validateTransaction(tx)).toEqual([]);
    }
    expect(validateTransaction(reversal(d), (id) => (id === d.id ? d : undefined))).toEqual([]);
  });

  it('finds unbalanced, zero and fractional amounts', () => {
    const d = donation({ fen: 100 });
    expect(codes(validateTransaction({ ...d, postings: [d.postings[0], { ...d.postings[1], amountFen: -99 }] }))).toEqual(['unbalanced']);
    expect(validateTransaction({ ...d, postings: [d.postings[0], { ...d.postings[1], amountFen: -99 }] })[0].params).toEqual({ difference: 1 });
    expect(codes(validateTransaction({ ...d, postings: [...d.postings, { account: acct.general(), amountFen: 0 }] }))).toContain('amount_zero');
    expect(codes(validateTransaction({ ...d, postings: [{ account: acct.restricted(), amountFen: 0.5 }, { account: acct.donors, amountFen: -0.5 }] }))).toEqual(['amount_not_integer', 'amount_not_integer']);
    const asText = { ...d, postings: [{ account: acct.restricted(), amountFen: '100' as unknown as number }, d.postings[1]] };
    expect(codes(validateTransaction(asText))).toContain('amount_not_integer');
    expect(codes(validateTransaction({ ...d, postings: [{ account: acct.restricted(), amountFen: 2 ** 60 }, { account: acct.donors, amountFen: -(2 ** 60) }] }))).toContain('amount_not_integer');
  });

  it('needs two postings on accounts that follow the grammar', () => {
    const d = donation({ fen: 100 });
    expect(codes(validateTransaction({ ...d, postings: [] }))).toContain('too_few_postings');
    expect(codes(validateTransaction({ ...d, postings: [d.postings[0]] }))).toEqual(expect.arrayContaining(['too_few_postings', 'unbalanced']));
    expect(codes(validateTransaction({ ...d, postings: [d.postings[0], { account: 'external:payees', amountFen: -100 }] }))).toEqual(['unknown_account']);
  });

  it('needs an id, a known kind, text memo and a canonical UTC timestamp', () => {
    const d = donation({ fen: 100 });
    expect(codes(validateTransaction({ ...d, id: '' }))).toEqual(['missing_id']);
    expect(codes(validateTransaction({ ...d, kind: 'gift' as 'donation' }))).toEqual(['unknown_kind']);
    expect(codes(validateTransaction({ ...d, memo: 5 as unknown as string }))).toEqual(['bad_memo']);
    expect(codes(validateTransaction({ ...d, reference: '' }))).toEqual(['bad_reference']);
    for (const ts of ['2026-01-01T08:00:00.000+08:00', '2026-01-01T00:00:00Z', '2026-02-30T00:00:00.000Z', '2026-01-01 00:00:00.000Z', '']) {
      expect(codes(validateTransaction({ ...d, occurredAt: ts }))).toEqual(['bad_timestamp']);
    }
    expect(isCanonicalTimestamp('2028-02-29T23:59:59.999Z')).toBe(true);
  });

  it('holds each kind to its shape: sides, one fund, one organization', () => {
    const d = donation({ fen: 100 });
    const flipped = { ...d, postings: d.postings.map((p) => ({ ...p, amountFen: -p.amountFen })) };
    expect(codes(validateTransaction(flipped))).toEqual(['cannot_credit', 'cannot_debit']);
    const twoFunds = { ...d, postings: [{ account: acct.restricted(), amountFen: 50 }, { account: acct.general(), amountFen: 50 }, { account: acct.donors, amountFen: -100 }] };
    expect(codes(validateTransaction(twoFunds))).toEqual(['one_fund']);
    const otherOrg = { ...d, postings: [{ account: acct.restricted(), amountFen: 50 }, { account: acct.general('org-b'), amountFen: 50 }, { account: acct.donors, amountFen: -100 }] };
    expect(codes(validateTransaction(otherOrg))).toEqual(['several_orgs', 'one_fund']);
    const e = expenditure({ fen: 100 });
    const bookedElsewhere = { ...e, postings: [{ account: acct.expense('goods', 'proj-2'), amountFen: 100 }, { account: acct.restricted(), amountFen: -100 }] };
    expect(codes(validateTransaction(bookedElsewhere))).toEqual(['fund_mismatch']);
    const spendOnDonors = { ...e, postings: [{ account: acct.refunds, amountFen: 100 }, { account: acct.restricted(), amountFen: -100 }] };
    expect(codes(validateTransaction(spendOnDonors))).toEqual(['cannot_debit']);
    const toItself = transfer({ fen: 5, from: PROJECT, to: PROJECT });
    expect(codes(validateTransaction(toItself))).toEqual(['transfer_needs_two_funds']);
  });

  it('allows `reverses` only on a reversal, and requires it there', () => {
    const d = donation({ fen: 100 });
    expect(codes(validateTransaction({ ...d, reverses: 'x' }))).toEqual(['reverses_not_allowed']);
    const r = reversal(d);
    delete r.reverses;
    expect(codes(validateTransaction(r))).toEqual(['reversal_without_target']);
  });

  it('gives messages with their params filled', () => {
    expect(problem('unbalanced', { difference: -3 }).message).toBe('The postings do not balance: debits minus credits is -3 fen.');
  });
});

describe('reversals', () => {
  const original = donation({ fen: 12_345, feeFen: 45 });
  const lookup = (id: string) => (id === original.id ? original : undefined);

  it('negates every posting and points back at the original', () => {
    const r = reversalOf(original, { id: 'r1', occurredAt: at(9), memo: '更正' });
    expect(r).toMatchObject({ id: 'r1', kind: 'reversal', reverses: original.id, reference: original.reference });
    expect(r.postings).toEqual(original.postings.map((p) => ({ account: p.account, amountFen: -p.amountFen })));
    expect(balances([original, r])).toEqual(new Map(original.postings.map((p) => [p.account, 0])));
  });

  it('rejects a reversal that does not exactly negate the original', () => {
    const r = reversal(original);
    const partial = { ...r, postings: [{ account: acct.restricted(), amountFen: -100 }, { account: acct.donors, amountFen: 100 }] };
    expect(codes(validateTransaction(partial, lookup))).toEqual(['reversal_mismatch']);
    const wrongSign = { ...r, postings: original.postings };
    expect(codes(validateTransaction(wrongSign, lookup))).toEqual(['reversal_mismatch']);
  });

  it('rejects reversing what is not there or is itself a reversal', () => {
    const r = reversal(original);
    expect(codes(validateTransaction(r, () => undefined))).toEqual(['reversal_target_missing']);
    const undo: LedgerTransaction = { ...r, id: 'rr', reverses: r.id, postings: r.postings.map((p) => ({ ...p, amountFen: -p.amountFen })) };
    expect(codes(validateTransaction(undo, () => r))).toEqual(['reversal_of_reversal']);
    expect(() => reversalOf(r, { id: 'x', occurredAt: at(1), memo: '' })).toThrow(TypeError);
  });
});

describe('canonical encoding and the hash chain', () => {
  const tx: LedgerTransaction = {
    id: 'tx-1',
    occurredAt: '2026-01-02T03:04:05.006Z',
    kind: 'donation',
    memo: '爱心捐赠 "quoted"\n',
    postings: [
      { account: 'external:donors', amountFen: -10000 },
      { account: 'org:o:project:p:restricted', amountFen: 9940 },
      { account: 'external:stripe-fees', amountFen: 60 },
    ],
  };
  const expected =
    '{"id":"tx-1","kind":"donation","memo":"爱心捐赠 \\"quoted\\"\\n","occurredAt":"2026-01-02T03:04:05.006Z",' +
    '"postings":[{"account":"external:donors","amountFen":-10000},{"account":"external:stripe-fees","amountFen":60},' +
    '{"account":"org:o:project:p:restricted","amountFen":9940}],"reference":null,"reverses":null,"sequence":7}';

  it('is exactly the documented text', () => {
    expect(canonicalEncoding({ ...tx, sequence: 7 })).toBe(expected);
  });

  it('does not depend on key order or posting order', () => {
    const shuffled = { sequence: 7, postings: [...tx.postings].reverse(), memo: tx.memo, kind: tx.kind, occurredAt: tx.occurredAt, id: tx.id } as LedgerTransaction & { sequence: number };
    expect(canonicalEncoding(shuffled)).toBe(expected);
  });

  it('sorts postings on the same account by amount', () => {
    const twice = { ...tx, postings: [{ account: 'a', amountFen: 5 }, { account: 'a', amountFen: -7 }], sequence: 1 };
    expect(canonicalEncoding(twice)).toContain('[{"account":"a","amountFen":-7},{"account":"a","amountFen":5}]');
  });

  it('hashes prevHash, a newline and the encoding as UTF-8 with SHA-256', () => {
    const independent = createHash('sha256').update(Buffer.from(`${GENESIS_HASH}\n${expected}`, 'utf8')).digest('hex');
    expect(chainHash(GENESIS_HASH, { ...tx, sequence: 7 })).toBe(independent);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('gives the known-answer hash printed in CONTEXT.md', () => {
    const example: LedgerTransaction = { ...tx, memo: '爱心捐赠' };
    expect(chainHash(GENESIS_HASH, { ...example, sequence: 7 })).toBe('02e469951229858896d14d8689348b9033d276e7fdf1baa853af8335f578ed41');
    const spec = fs.readFileSync(path.join(__dirname, '../../../server/ledger/CONTEXT.md'), 'utf8');
    expect(spec).toContain(canonicalEncoding({ ...example, sequence: 7 }));
    expect(spec).toContain('02e469951229858896d14d8689348b9033d276e7fdf1baa853af8335f578ed41');
  });

  it('seals only valid transactions', () => {
    const sealed = sealEntry(GENESIS_HASH, 1, { ...tx, postings: [{ account: 'external:donors', amountFen: -100 }, { account: acct.restricted(), amountFen: 100 }] });
    expect(sealed).toMatchObject({ sequence: 1, prevHash: GENESIS_HASH });
    expect(sealed.hash).toBe(chainHash(GENESIS_HASH, sealed));
    expect(() => sealEntry(GENESIS_HASH, 1, { ...tx, postings: [] })).toThrow(LedgerRuleError);
    expect(() => sealEntry('abc', 1, donation({ fen: 1 }))).toThrow(TypeError);
    expect(() => sealEntry(GENESIS_HASH, 0, donation({ fen: 1 }))).toThrow(TypeError);
  });
});

describe('verifyChain and verifyLedger', () => {
  const entries = chain(sampleLedger().txs);
  const problemAt = (list: SealedEntry[]) => verifyChain(list).problems.map((p) => [p.sequence, p.code]);

  it('accepts an intact chain and reports its head', () => {
    const result = verifyLedger(entries);
    expect(result).toEqual({ ok: true, problems: [], head: entries[entries.length - 1].hash, count: entries.length });
    expect(verifyChain([])).toEqual({ ok: true, problems: [], head: GENESIS_HASH, count: 0 });
  });

  it('catches an edited memo or amount at that entry only', () => {
    const edited = clone(entries);
    edited[4].memo = '购买冬衣（已改）';
    expect(problemAt(edited)).toEqual([[5, 'hash_mismatch']]);
    const amount = clone(entries);
    amount[3].postings[0].amountFen += 100;
    amount[3].postings[1].amountFen -= 100;
    expect(problemAt(amount)).toEqual([[4, 'hash_mismatch']]);
  });

  it('catches an edit re-hashed in place at the entry after it', () => {
    const edited = clone(entries);
    edited[4].memo = 'x';
    edited[4].hash = chainHash(edited[4].prevHash, edited[4]);
    expect(problemAt(edited)).toEqual([[6, 'prev_hash_mismatch']]);
  });

  it('catches a removed entry', () => {
    const removed = entries.filter((e) => e.sequence !== 3);
    expect(problemAt(removed)).toEqual([
      [4, 'sequence_out_of_order'],
      [4, 'prev_hash_mismatch'],
    ]);
  });

  it('catches swapped entries', () => {
    const swapped = [...entries];
    [swapped[2], swapped[3]] = [swapped[3], swapped[2]];
    const found = problemAt(swapped);
    expect(found[0]).toEqual([4, 'sequence_out_of_order']);
    expect(found.map(([s]) => s)).toEqual(expect.arrayContaining([3, 4]));
  });

  it('catches an inserted entry, even one sealed with the right prevHash', () => {
    const extra = sealEntry(entries[1].hash, 3, donation({ fen: 1 }));
    const inserted = [...entries.slice(0, 2), extra, ...entries.slice(2)];
    expect(problemAt(inserted)).toEqual([
      [3, 'sequence_out_of_order'],
      [3, 'prev_hash_mismatch'],
    ]);
  });

  it('lets a removed tail through the chain but not past the head', () => {
    const truncated = entries.slice(0, -1);
    const result = verifyChain(truncated);
    expect(result.ok).toBe(true);
    expect(result.head).not.toBe(entries[entries.length - 1].hash);
  });

  it('verifies from a checkpoint', () => {
    expect(verifyChain(entries.slice(5), { prevHash: entries[4].hash, firstSequence: 6 }).ok).toBe(true);
    expect(verifyChain(entries.slice(5)).ok).toBe(false);
  });

  it('finds rule problems with their sequence: duplicate ids, double reversals, unbalanced entries', () => {
    const d = donation({ fen: 500 });
    const r1 = reversal(d);
    const r2 = { ...reversal(d), id: 'rev-second' };
    const dup = { ...expenditure({ fen: 10 }), id: d.id };
    const list = chain([d, r1, r2, dup]);
    expect(verifyLedger(list).problems.map((p) => [p.sequence, p.code])).toEqual([
      [3, 'already_reversed'],
      [4, 'duplicate_id'],
    ]);
    const unbalanced = clone(chain([d]));
    unbalanced[0].postings[0].amountFen += 1;
    unbalanced[0].hash = chainHash(GENESIS_HASH, unbalanced[0]);
    expect(verifyLedger(unbalanced).problems.map((p) => [p.sequence, p.code])).toEqual([[1, 'unbalanced']]);
  });

  it('streams: the verifier and the summary take one entry at a time and agree with the list functions', () => {
    const verifier = new LedgerVerifier();
    const summary = new LedgerSummary();
    const counts = entries.map((e) => {
      summary.add(e);
      return verifier.add(e);
    });
    expect(counts.every((c) => c === 0)).toBe(true);
    expect(verifier.result()).toEqual(verifyLedger(entries));
    expect(summary.balances()).toEqual(balances(entries));
    expect(summary.totals()).toEqual(ledgerTotals(entries));
    const broken = new LedgerVerifier();
    expect(broken.add({ ...entries[0], memo: 'x' })).toBe(1);
    expect(broken.result().ok).toBe(false);
  });

  it('refuses a reversal of an entry that comes later', () => {
    const d = donation({ fen: 500 });
    const r = reversal(d);
    const list = chain([r, d]);
    expect(verifyLedger(list).problems.map((p) => [p.sequence, p.code])).toEqual([[1, 'reversal_target_missing']]);
  });
});

describe('balances and totals', () => {
  const { txs, totals } = sampleLedger();

  it('sums every account, and the trial balance to zero', () => {
    const b = balances(txs);
    expect(b.get(acct.donors)).toBe(-totals.donations);
    expect(b.get(acct.expense('goods'))).toBe(totals.goods);
    expect([...b.keys()]).toEqual([...b.keys()].sort());
    const trial = trialBalance(b);
    expect(trial.differenceFen).toBe(0);
    expect(trial.debitFen).toBe(trial.creditFen);
  });

  it('gives the whole ledger\'s totals, a reversal cancelling what it reverses', () => {
    const t = ledgerTotals(txs);
    expect(t).toMatchObject({ donationsFen: totals.donations, refundsFen: totals.refunds, disputesFen: totals.disputes, feesFen: totals.fees, heldFen: totals.held });
    expect(t.spentByCategory).toEqual({ goods: totals.goods, school_aid: totals.school_aid, medical: 0, psychological: 0, activities: 0, administration: totals.administration });
    expect(t.spentFen).toBe(totals.goods + totals.school_aid + totals.administration);
    expect(t.transfersInFen).toBe(t.transfersOutFen);
  });

  it('scopes totals to a project and to an organization, each reconciling', () => {
    const other = donation({ fen: 7_000, org: 'org-b', project: 'p-b' });
    const all = [...txs, other];
    const project = ledgerTotals(all, { orgId: ORG, projectId: PROJECT });
    expect(project).toMatchObject({ donationsFen: 150_000, feesFen: 1_800, refundsFen: 10_000, disputesFen: 0, spentFen: 75_000, transfersInFen: 0, transfersOutFen: 3_000 });
    expect(project.heldFen).toBe(balances(all).get(acct.restricted()));
    const general = balances(all).get(acct.general())!;
    const org = ledgerTotals(all, { orgId: ORG });
    expect(org.heldFen).toBe(project.heldFen + general);
    expect(org.donationsFen).toBe(totals.donations);
    expect(ledgerTotals(all, { orgId: 'org-b' }).donationsFen).toBe(7_000);
    for (const t of [project, org, ledgerTotals(all)]) {
      expect(t.heldFen).toBe(t.donationsFen - t.feesFen - t.refundsFen - t.disputesFen - t.spentFen + t.transfersInFen - t.transfersOutFen);
    }
  });

  it('counts a reversed transfer against the figure it grew', () => {
    const move = transfer({ fen: 900, from: PROJECT, to: null });
    const t = ledgerTotals([donation({ fen: 1_000 }), move, reversal(move)], { orgId: ORG, projectId: PROJECT });
    expect(t).toMatchObject({ transfersInFen: 0, transfersOutFen: 0, heldFen: 1_000 });
  });

  it('reconciles on a random ledger of many small events', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const projects = [PROJECT, 'proj-2', null];
    const list: LedgerTransaction[] = [];
    for (let i = 0; i < 400; i += 1) {
      const project = projects[rnd(3)];
      const fen = 1 + rnd(100_000);
      const pick = rnd(6);
      if (pick < 2) list.push(donation({ fen, project, feeFen: rnd(2) ? Math.floor(fen / 100) : 0 }));
      else if (pick === 2) list.push(expenditure({ fen, project, category: EXPENSE_CATEGORIES[rnd(6)] }));
      else if (pick === 3) list.push(outflow((['refund', 'dispute', 'fee'] as const)[rnd(3)], { fen, project }));
      else if (pick === 4) list.push(transfer({ fen, from: project, to: projects[(projects.indexOf(project) + 1) % 3] }));
      else if (list.length > 0) {
        const target = list[rnd(list.length)];
        if (target.kind !== 'reversal' && !list.some((t) => t.reverses === target.id)) list.push(reversal(target));
      }
    }
    const sealed = chain(list);
    expect(verifyLedger(sealed).ok).toBe(true);
    expect(trialBalance(balances(sealed)).differenceFen).toBe(0);
    for (const scope of [undefined, { orgId: ORG }, { orgId: ORG, projectId: PROJECT }, { orgId: ORG, projectId: 'proj-2' }]) {
      const t = ledgerTotals(sealed, scope);
      expect(t.heldFen).toBe(t.donationsFen - t.feesFen - t.refundsFen - t.disputesFen - t.spentFen + t.transfersInFen - t.transfersOutFen);
    }
  });
});

describe('export lines', () => {
  const [entry] = chain([{ ...donation({ fen: 300 }), memo: '匿名捐赠' }]);

  it('round-trip through JSON without changing the hash', () => {
    const parsed = parseSealedEntry(JSON.parse(exportLine(entry)));
    expect(parsed).toEqual({ ok: true, entry });
    expect(verifyChain([entry]).ok).toBe(true);
  });

  it('refuse fields the hash does not cover and values of the wrong type', () => {
    const extra = { ...JSON.parse(exportLine(entry)), donorName: '张三' };
    expect(parseSealedEntry(extra)).toMatchObject({ ok: false, problems: [{ code: 'unexpected_field', params: { field: 'donorName' } }] });
    const bad = { ...JSON.parse(exportLine(entry)), sequence: '1', hash: 'XYZ', postings: [{ account: 1, amountFen: 2, note: 'n' }] };
    const result = parseSealedEntry(bad);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.params.field ?? p.code)).toEqual(['sequence', 'hash', 'postings[0].note', 'postings[0].account']);
    expect(parseSealedEntry([1])).toMatchObject({ ok: false });
  });

  it('check the header', () => {
    expect(parseExportHeader({ format: 'carebridge-ledger', version: 1, head: GENESIS_HASH, exportedAt: '2026-03-01T00:00:00.000Z' }).ok).toBe(true);
    expect(parseExportHeader({ format: 'carebridge-ledger', version: 2, head: GENESIS_HASH, exportedAt: '2026-03-01T00:00:00.000Z' }).ok).toBe(false);
    expect(parseExportHeader({ format: 'other', version: 1, head: GENESIS_HASH, exportedAt: '2026-03-01T00:00:00.000Z' }).ok).toBe(false);
  });
});

describe('disclosureStatus', () => {
  // Dates as China sees them: midnight in Beijing.
  const cn = (ymd: string) => new Date(`${ymd}T00:00:00+08:00`);
  const dueDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const base = { projectStart: cn('2026-01-15'), projectEnd: cn('2026-12-31'), lastDisclosureAt: null, today: cn('2026-02-01') };

  it('asks a project longer than 6 months for a report 3 months after the start, then after each report', () => {
    const s = disclosureStatus(base)!;
    expect([s.kind, dueDay(s.due), s.overdue]).toEqual(['quarterly', '2026-04-15', false]);
    expect(s.due.toISOString()).toBe('2026-04-15T15:59:59.999Z');
    const after = disclosureStatus({ ...base, lastDisclosureAt: cn('2026-04-10'), today: cn('2026-05-01') })!;
    expect([after.kind, dueDay(after.due)]).toEqual(['quarterly', '2026-07-10']);
  });

  it('flags a late quarterly report, counting days in China time', () => {
    const s = disclosureStatus({ ...base, today: new Date('2026-04-15T15:59:59.999Z') })!;
    expect(s.overdue).toBe(false);
    const late = disclosureStatus({ ...base, today: new Date('2026-04-15T16:00:00.000Z') })!;
    expect([late.overdue, late.daysOverdue]).toEqual([true, 1]);
    const stillLateAfterEnd = disclosureStatus({ ...base, today: cn('2027-01-05') })!;
    expect([stillLateAfterEnd.kind, dueDay(stillLateAfterEnd.due), stillLateAfterEnd.overdue]).toEqual(['quarterly', '2026-04-15', true]);
  });

  it('asks a short project only for the final report, within 3 months of the end', () => {
    const short = { ...base, projectEnd: cn('2026-07-15') };
    expect(disclosureStatus(short)).toMatchObject({ kind: 'final', overdue: false });
    expect(dueDay(disclosureStatus(short)!.due)).toBe('2026-10-15');
    // Exactly 6 months is not "longer than 6 months".
    expect(disclosureStatus({ ...base, projectEnd: cn('2026-07-16') })!.kind).toBe('quarterly');
  });

  it('lets the final report absorb a quarterly date that falls after the end, and clamps month ends', () => {
    const s = disclosureStatus({ ...base, projectStart: cn('2025-08-31'), projectEnd: cn('2026-05-31'), lastDisclosureAt: cn('2026-03-31'), today: cn('2026-04-01') })!;
    expect([s.kind, dueDay(s.due)]).toEqual(['final', '2026-08-31']);
    const clamp = disclosureStatus({ ...base, projectStart: cn('2025-11-30'), projectEnd: null, today: cn('2025-12-01') })!;
    expect(dueDay(clamp.due)).toBe('2026-02-28');
  });

  it('after the final report asks for leftover handling, then nothing', () => {
    const ended = { ...base, projectEnd: cn('2026-06-30'), projectStart: cn('2026-05-01'), today: cn('2026-10-01') };
    expect(disclosureStatus(ended)).toMatchObject({ kind: 'final', overdue: true, daysOverdue: 1 });
    const finalDone = { ...ended, lastDisclosureAt: cn('2026-09-01') };
    expect(disclosureStatus(finalDone)).toMatchObject({ kind: 'leftover', overdue: true });
    expect(disclosureStatus({ ...finalDone, leftoverDisclosedAt: cn('2026-09-01') })).toBeNull();
  });

  it('treats an open-ended project as long-running and ignores reports from before the start', () => {
    const s = disclosureStatus({ ...base, projectEnd: null, lastDisclosureAt: cn('2025-06-01'), today: cn('2030-01-01') })!;
    expect([s.kind, dueDay(s.due), s.overdue]).toEqual(['quarterly', '2026-04-15', true]);
  });

  it('takes a stricter platform threshold when asked', () => {
    expect(disclosureStatus({ ...base, projectEnd: cn('2026-06-01'), longRunningAfterMonths: 3 })!.kind).toBe('quarterly');
    expect(disclosureStatus({ ...base, projectEnd: cn('2026-06-01') })!.kind).toBe('final');
  });
});

describe('ledger locale messages', () => {
  const read = (lang: string) => JSON.parse(fs.readFileSync(path.join(__dirname, `../../../server/lib/locales/${lang}/ledger.json`), 'utf8')) as Record<string, string>;
  const en = read('en');
  const zh = read('zh-CN');

  it('match the English text the rules give, code for code', () => {
    for (const [code, text] of Object.entries(PROBLEM_MESSAGES)) expect(en[`ledger.problem.${code}`]).toBe(text);
    expect(Object.keys(en).filter((k) => k.startsWith('ledger.problem.')).length).toBe(Object.keys(PROBLEM_MESSAGES).length);
  });

  it('have Chinese for every key, with the same placeholders', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) expect([key, holes(zh[key])]).toEqual([key, holes(en[key])]);
  });

  it('name every expense category', () => {
    expect(EXPENSE_CATEGORIES.map((c) => zh[`ledger.category.${c}`])).toEqual(['物资', '助学金', '医疗康复', '心理服务', '活动', '管理费用']);
  });
});
