/**
 * The one payment-provider interface (after Open Collective's paymentProviders/types.ts): a
 * provider says what it supports and does a few things — open a checkout, refund, end a monthly
 * gift, and turn a signed webhook into a domain event. Donations speak only this interface;
 * `stripe.provider.ts` is the only file that knows Stripe.
 */

export const PAYMENT_METHODS = ['card', 'alipay', 'wechat_pay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface ProviderCapabilities {
  /** False: no money is taken online, gifts are recorded as pledges. */
  checkout: boolean;
  /** Methods a one-off gift may be paid with. */
  methods: readonly PaymentMethod[];
  /** Methods a monthly gift may be paid with; empty = no monthly gifts. */
  recurringMethods: readonly PaymentMethod[];
  refunds: boolean;
  /** Where checkout sends the donor's browser: the page's form-action CSP must allow it, or browsers block the redirect. */
  checkoutOrigins: readonly string[];
}

export interface CheckoutRequest {
  donationId: string;
  amountFen: number;
  frequency: 'one_off' | 'monthly';
  /** What the donor sees on the payment page, e.g. the project's title. */
  description: string;
  donorEmail: string | null;
  locale: 'zh-CN' | 'en';
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutSession {
  id: string;
  /** Where to send the donor to pay. */
  url: string;
}

export interface ProviderRefund {
  refundId: string;
  amountFen: number;
  /** Only a succeeded refund has left the fund; a pending one is recorded when its webhook says so. */
  succeeded: boolean;
}

interface EventBase {
  /** The provider's event id: stored, so a replay changes nothing. */
  eventId: string;
  /** The provider's own name for the event, for the processing trail. */
  eventType: string;
  occurredAt: Date;
}

/** A provider event, in the domain's words. */
export type PaymentEvent = EventBase &
  (
    | { type: 'checkout_paid'; donationId: string; sessionId: string; paymentId: string | null; amountFen: number; method: PaymentMethod | null }
    | { type: 'checkout_subscribed'; donationId: string; sessionId: string; subscriptionId: string }
    | { type: 'checkout_failed'; donationId: string; sessionId: string; reason: 'expired' | 'failed' }
    | { type: 'installment_paid'; donationId: string; subscriptionId: string; invoiceId: string; paymentId: string | null; amountFen: number }
    | { type: 'refund_succeeded'; refundId: string; paymentId: string; amountFen: number }
    | { type: 'dispute_opened'; disputeId: string; paymentId: string; amountFen: number }
    | { type: 'dispute_closed'; disputeId: string; paymentId: string; won: boolean }
    | { type: 'subscription_ended'; subscriptionId: string }
    | { type: 'ignored' }
  );

export interface PaymentProvider {
  readonly name: 'stripe' | 'pledge';
  readonly supports: ProviderCapabilities;
  /** Opens a hosted payment page for one gift (one-off) or a monthly subscription. */
  createCheckout(request: CheckoutRequest): Promise<CheckoutSession>;
  /** Refunds part or all of a payment; `idempotencyKey` makes a retried request refund once. */
  refund(paymentId: string, amountFen: number, idempotencyKey: string): Promise<ProviderRefund>;
  /** Ends a monthly gift; months already paid stay given. */
  cancelSubscription(subscriptionId: string): Promise<void>;
  /** Verifies the signature over the exact bytes received and reads the event; throws ForbiddenError when it does not verify. */
  parseWebhook(rawBody: Buffer, signature: string | undefined): PaymentEvent;
}
