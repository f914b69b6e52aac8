import { type Allocation, type ExpenditureInput, type GiftInput, allocateFifo } from '../../../server/ledger/ledger.rules';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString();

function gift(id: string, fen: number, o: { project?: string | null; day?: number; refunded?: number } = {}): GiftInput {
  return { id, projectId: o.project === undefined ? 'p1' : o.project, receivedAt: day(o.day ?? 0), amountFen: fen, refundedFen: o.refunded ?? 0 };
}

function spend(id: string, fen: number, o: { project?: string | null; day?: number; category?: string } = {}): ExpenditureInput {
  return { id, projectId: o.project === undefined ? 'p1' : o.project, postedAt: day(o.day ?? 10), amountFen: fen, category: o.category ?? 'goods' };
}

const paid = (a: Allocation, giftId: string) => a.gifts.find((g) => g.giftId === giftId)!.payments.map((p) => [p.expenditureId, p.amountFen]);

/** Every invariant an allocation must keep, whatever the input. */
function expectInvariants(a: Allocation, gifts: GiftInput[], expenditures: ExpenditureInput[]): void {
  expect(a.gifts).toHaveLength(gifts.length);
  expect(a.expenditures).toHaveLength(expenditures.length);
  const byGift = new Map(a.gifts.map((g) => [g.giftId, g]));
  const byExp = new Map(a.expenditures.map((e) => [e.expenditureId, e]));
  for (const g of a.gifts) {
    const spent = g.payments.reduce((s, p) => s + p.amountFen, 0);
    expect(spent).toBe(g.spentFen);
    expect(g.spentFen + g.unspentFen + g.refundedFen).toBe(g.amountFen);
    expect(g.spentFen).toBeLessThanOrEqual(g.amountFen - g.refundedFen);
    expect(g.unspentFen).toBeGreaterThanOrEqual(0);
    for (const p of g.payments) {
      const e = byExp.get(p.expenditureId)!;
      expect(e.projectId).toBe(g.projectId);
      expect(p.amountFen).toBeGreaterThan(0);
      expect(e.fundedBy).toContainEqual({ giftId: g.giftId, amountFen: p.amountFen });
    }
  }
  for (const e of a.expenditures) {
    const funded = e.fundedBy.reduce((s, f) => s + f.amountFen, 0);
    expect(funded).toBe(e.fundedFen);
    expect(e.fundedFen + e.unfundedFen).toBe(e.amountFen);
    expect(e.fundedFen).toBeLessThanOrEqual(e.amountFen);
    for (const f of e.fundedBy) expect(byGift.get(f.giftId)!.payments).toContainEqual(expect.objectContaining({ expenditureId: e.expenditureId, amountFen: f.amountFen }));
    // Unfunded spending only when its fund has nothing left at all.
    if (e.unfundedFen > 0) expect(a.gifts.filter((g) => g.projectId === e.projectId && g.unspentFen > 0)).toEqual([]);
  }
  const totalSpent = a.gifts.reduce((s, g) => s + g.spentFen, 0);
  const totalFunded = a.expenditures.reduce((s, e) => s + e.fundedFen, 0);
  expect(totalSpent).toBe(totalFunded);
  // FIFO: a later gift in a fund pays only once every earlier gift in that fund is used up.
  const funds = new Set(a.gifts.map((g) => g.projectId));
  for (const fund of funds) {
    const queue = a.gifts.filter((g) => g.projectId === fund);
    const lastPaying = queue.map((g) => g.spentFen > 0).lastIndexOf(true);
    for (const g of queue.slice(0, lastPaying)) expect(g.unspentFen).toBe(0);
  }
}

describe('allocateFifo', () => {
  it('pays expenditures from the oldest gift first, splitting across gifts', () => {
    const gifts = [gift('g2', 5_000, { day: 2 }), gift('g1', 3_000, { day: 1 }), gift('g3', 10_000, { day: 3 })];
    const exps = [spend('e1', 4_000, { day: 4, category: 'goods' }), spend('e2', 2_500, { day: 5, category: 'medical' })];
    const a = allocateFifo(gifts, exps);
    expect(a.gifts.map((g) => g.giftId)).toEqual(['g1', 'g2', 'g3']);
    expect(paid(a, 'g1')).toEqual([['e1', 3_000]]);
    expect(paid(a, 'g2')).toEqual([
      ['e1', 1_000],
      ['e2', 2_500],
    ]);
    expect(paid(a, 'g3')).toEqual([]);
    expect(a.gifts.map((g) => g.unspentFen)).toEqual([0, 1_500, 10_000]);
    expect(a.gifts[1].payments[1]).toEqual({ expenditureId: 'e2', category: 'medical', postedAt: day(5), amountFen: 2_500 });
    expect(a.expenditures[0].fundedBy).toEqual([
      { giftId: 'g1', amountFen: 3_000 },
      { giftId: 'g2', amountFen: 1_000 },
    ]);
    expectInvariants(a, gifts, exps);
  });

  it('keeps restricted gifts to their project and unrestricted gifts to the general fund', () => {
    const gifts = [gift('a', 1_000, { project: 'p1' }), gift('b', 1_000, { project: 'p2' }), gift('c', 1_000, { project: null })];
    const exps = [spend('x', 1_500, { project: 'p2' }), spend('y', 400, { project: null }), spend('z', 100, { project: 'p3' })];
    const a = allocateFifo(gifts, exps);
    expect(paid(a, 'a')).toEqual([]);
    expect(paid(a, 'b')).toEqual([['x', 1_000]]);
    expect(paid(a, 'c')).toEqual([['y', 400]]);
    expect(a.expenditures.map((e) => [e.expenditureId, e.unfundedFen])).toEqual([
      ['x', 500],
      ['y', 0],
      ['z', 100],
    ]);
    expectInvariants(a, gifts, exps);
  });

  it('never allocates refunded fen, and re-attributes spending when a refund comes after it', () => {
    const gifts = [gift('g1', 10_000, { day: 1, refunded: 6_000 }), gift('g2', 10_000, { day: 2 }), gift('g3', 2_000, { day: 3, refunded: 2_000 })];
    const exps = [spend('e1', 9_000, { day: 4 })];
    const a = allocateFifo(gifts, exps);
    expect(paid(a, 'g1')).toEqual([['e1', 4_000]]);
    expect(paid(a, 'g2')).toEqual([['e1', 5_000]]);
    expect(a.gifts.map((g) => [g.giftId, g.spentFen, g.unspentFen, g.refundedFen])).toEqual([
      ['g1', 4_000, 0, 6_000],
      ['g2', 5_000, 5_000, 0],
      ['g3', 0, 0, 2_000],
    ]);
    expectInvariants(a, gifts, exps);
  });

  it('breaks ties by id, whatever the input order', () => {
    const gifts = [gift('b', 100, { day: 1 }), gift('a', 100, { day: 1 }), gift('c', 100, { day: 1 })];
    const exps = [spend('y', 150, { day: 2 }), spend('x', 100, { day: 2 })];
    const a = allocateFifo(gifts, exps);
    expect(paid(a, 'a')).toEqual([['x', 100]]);
    expect(paid(a, 'b')).toEqual([
      ['y', 100],
    ]);
    expect(paid(a, 'c')).toEqual([['y', 50]]);
    expect(allocateFifo([...gifts].reverse(), [...exps].reverse())).toEqual(a);
  });

  it('compares instants, not the text of the dates', () => {
    const a = allocateFifo(
      [
        { ...gift('late', 100), receivedAt: '2026-01-01T09:00:00+08:00' },
        { ...gift('early', 100), receivedAt: new Date('2026-01-01T00:30:00.000Z') },
      ],
      [spend('e', 100)],
    );
    expect(paid(a, 'early')).toEqual([['e', 100]]);
    expect(a.gifts[1].receivedAt).toBe('2026-01-01T01:00:00.000Z');
  });

  it('refuses input that cannot be allocated honestly', () => {
    expect(() => allocateFifo([gift('g', 100, { refunded: 101 })], [])).toThrow(RangeError);
    expect(() => allocateFifo([gift('g', 0)], [])).toThrow(RangeError);
    expect(() => allocateFifo([gift('g', 10.5)], [])).toThrow(RangeError);
    expect(() => allocateFifo([gift('g', 100), gift('g', 100)], [])).toThrow(RangeError);
    expect(() => allocateFifo([], [spend('e', -1)])).toThrow(RangeError);
    expect(() => allocateFifo([{ ...gift('g', 100), receivedAt: 'yesterday' }], [])).toThrow(RangeError);
  });

  it('keeps every invariant on random funds, and pays only with gifts already received when no fund is overdrawn', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 25; round += 1) {
      const projects = ['p1', 'p2', null];
      const gifts: GiftInput[] = [];
      const exps: ExpenditureInput[] = [];
      for (let i = 0; i < 80; i += 1) {
        const project = projects[rnd(3)];
        const t = rnd(60);
        if (rnd(3) > 0) {
          const fen = 1 + rnd(50_000);
          // Tie ids and times on purpose.
          gifts.push(gift(`g${rnd(1_000)}-${i}`, fen, { project, day: t, refunded: rnd(4) === 0 ? rnd(fen + 1) : 0 }));
        } else {
          exps.push(spend(`e${i}`, 1 + rnd(60_000), { project, day: t, category: ['goods', 'medical'][rnd(2)] }));
        }
      }
      const a = allocateFifo(gifts, exps);
      expectInvariants(a, gifts, exps);
      expect(allocateFifo([...gifts].reverse(), [...exps].reverse())).toEqual(a);
    }

    // A fund that is never overdrawn (the service refuses overspending): FIFO never pays with a gift from the future.
    const gifts: GiftInput[] = [];
    const exps: ExpenditureInput[] = [];
    let available = 0;
    for (let d = 0; d < 200; d += 1) {
      const fen = 1 + rnd(10_000);
      gifts.push(gift(`g${String(d).padStart(3, '0')}`, fen, { day: d }));
      available += fen;
      const want = rnd(12_000);
      if (want > 0 && want <= available) {
        exps.push({ ...spend(`e${String(d).padStart(3, '0')}`, want), postedAt: new Date(Date.UTC(2026, 0, 1 + d, 12)).toISOString() });
        available -= want;
      }
    }
    const a = allocateFifo(gifts, exps);
    expectInvariants(a, gifts, exps);
    for (const g of a.gifts) for (const p of g.payments) expect(Date.parse(p.postedAt)).toBeGreaterThanOrEqual(Date.parse(g.receivedAt));
    expect(a.expenditures.every((e) => e.unfundedFen === 0)).toBe(true);
  });

  // Speed belongs to the benchmark script (scripts/bench-ledger.ts); this only proves the scale works.
  it('reconciles over 100,000 gifts', () => {
    const gifts = Array.from({ length: 100_000 }, (_, i) => gift(`g${i}`, 1_000 + (i % 97), { day: i % 365, project: i % 10 === 0 ? null : 'p1' }));
    const exps = Array.from({ length: 5_000 }, (_, i) => spend(`e${i}`, 15_000, { day: (i * 7) % 365 }));
    const a = allocateFifo(gifts, exps);
    expect(a.expenditures.reduce((s, e) => s + e.fundedFen, 0)).toBe(a.gifts.reduce((s, g) => s + g.spentFen, 0));
  });
});
