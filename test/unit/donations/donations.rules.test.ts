import { validateTransaction, accountName } from '../../../server/ledger/ledger.rules';
import { canReceiveGifts, disputeTransaction, giftTransaction, refundPlan, refundTransaction, statusAfterRefund } from '../../../server/donations/donations.rules';
import { expenditureMemo, expenditureTransaction, mayDecide, overspends } from '../../../server/expenditures/expenditures.rules';
import { cleanFilename, evidenceProblem, sniffEvidenceType } from '../../../server/evidence/evidence.rules';

const general = { type: 'general' as const, orgId: 'org-1' };
const restricted = { type: 'restricted' as const, orgId: 'org-1', projectId: 'proj-1' };
const at = new Date('2026-03-01T02:00:00.000Z');

describe('gift transactions', () => {
  it('a gift, a refund and a dispute are valid ledger transactions of their kinds', () => {
    for (const tx of [
      giftTransaction({ id: 'g1', amountFen: 10_000, receivedAt: at, channel: 'stripe', method: 'alipay' }, restricted),
      refundTransaction({ refundId: 're_1', amountFen: 2_500, occurredAt: at }, restricted),
      disputeTransaction({ disputeId: 'dp_1', amountFen: 10_000, occurredAt: at }, general),
    ]) {
      expect(validateTransaction({ id: 'x', ...tx })).toEqual([]);
    }
  });

  it('never writes the donor into the public memo', () => {
    const tx = giftTransaction({ id: 'g1', amountFen: 100, receivedAt: at, channel: 'offline', method: 'cash' }, general);
    expect(tx.memo).toBe('线下捐赠（现金）');
    expect(tx.postings).toEqual([{ account: accountName(general), amountFen: 100 }, { account: 'external:donors', amountFen: -100 }]);
  });
});

describe('refundPlan', () => {
  const gift = { amountFen: 10_000, refundedFen: 0, disputedFen: 0 };
  it('reverses the gift when all of it goes back at once', () => expect(refundPlan(gift, 10_000)).toEqual({ kind: 'reverse' }));
  it('records a partial refund, and the rest after it, as refunds', () => {
    expect(refundPlan(gift, 4_000)).toEqual({ kind: 'partial' });
    expect(refundPlan({ ...gift, refundedFen: 4_000 }, 6_000)).toEqual({ kind: 'partial' });
  });
  it('refuses more than is left, nothing, and fractions of a fen', () => {
    expect(refundPlan({ ...gift, refundedFen: 4_000 }, 6_001)).toEqual({ kind: 'exceeds' });
    expect(refundPlan({ ...gift, disputedFen: 10_000 }, 1)).toEqual({ kind: 'exceeds' });
    expect(refundPlan(gift, 0)).toEqual({ kind: 'exceeds' });
    expect(refundPlan(gift, 1.5)).toEqual({ kind: 'exceeds' });
  });
  it('marks a gift refunded only when all of it went back', () => {
    expect(statusAfterRefund(gift, 9_999)).toBe('succeeded');
    expect(statusAfterRefund(gift, 10_000)).toBe('refunded');
  });
});

it('takes gifts only for verified charities and enterprises', () => {
  expect(canReceiveGifts({ kind: 'charity', status: 'verified' })).toBe(true);
  expect(canReceiveGifts({ kind: 'enterprise', status: 'verified' })).toBe(true);
  expect(canReceiveGifts({ kind: 'government', status: 'verified' })).toBe(false);
  expect(canReceiveGifts({ kind: 'charity', status: 'pending' })).toBe(false);
});

describe('expenditure rules', () => {
  it('books spending to the expense account of the fund it came from', () => {
    const tx = expenditureTransaction({ id: 'e1', organizationId: 'org-1', projectId: 'proj-1', category: 'medical', amountFen: 5_000, description: '康复训练费', postedAt: at }, restricted);
    expect(validateTransaction({ id: 'x', ...tx })).toEqual([]);
    expect(tx.postings[0].account).toBe('org:org-1:project:proj-1:expense:medical');
  });
  it('four-eyes: the author never decides', () => {
    expect(mayDecide({ recordedBy: 'u1' }, 'u1')).toBe(false);
    expect(mayDecide({ recordedBy: 'u1' }, 'u2')).toBe(true);
  });
  it('refuses spending beyond the balance, to the fen', () => {
    expect(overspends(1_000, 1_000)).toBe(false);
    expect(overspends(1_000, 1_001)).toBe(true);
    expect(overspends(-5, 1)).toBe(true);
  });
  it('keeps memos to one bounded line', () => {
    expect(expenditureMemo('  冬衣\n 30 套  ')).toBe('冬衣 30 套');
    expect(expenditureMemo('字'.repeat(300))).toHaveLength(140);
  });
});

describe('evidence files', () => {
  it('tells PDF, JPEG and PNG by their first bytes, whatever the name says', () => {
    expect(sniffEvidenceType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniffEvidenceType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffEvidenceType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffEvidenceType(Buffer.from('<html><script>'))).toBeNull();
    expect(sniffEvidenceType(Buffer.from('%PD'))).toBeNull();
  });
  it('refuses empty, oversized and unknown files', () => {
    expect(evidenceProblem(Buffer.alloc(0))).toBe('evidence.empty');
    expect(evidenceProblem(Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(10 * 1024 * 1024)]))).toBe('evidence.too_large');
    expect(evidenceProblem(Buffer.from('GIF89a'))).toBe('evidence.bad_type');
    expect(evidenceProblem(Buffer.from('%PDF-1.4'))).toBeNull();
  });
  it('strips paths and control characters from names', () => {
    expect(cleanFilename('..\\..\\C:\\回单"\u0007.pdf')).toBe('回单.pdf');
    expect(cleanFilename('/etc/')).toBe('evidence');
  });
});
