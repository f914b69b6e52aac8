import { z } from 'zod';
import { optionalUuid } from '../lib/validate';
import { PUBLISHABLE_KINDS } from './funds.rules';

const day = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '@funds.date.format' });

/** A disclosure an organization publishes: a project's quarterly, final or leftover-funds report, or its annual report. */
export const disclosureSchema = z
  .object({
    disclosureKind: z.enum(PUBLISHABLE_KINDS),
    projectId: optionalUuid,
    periodStart: day,
    periodEnd: day,
    disclosureNote: z.string().trim().max(2000).optional().default(''),
  })
  .refine((d) => d.periodStart <= d.periodEnd, { message: '@funds.period.order', path: ['periodEnd'] })
  .refine((d) => (d.disclosureKind === 'annual') === (d.projectId === null), { message: '@funds.disclosure.scope', path: ['projectId'] });
export type DisclosureInput = z.infer<typeof disclosureSchema>;

/** A correction: published as a new disclosure naming the one it corrects and why. */
export const correctionSchema = z.object({
  reason: z.string().trim().min(5).max(500),
  disclosureNote: z.string().trim().max(2000).optional().default(''),
});

export const exportFormatSchema = z.enum(['csv', 'json', 'pdf']);
