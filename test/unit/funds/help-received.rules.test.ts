import { equalShares, helpReceived } from '../../../server/funds/funds.rules';
import { allocateFifo, type ExpenditureInput, type GiftInput } from '../../../server/ledger/ledger.rules';

/** Which gifts reach which needs: FIFO allocation of a fund's gifts to spending, then the spending's ties to needs. */

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString();
const gift = (id: string, fen: number, d: number, refunded = 0): GiftInput => ({ id, projectId: 'p1', receivedAt: day(d), amountFen: fen, refundedFen: refunded });
const spend = (id: string, fen: number, d: number): ExpenditureInput => ({ id, projectId: 'p1', postedAt: day(d), amountFen: fen, category: 'goods' });

describe('equal shares', () => {
  it('splits whole fen that add up, the odd fen to the first shares', () => {
    expect(equalShares(200, 2)).toEqual([100, 100]);
    expect(equalShares(101, 3)).toEqual([34, 34, 33]);
    expect(equalShares(2, 3)).toEqual([1, 1, 0]);
    expect(equalShares(0, 2)).toEqual([0, 0]);
    expect(() => equalShares(100, 0)).toThrow(RangeError);
  });
});

describe('what reaches a need through the allocation of gifts', () => {
  // g1 100 + g2 300 + g3 50 fen; e1 150 serves need A; e2 200 serves A and B; e3 100 serves none.
  // FIFO: e1 ← g1 100 + g2 50; e2 ← g2 200; e3 ← g2 50 + g3 50.
  const funding = allocateFifo([gift('g1', 100, 1), gift('g2', 300, 2), gift('g3', 50, 3)], [spend('e1', 150, 4), spend('e2', 200, 5), spend('e3', 100, 6)]).expenditures;
  const served = new Map([
    ['e1', ['A']],
    ['e2', ['B', 'A']],
  ]);

  it('counts each gift that paid for spending tied to the need once, and the need’s share of that spending', () => {
    expect(helpReceived(funding, served, 'A')).toEqual({ giftCount: 2, fen: 150 + 100 });
    expect(helpReceived(funding, served, 'B')).toEqual({ giftCount: 1, fen: 100 });
  });

  it('brings nothing to a need no spending names, and spending naming no need reaches none', () => {
    expect(helpReceived(funding, served, 'C')).toEqual({ giftCount: 0, fen: 0 });
    // g3 paid only for e3, which names no need: it is in no need's count.
    const reached = ['A', 'B'].map((n) => helpReceived(funding, served, n).giftCount);
    expect(reached).toEqual([2, 1]);
  });

  it('shares a spending among its needs so the shares add up to what gifts paid, never more', () => {
    const odd = allocateFifo([gift('g1', 1_000, 1)], [spend('e1', 101, 2)]).expenditures;
    const three = new Map([['e1', ['C', 'A', 'B', 'A']]]);
    const shares = ['A', 'B', 'C'].map((n) => helpReceived(odd, three, n).fen);
    expect(shares).toEqual([34, 34, 33]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(101);
  });

  it('counts only what gifts paid of an overdrawn spending', () => {
    // 80 fen kept (100 given, 20 refunded) pay for 80 of a 120 fen spending.
    const overdrawn = allocateFifo([gift('g1', 100, 1, 20)], [spend('e1', 120, 2)]).expenditures;
    expect(helpReceived(overdrawn, new Map([['e1', ['A', 'B']]]), 'A')).toEqual({ giftCount: 1, fen: 40 });
    const unfunded = allocateFifo([], [spend('e1', 120, 2)]).expenditures;
    expect(helpReceived(unfunded, new Map([['e1', ['A']]]), 'A')).toEqual({ giftCount: 0, fen: 0 });
  });
});
