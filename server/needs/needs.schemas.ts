import { z } from 'zod';

/** A supervisor returning a request says what to change: the author reads it on the child's record. */
export const returnSchema = z.object({ note: z.string().trim().min(2).max(500) });
