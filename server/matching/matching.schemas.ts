import { z } from 'zod';
import { HELP_OUTCOMES } from './lifecycle.rules';

/** Why a proposal is declined or withdrawn: the other organization reads it. */
export const answerSchema = z.object({ reason: z.string().trim().min(2).max(300) });

/** A follow-up of help in progress; notes speak of a child and are stored encrypted. */
export const followUpSchema = z.object({ notes: z.string().trim().min(2).max(2000) });

/** Closing help: the outcome decides whether the need is met; the evaluation says why in a few words. */
export const closeHelpSchema = z.object({
  outcome: z.enum(HELP_OUTCOMES),
  evaluation: z.string().trim().min(5).max(2000),
});
