import Stripe from 'stripe';
import { ForbiddenError, ServiceUnavailableError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { PAYMENT_METHODS, type CheckoutRequest, type PaymentEvent, type PaymentMethod, type PaymentProvider } from './payment-provider';

/**
 * Stripe behind the payment-provider interface: Checkout Sessions (card, Alipay, WeChat Pay) for
 * one-off gifts, subscriptions (card) for monthly ones, refunds, and webhooks verified by the
 * SDK over the raw body. The only file that imports the Stripe SDK.
 */

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** e.g. http://127.0.0.1:4010 — a stand-in for Stripe's API in tests; Stripe itself when absent. */
  apiBase?: string;
}

// Stripe rejects webhooks older than this by default; kept explicit because replays are tested against it.
const SIGNATURE_TOLERANCE_SECONDS = 300;

const isMethod = (v: unknown): v is PaymentMethod => (PAYMENT_METHODS as readonly string[]).includes(String(v));
const idOf = (v: unknown): string | null => (typeof v === 'string' ? v : v && typeof v === 'object' && 'id' in v ? String((v as { id: unknown }).id) : null);

export function createStripeProvider(settings: StripeSettings, logger: Logger): PaymentProvider {
  const base = settings.apiBase ? new URL(settings.apiBase) : null;
  const stripe = new Stripe(settings.secretKey, {
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'http:' ? 'http' : 'https' } : {}),
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'CareBridge' },
  });

  /** Provider failures are the platform's to report, not the donor's fault: a 503 with a retry hint. */
  const unavailable = (err: unknown, what: string): never => {
    logger.error('stripe request failed', { what, err });
    throw new ServiceUnavailableError(`stripe ${what} failed`);
  };

  return {
    name: 'stripe',
    supports: { checkout: true, methods: ['card', 'alipay', 'wechat_pay'], recurringMethods: ['card'], refunds: true, checkoutOrigins: ['https://checkout.stripe.com'] },

    async createCheckout(req: CheckoutRequest) {
      const monthly = req.frequency === 'monthly';
      const metadata = { donationId: req.donationId };
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: monthly ? 'subscription' : 'payment',
        client_reference_id: req.donationId,
        metadata,
        locale: req.locale === 'en' ? 'en' : 'zh',
        success_url: req.successUrl,
        cancel_url: req.cancelUrl,
        ...(req.donorEmail ? { customer_email: req.donorEmail } : {}),
        // Alipay and WeChat Pay take one-off payments only; a monthly gift is paid by card.
        allowed_payment_method_types: monthly ? ['card'] : ['card', 'alipay', 'wechat_pay'],
        ...(monthly ? {} : { payment_method_options: { wechat_pay: { client: 'web' } }, payment_intent_data: { metadata } }),
        ...(monthly ? { subscription_data: { metadata } } : {}),
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: 'cny',
              unit_amount: req.amountFen,
              product_data: { name: req.description.slice(0, 250) },
              ...(monthly ? { recurring: { interval: 'month' as const } } : {}),
            },
          },
        ],
      };
      try {
        const session = await stripe.checkout.sessions.create(params, { idempotencyKey: `checkout-${req.donationId}` });
        if (!session.url) throw new Error('checkout session without url');
        return { id: session.id, url: session.url };
      } catch (err) {
        return unavailable(err, 'checkout');
      }
    },

    async refund(paymentId, amountFen, idempotencyKey) {
      try {
        const refund = await stripe.refunds.create({ payment_intent: paymentId, amount: amountFen, reason: 'requested_by_customer' }, { idempotencyKey });
        return { refundId: refund.id, amountFen: refund.amount, succeeded: refund.status === 'succeeded' };
      } catch (err) {
        return unavailable(err, 'refund');
      }
    },

    async cancelSubscription(subscriptionId) {
      try {
        await stripe.subscriptions.cancel(subscriptionId);
      } catch (err) {
        unavailable(err, 'cancel subscription');
      }
    },

    parseWebhook(rawBody, signature) {
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature ?? '', settings.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
      } catch {
        throw new ForbiddenError('stripe webhook signature does not verify');
      }
      return toPaymentEvent(event);
    },
  };
}

/** Stripe's event, in the domain's words; events the platform does not act on come back as 'ignored'. */
function toPaymentEvent(event: Stripe.Event): PaymentEvent {
  const base = { eventId: event.id, eventType: event.type, occurredAt: new Date(event.created * 1000) };
  // Read loosely: fields moved between API versions (an invoice's subscription and payment intent did).
  const obj = event.data.object as unknown as Record<string, any>;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const donationId = obj.metadata?.donationId ?? obj.client_reference_id;
      if (!donationId) return { ...base, type: 'ignored' };
      if (obj.mode === 'subscription') {
        const subscriptionId = idOf(obj.subscription);
        return subscriptionId ? { ...base, type: 'checkout_subscribed', donationId, sessionId: obj.id, subscriptionId } : { ...base, type: 'ignored' };
      }
      // Alipay and WeChat Pay can complete the session before the money arrives; the async event follows.
      if (obj.payment_status !== 'paid') return { ...base, type: 'ignored' };
      const types: unknown[] = obj.payment_method_types ?? obj.allowed_payment_method_types ?? [];
      return { ...base, type: 'checkout_paid', donationId, sessionId: obj.id, paymentId: idOf(obj.payment_intent), amountFen: Number(obj.amount_total), method: types.length === 1 && isMethod(types[0]) ? types[0] : null };
    }
    case 'checkout.session.expired':
    case 'checkout.session.async_payment_failed': {
      const donationId = obj.metadata?.donationId ?? obj.client_reference_id;
      if (!donationId) return { ...base, type: 'ignored' };
      return { ...base, type: 'checkout_failed', donationId, sessionId: obj.id, reason: event.type === 'checkout.session.expired' ? 'expired' : 'failed' };
    }
    case 'invoice.paid': {
      const details = obj.parent?.subscription_details ?? obj.subscription_details ?? {};
      const subscriptionId = idOf(details.subscription ?? obj.subscription);
      const donationId = details.metadata?.donationId;
      if (!subscriptionId || !donationId || !(Number(obj.amount_paid) > 0)) return { ...base, type: 'ignored' };
      const paymentId = idOf(obj.payment_intent) ?? idOf(obj.payments?.data?.[0]?.payment?.payment_intent);
      return { ...base, type: 'installment_paid', donationId, subscriptionId, invoiceId: obj.id, paymentId, amountFen: Number(obj.amount_paid) };
    }
    case 'refund.created':
    case 'refund.updated': {
      const paymentId = idOf(obj.payment_intent);
      if (obj.status !== 'succeeded' || !paymentId) return { ...base, type: 'ignored' };
      return { ...base, type: 'refund_succeeded', refundId: obj.id, paymentId, amountFen: Number(obj.amount) };
    }
    case 'charge.dispute.created': {
      const paymentId = idOf(obj.payment_intent);
      return paymentId ? { ...base, type: 'dispute_opened', disputeId: obj.id, paymentId, amountFen: Number(obj.amount) } : { ...base, type: 'ignored' };
    }
    case 'charge.dispute.closed': {
      const paymentId = idOf(obj.payment_intent);
      return paymentId ? { ...base, type: 'dispute_closed', disputeId: obj.id, paymentId, won: obj.status === 'won' } : { ...base, type: 'ignored' };
    }
    case 'customer.subscription.deleted':
      return { ...base, type: 'subscription_ended', subscriptionId: obj.id };
    default:
      return { ...base, type: 'ignored' };
  }
}
