/**
 * Pure rules of redacting a receipt before it goes public: what a marked box is, how it maps to
 * pixels, how many pages may be redacted, and the four-eyes rule of confirming. No I/O.
 */

export const REDACTION_LIMITS = {
  /** A receipt longer than this is split before upload: each page is marked by hand. */
  maxPages: 10,
  maxBoxes: 60,
  /** Decoded pixels of an uploaded image (a 60-megapixel photo is far more than a receipt needs). */
  maxImagePixels: 60_000_000,
  /** Long side of a rendered PDF page, in pixels. */
  renderLongSide: 1600,
  /** A box narrower or lower than this (as a share of the page) is a slip of the mouse, not a mark. */
  minSide: 0.002,
} as const;

/** What a box hides: the kinds of personal data receipts carry. */
export const REDACTION_COVERS = ['name', 'id_number', 'phone', 'signature', 'bank_number', 'other'] as const;
export type RedactionCover = (typeof REDACTION_COVERS)[number];

/** A marked box on one page (1-based), in coordinates relative to the page (0–1), so no screen size matters. */
export interface RedactionBox {
  page: number;
  x: number;
  y: number;
  w: number;
  h: number;
  covers: RedactionCover;
}

export interface PageSize {
  width: number;
  height: number;
}

/** A redaction's life: marked by one person, then confirmed (public) or returned by another. */
export const REDACTION_STATUSES = ['marked', 'confirmed', 'returned'] as const;
export type RedactionStatus = (typeof REDACTION_STATUSES)[number];

/** One form row as typed or drawn: page number and percentages of the page's width and height. */
export interface BoxRow {
  page: string;
  x: string;
  y: string;
  w: string;
  h: string;
  covers: string;
}

/** Why a box cannot be used (a message key under `redactions.box.`), or null. Pure. */
export function boxProblem(box: RedactionBox, pageCount: number): string | null {
  if (!Number.isInteger(box.page) || box.page < 1 || box.page > pageCount) return 'page';
  for (const v of [box.x, box.y, box.w, box.h]) if (!Number.isFinite(v)) return 'number';
  if (box.x < 0 || box.y < 0 || box.x >= 1 || box.y >= 1) return 'outside';
  if (box.w < REDACTION_LIMITS.minSide || box.h < REDACTION_LIMITS.minSide) return 'too_small';
  if (box.x + box.w > 1 + 1e-9 || box.y + box.h > 1 + 1e-9) return 'outside';
  if (!(REDACTION_COVERS as readonly string[]).includes(box.covers)) return 'covers';
  return null;
}

const percent = (s: string): number => (s.trim() === '' ? NaN : Number(s.trim().replace(',', '.')) / 100);

/**
 * Form rows (percentages) to boxes (fractions). Wholly empty rows are left out; the first bad
 * row is reported with its number and why. Pure.
 */
export function boxesFromRows(rows: BoxRow[], pageCount: number): { ok: true; boxes: RedactionBox[] } | { ok: false; row: number; problem: string } {
  const boxes: RedactionBox[] = [];
  for (const [i, row] of rows.entries()) {
    if ([row.x, row.y, row.w, row.h].every((v) => v.trim() === '')) continue;
    const box: RedactionBox = { page: Number(row.page.trim() || '1'), x: percent(row.x), y: percent(row.y), w: percent(row.w), h: percent(row.h), covers: row.covers as RedactionCover };
    const problem = boxProblem(box, pageCount);
    if (problem) return { ok: false, row: i + 1, problem };
    boxes.push(box);
  }
  if (boxes.length > REDACTION_LIMITS.maxBoxes) return { ok: false, row: REDACTION_LIMITS.maxBoxes + 1, problem: 'too_many' };
  return { ok: true, boxes };
}

/** A box in whole pixels of a `width` × `height` page, rounded outward and clipped to the page. */
export function pixelRect(box: Pick<RedactionBox, 'x' | 'y' | 'w' | 'h'>, width: number, height: number): { left: number; top: number; width: number; height: number } {
  const left = Math.max(0, Math.floor(box.x * width));
  const top = Math.max(0, Math.floor(box.y * height));
  const right = Math.min(width, Math.ceil((box.x + box.w) * width));
  const bottom = Math.min(height, Math.ceil((box.y + box.h) * height));
  return { left, top, width: right - left, height: bottom - top };
}

/** Four-eyes: whoever marked a redaction may not confirm or return it. */
export function mayReview(redaction: { markedBy: string }, reviewerUserId: string): boolean {
  return redaction.markedBy !== reviewerUserId;
}

/**
 * Why a reviewer may not confirm now (a message key under `redactions.`), or null: only a marked
 * redaction, by someone else, of the copy the reviewer saw, over the original as it was marked.
 */
export function confirmProblem(
  r: { status: RedactionStatus; markedBy: string; copySha256: string; originalSha256: string },
  reviewer: { userId: string; sawCopySha256: string; originalSha256Now: string },
): string | null {
  if (r.status === 'confirmed') return 'redactions.already_confirmed';
  if (r.status !== 'marked') return 'redactions.not_marked';
  if (!mayReview(r, reviewer.userId)) return 'redactions.four_eyes';
  if (r.originalSha256 !== reviewer.originalSha256Now) return 'redactions.original_changed';
  if (r.copySha256 !== reviewer.sawCopySha256) return 'redactions.copy_changed';
  return null;
}

/** Whether a page number can be shown for marking: within the file and within the page limit. */
export function pageInRange(page: number, pageCount: number): boolean {
  return Number.isInteger(page) && page >= 1 && page <= Math.min(pageCount, REDACTION_LIMITS.maxPages);
}

/** A fraction as the percentage the form shows, without float noise. */
const asPercent = (v: number): string => String(Math.round(v * 100_000) / 1000);

/** The rows of the no-script marking form: the boxes marked so far, then `blank` empty rows to fill. */
export function formRows(boxes: RedactionBox[], blank = 6): Array<BoxRow & { n: number }> {
  const rows: BoxRow[] = [
    ...boxes.map((b) => ({ page: String(b.page), x: asPercent(b.x), y: asPercent(b.y), w: asPercent(b.w), h: asPercent(b.h), covers: b.covers })),
    ...Array.from({ length: blank }, () => ({ page: '1', x: '', y: '', w: '', h: '', covers: 'name' })),
  ];
  return rows.map((r, i) => ({ ...r, n: i + 1 }));
}
