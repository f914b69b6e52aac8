import { ForbiddenError, RuleViolationError } from '../lib/errors';
import type { PaymentProvider } from './payment-provider';

/**
 * The provider when no payment service is configured: nothing is paid online, a gift is
 * recorded as a pledge, and the organization records the money when it arrives offline.
 */
export function createPledgeProvider(): PaymentProvider {
  const unsupported = async (): Promise<never> => {
    throw new RuleViolationError('donations.online_payment_unavailable');
  };
  return {
    name: 'pledge',
    supports: { checkout: false, methods: [], recurringMethods: [], refunds: false, checkoutOrigins: [] },
    createCheckout: unsupported,
    refund: unsupported,
    cancelSubscription: unsupported,
    parseWebhook() {
      // No secret to verify against: no webhook can be genuine.
      throw new ForbiddenError('no payment provider configured');
    },
  };
}
