/**
 * Pure rules of gifts: limits, who may receive them, the ledger transactions a gift, a refund
 * and a dispute make, and how a refund changes a gift. No I/O.
 */
import { accountName, type FundRef, type LedgerTransaction } from '../ledger/ledger.rules';

/** ¥1 to ¥1,000,000 per gift; larger sums go through the organization's finance, offline. */
export const GIFT_LIMITS = { minFen: 100, maxFen: 100_000_000 } as const;

export const GIFT_CHANNELS = ['stripe', 'offline', 'pledge'] as const;
export type GiftChannel = (typeof GIFT_CHANNELS)[number];
export const OFFLINE_METHODS = ['bank_transfer', 'cash'] as const;
export type OfflineMethod = (typeof OFFLINE_METHODS)[number];
export type GiftStatus = 'pending' | 'pledged' | 'succeeded' | 'failed' | 'expired' | 'refunded' | 'canceled';

/** Gifts whose money reached the fund (a refunded one did, and left again). */
export const RECEIVED_STATUSES: readonly GiftStatus[] = ['succeeded', 'refunded'];

/** Only verified charities and caring enterprises hold funds; government offices do not take gifts. */
export function canReceiveGifts(org: { kind: string; status: string }): boolean {
  return org.status === 'verified' && (org.kind === 'charity' || org.kind === 'enterprise');
}

/** Public ledger text for a gift: how it came, never who gave it (the ledger is public; donors choose what the receipt shows). */
export function giftMemo(channel: GiftChannel, method: string | null): string {
  if (channel === 'offline') return method === 'cash' ? '线下捐赠（现金）' : '线下捐赠（银行转账）';
  return '线上捐赠';
}

/** The donation transaction: the gift's money enters the fund from the donors. */
export function giftTransaction(gift: { id: string; amountFen: number; receivedAt: Date; channel: GiftChannel; method: string | null }, fund: FundRef): Omit<LedgerTransaction, 'id'> {
  return {
    kind: 'donation',
    occurredAt: gift.receivedAt.toISOString(),
    memo: giftMemo(gift.channel, gift.method),
    reference: gift.id,
    postings: [
      { account: accountName(fund), amountFen: gift.amountFen },
      { account: accountName({ type: 'external', name: 'donors' }), amountFen: -gift.amountFen },
    ],
  };
}

/** Money leaving a fund to the outside (`refunds` or `disputes`), referenced by the provider's id for it. */
function moneyOut(kind: 'refund' | 'dispute', memo: string, out: { reference: string; amountFen: number; occurredAt: Date }, fund: FundRef): Omit<LedgerTransaction, 'id'> {
  return {
    kind,
    occurredAt: out.occurredAt.toISOString(),
    memo,
    reference: out.reference,
    postings: [
      { account: accountName({ type: 'external', name: kind === 'refund' ? 'refunds' : 'disputes' }), amountFen: out.amountFen },
      { account: accountName(fund), amountFen: -out.amountFen },
    ],
  };
}

/** A partial refund: money leaves the fund back to the donor. */
export function refundTransaction(refund: { refundId: string; amountFen: number; occurredAt: Date }, fund: FundRef): Omit<LedgerTransaction, 'id'> {
  return moneyOut('refund', '退还捐赠', { reference: refund.refundId, ...refund }, fund);
}

/** A dispute (chargeback) opened: the payment service takes the money back from the fund. */
export function disputeTransaction(dispute: { disputeId: string; amountFen: number; occurredAt: Date }, fund: FundRef): Omit<LedgerTransaction, 'id'> {
  return moneyOut('dispute', '支付拒付', { reference: dispute.disputeId, ...dispute }, fund);
}

export type RefundPlan =
  /** The whole gift goes back before any part did: the gift's own transaction is reversed. */
  | { kind: 'reverse' }
  /** Part of it (or the rest after an earlier part): a refund transaction. */
  | { kind: 'partial' }
  /** More than is left to refund: the event is not applied. */
  | { kind: 'exceeds' };

/**
 * How a refund of `refundFen` enters the ledger. A full refund cancels the gift as if it had not
 * been made (a reversal, so raised figures drop too); a partial one is money returned.
 */
export function refundPlan(gift: { amountFen: number; refundedFen: number; disputedFen: number }, refundFen: number): RefundPlan {
  if (!Number.isSafeInteger(refundFen) || refundFen <= 0 || refundFen > gift.amountFen - gift.refundedFen - gift.disputedFen) return { kind: 'exceeds' };
  if (gift.refundedFen === 0 && gift.disputedFen === 0 && refundFen === gift.amountFen) return { kind: 'reverse' };
  return { kind: 'partial' };
}

/** A gift's status once `refundedFen` of it has gone back. */
export function statusAfterRefund(gift: { amountFen: number }, refundedFen: number): GiftStatus {
  return refundedFen >= gift.amountFen ? 'refunded' : 'succeeded';
}
