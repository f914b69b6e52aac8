import { z } from 'zod';
import { many, optionalUuid, yuanInput } from '../lib/validate';
import { EXPENSE_CATEGORIES, MAX_SERVED_HELP_RECORDS, PAYEE_TYPES } from './expenditures.rules';

/** A spending as finance records it; it waits for a second person's approval. */
export const expenditureSchema = z.object({
  projectId: optionalUuid,
  category: z.enum(EXPENSE_CATEGORIES),
  spendingAmount: yuanInput('expenditures.amount.format').pipe(z.number().min(1, { message: '@expenditures.amount.format' }).max(1_000_000_000)),
  spentOn: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '@expenditures.date.format' }),
  payeeType: z.enum(PAYEE_TYPES),
  spendingDescription: z.string().trim().min(5).max(500),
  /** The project's help records this spending served (optional); none means not tied to a specific need. */
  helpRecordIds: many(z.uuid())
    .pipe(z.array(z.uuid()).max(MAX_SERVED_HELP_RECORDS))
    .transform((ids) => [...new Set(ids)]),
});
export type ExpenditureInput = z.infer<typeof expenditureSchema>;

export const approveSchema = z.object({ password: z.string().min(1) });
export const rejectSchema = z.object({ reason: z.string().trim().min(2).max(500) });
export const reverseSchema = z.object({ reason: z.string().trim().min(5).max(500), password: z.string().min(1) });
