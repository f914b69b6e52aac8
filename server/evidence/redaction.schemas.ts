import { z } from 'zod';

const cell = z.preprocess((v) => (v === undefined || v === null ? '' : v), z.string().max(20));

/** One box as the form sends it: page number, and left, top, width and height in percent of the page. */
const boxRow = z.object({ page: cell, x: cell, y: cell, w: cell, h: cell, covers: z.preprocess((v) => (v === undefined || v === '' ? 'other' : v), z.string().max(20)) });

/** The marking form: rows `boxes[i][…]` (the body parser gives an object once indices pass 20, so both shapes are taken). */
export const markSchema = z.object({
  boxes: z.preprocess((v) => (v && typeof v === 'object' ? Object.values(v) : []), z.array(boxRow).max(200)),
});

/** A confirmation names the copy the reviewer looked at, so a copy changed since is not confirmed unseen. */
export const confirmSchema = z.object({ copySha256: z.string().regex(/^[0-9a-f]{64}$/) });
export const returnSchema = z.object({ reason: z.string().trim().min(2).max(500) });
