import { z } from 'zod';

/** A supervisor returning a request says what to change: the author reads it on the child's record. */
export const returnSchema = z.object({ note: z.string().trim().min(2).max(500) });

/** A draft's description rewritten by its author (the same bounds as when it was recorded). */
export const reviseSchema = z.object({ needDescription: z.string().trim().min(5).max(1000) });
