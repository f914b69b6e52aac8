import type { Config } from '../config';
import type { Logger } from '../lib/logger';
import type { PaymentProvider } from './payment-provider';
import { createPledgeProvider } from './pledge.provider';
import { createStripeProvider } from './stripe.provider';

export type { PaymentProvider } from './payment-provider';

/** Stripe when both of its keys are configured, pledges otherwise. */
export function createPaymentProvider(config: Config, logger: Logger): PaymentProvider {
  if (config.stripeSecretKey && config.stripeWebhookSecret) {
    return createStripeProvider({ secretKey: config.stripeSecretKey, webhookSecret: config.stripeWebhookSecret, apiBase: config.stripeApiBase }, logger);
  }
  return createPledgeProvider();
}
