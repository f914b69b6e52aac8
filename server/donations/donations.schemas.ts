import { z } from 'zod';
import { optionalText, optionalUuid, yuanInput } from '../lib/validate';
import { GIFT_LIMITS, OFFLINE_METHODS } from './donations.rules';

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true || v === '1', z.boolean());
const giftAmount = yuanInput('donations.amount.format').pipe(
  z.number().min(GIFT_LIMITS.minFen, { message: '@donations.amount.too_small' }).max(GIFT_LIMITS.maxFen, { message: '@donations.amount.too_big' }),
);
const dateString = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '@donations.date.format' });

/** A donor's gift: to an organization (unrestricted) or one of its projects (restricted). */
export const donateSchema = z.object({
  organizationId: z.uuid(),
  projectId: optionalUuid,
  giftAmount,
  frequency: z.enum(['one_off', 'monthly']).default('one_off'),
  displayName: optionalText(50),
  anonymous: checkbox.optional().default(false),
  publicMessage: optionalText(200),
});
export type DonateInput = z.infer<typeof donateSchema>;

/** A gift the organization received by bank transfer or in cash, recorded by its finance. */
export const offlineGiftSchema = z.object({
  projectId: optionalUuid,
  giftAmount,
  method: z.enum(OFFLINE_METHODS),
  receivedOn: dateString,
  receiptNumber: z.string().trim().min(1).max(40),
  displayName: z.string().trim().min(1).max(50),
  anonymous: checkbox.optional().default(false),
  publicMessage: optionalText(200),
});
export type OfflineGiftInput = z.infer<typeof offlineGiftSchema>;

/** A refund asked by finance; no amount = everything not yet refunded. */
export const refundSchema = z.object({
  refundAmount: z.preprocess((v) => (v === '' ? undefined : v), yuanInput('donations.amount.format').optional()),
  password: z.string().min(1),
});
