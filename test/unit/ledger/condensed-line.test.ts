import { type ExpenditureInput, type GiftInput, type PlacedGift, allocateFifo, condensedGiftLine, spendingLine } from '../../../server/ledger/ledger.rules';
import { prng } from '../../../server/lib/prng';

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const gift = (id: string, fen: number, second: number, refunded = 0): GiftInput => ({ id, projectId: 'p1', receivedAt: at(second), amountFen: fen, refundedFen: refunded });
const spend = (id: string, fen: number, second: number): ExpenditureInput => ({ id, projectId: 'p1', postedAt: at(second), amountFen: fen, category: 'goods' });

/** What `giftsReaching` reads from the database, computed from the whole line in memory. */
function reaching(gifts: GiftInput[], stretches: Array<{ fromFen: number; toFen: number }>): PlacedGift[] {
  const ordered = [...gifts].sort((a, b) => String(a.receivedAt).localeCompare(String(b.receivedAt)) || a.id.localeCompare(b.id));
  let start = 0;
  const out: PlacedGift[] = [];
  for (const g of ordered) {
    const kept = g.amountFen - g.refundedFen;
    if (kept > 0 && stretches.some((r) => start < r.toFen && start + kept > r.fromFen)) out.push({ ...g, startFen: start });
    start += kept;
  }
  return out;
}

describe('spendingLine', () => {
  it('places spending end to end in the order allocation pays it, per fund', () => {
    const line = spendingLine([spend('b', 300, 20), spend('a', 100, 10), { ...spend('g', 50, 5), projectId: null }, spend('c', 200, 20)]);
    expect(Object.fromEntries(line)).toEqual({ a: { fromFen: 0, toFen: 100 }, b: { fromFen: 100, toFen: 400 }, c: { fromFen: 400, toFen: 600 }, g: { fromFen: 0, toFen: 50 } });
  });
});

describe('condensedGiftLine', () => {
  it('funds the spending of interest exactly as the whole line does, from the same gifts', () => {
    const gifts = [gift('g1', 100, 1), gift('g2', 250, 2, 50), gift('g3', 100, 3, 100), gift('g4', 300, 4), gift('g5', 80, 5)];
    const spending = [spend('s1', 150, 10), spend('s2', 120, 11), spend('s3', 400, 12)];
    const line = spendingLine(spending);
    const placed = reaching(gifts, [line.get('s2')!]);
    // s2 is fen 150–270 of the line: the second gift (kept 200, fen 100–300) alone.
    expect(placed.map((g) => [g.id, g.startFen])).toEqual([['g2', 100]]);
    const condensed = condensedGiftLine(placed);
    expect(condensed.map((g) => [g.id, g.amountFen - g.refundedFen])).toEqual([['gap:0', 100], ['g2', 200]]);
    const s2 = allocateFifo(condensed, spending).expenditures.find((e) => e.expenditureId === 's2');
    expect(s2).toEqual(allocateFifo(gifts, spending).expenditures.find((e) => e.expenditureId === 's2'));
    expect(s2!.fundedBy).toEqual([{ giftId: 'g2', amountFen: 120 }]);
  });

  it('agrees with the whole line on 300 random funds, overdrawn ones included', () => {
    const random = prng(20261203);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    for (let run = 0; run < 300; run++) {
      const gifts = Array.from({ length: int(0, 40) }, (_, i) => {
        const fen = int(1, 500);
        return gift(`g${String(i).padStart(2, '0')}`, fen, int(0, 30), random() < 0.15 ? int(0, fen) : 0);
      });
      const spending = Array.from({ length: int(1, 12) }, (_, i) => spend(`s${String(i).padStart(2, '0')}`, int(1, 900), int(0, 40)));
      const wanted = spending.filter(() => random() < 0.3).map((e) => e.id);
      const line = spendingLine(spending);
      const whole = allocateFifo(gifts, spending).expenditures.filter((e) => wanted.includes(e.expenditureId));
      const condensed = allocateFifo(condensedGiftLine(reaching(gifts, wanted.map((id) => line.get(id)!))), spending).expenditures.filter((e) => wanted.includes(e.expenditureId));
      // Times are the line's order in the condensed run; everything that is paid is the same.
      expect(condensed.map((e) => [e.expenditureId, e.fundedFen, e.unfundedFen, e.fundedBy])).toEqual(whole.map((e) => [e.expenditureId, e.fundedFen, e.unfundedFen, e.fundedBy]));
    }
  });

  it('refuses gifts out of line order', () => {
    expect(() => condensedGiftLine([{ ...gift('a', 100, 1), startFen: 100 }, { ...gift('b', 100, 2), startFen: 50 }])).toThrow(RangeError);
  });
});
