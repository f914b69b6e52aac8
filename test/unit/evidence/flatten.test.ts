import { FlattenError, countPages, flatten, pageImage } from '../../../server/evidence/flatten';
import type { RedactionBox } from '../../../server/evidence/redaction.rules';
import { pdfText } from '../../support/pdf-text';
import { PDF_ID_AT, PDF_NAME_AT, PDF_PAGE, RECEIPT_ID_NUMBER, RECEIPT_NAME, changedShare, pixels, receiptPdf, receiptPng } from '../../support/receipts';

const inside = (b: RedactionBox, fx: number, fy: number) => fx >= b.x && fx <= b.x + b.w && fy >= b.y && fy <= b.y + b.h;
/** A box around text written at `at` (points), a little larger than the glyphs. */
const around = (at: { x: number; y: number; fontSize: number }, widthPt: number, covers: RedactionBox['covers']): RedactionBox => ({
  page: 1,
  x: (at.x - 6) / PDF_PAGE.width,
  y: (at.y - 6) / PDF_PAGE.height,
  w: (widthPt + 12) / PDF_PAGE.width,
  h: (at.fontSize * 1.6 + 12) / PDF_PAGE.height,
  covers,
});

describe('flattening a PNG', () => {
  it('paints the box black and leaves every other pixel as it was', async () => {
    const original = await receiptPng(400, 200);
    const box: RedactionBox = { page: 1, x: 0.1, y: 0.7, w: 0.4, h: 0.1, covers: 'signature' };
    const copy = await flatten(original, 'image/png', 1, [box]);
    expect(copy.mimeType).toBe('image/png');
    const before = await pixels(original);
    const after = await pixels(copy.data);
    expect([after.width, after.height]).toEqual([400, 200]);
    for (const [x, y] of [[40, 140], [120, 150], [199, 159], [100, 145]]) expect(after.at(x, y)).toEqual([0, 0, 0, 255]);
    expect(changedShare(before, after, (fx, fy) => !inside(box, fx, fy), 0, 3)).toBe(0);
  });

  it('keeps none of the original metadata: the copy is encoded from pixels alone', async () => {
    const original = await receiptPng(64, 64);
    expect(original.includes(Buffer.from(RECEIPT_ID_NUMBER))).toBe(true);
    const copy = await flatten(original, 'image/png', 1, []);
    expect(copy.data.includes(Buffer.from(RECEIPT_ID_NUMBER))).toBe(false);
    expect(copy.data.includes(Buffer.from(RECEIPT_NAME))).toBe(false);
    expect(copy.data.includes(Buffer.from('tEXt'))).toBe(false);
    expect(copy.data.includes(Buffer.from('iTXt'))).toBe(false);
  });
});

it('refuses an image whose header declares more pixels than the limit, before decoding it', async () => {
  const png = Buffer.from(await receiptPng(8, 8));
  png.writeUInt32BE(100_000, 16);
  png.writeUInt32BE(100_000, 20);
  await expect(flatten(png, 'image/png', 1, [])).rejects.toEqual(new FlattenError('too_many_pixels'));
  await expect(pageImage(Buffer.from('89504e470d0a1a0a', 'hex'), 'image/png', 1)).rejects.toEqual(new FlattenError('unreadable'));
});

describe('flattening a PDF with a text layer', () => {
  let original: Buffer;
  const nameBox = around(PDF_NAME_AT, 200, 'name');
  const idBox = around(PDF_ID_AT, 330, 'id_number');
  beforeAll(async () => {
    original = await receiptPdf();
  });

  it('starts from a PDF whose text holds the name and ID number', () => {
    const { text } = pdfText(original);
    expect(text).toContain(RECEIPT_NAME);
    expect(text).toContain(RECEIPT_ID_NUMBER);
  });

  it('gives an image-only PDF: no text, no fonts, none of the original metadata', async () => {
    const copy = await flatten(original, 'application/pdf', 1, [nameBox, idBox]);
    expect(copy.mimeType).toBe('application/pdf');
    const { text, fonts } = pdfText(copy.data);
    expect(text.trim()).toBe('');
    expect(fonts).toEqual([]);
    const raw = copy.data.toString('latin1');
    expect(raw).not.toMatch(/\/Font\b|\/ToUnicode|\/BaseFont|PDFKit/);
    expect(raw).toContain('/Subtype /Image');
    // The name in the document information (UTF-16 in pdfkit's output) is gone with the rest.
    const utf16 = (s: string) => Buffer.from(s, 'utf16le').swap16().toString('hex');
    expect(copy.data.toString('hex')).not.toContain(utf16(RECEIPT_NAME));
    expect(await countPages(copy.data, 'application/pdf')).toBe(1);
  });

  it('blacks out the marked areas and leaves the rest of the page unchanged within tolerance', async () => {
    const copy = await flatten(original, 'application/pdf', 1, [nameBox, idBox]);
    const before = await pixels(await pageImage(original, 'application/pdf', 1));
    const after = await pixels(await pageImage(copy.data, 'application/pdf', 1));
    expect([after.width, after.height]).toEqual([before.width, before.height]);
    for (const b of [nameBox, idBox]) {
      for (const [fx, fy] of [[0.25, 0.25], [0.5, 0.5], [0.75, 0.75]]) {
        const p = after.at((b.x + b.w * fx) * after.width, (b.y + b.h * fy) * after.height);
        expect(Math.max(p[0], p[1], p[2])).toBeLessThanOrEqual(8);
      }
    }
    // Where the name was written, the original had dark glyphs on white; the rest, text included, is as it was.
    const margin = 0.004;
    const outside = (fx: number, fy: number) => ![nameBox, idBox].some((b) => fx >= b.x - margin && fx <= b.x + b.w + margin && fy >= b.y - margin && fy <= b.y + b.h + margin);
    expect(changedShare(before, after, outside, 32)).toBeLessThan(0.005);
    expect(after.at(0.5 * after.width, 0.9 * after.height)).toEqual([255, 255, 255, 255]);
  });

  it('counts the pages of a longer PDF and flattens each page', async () => {
    const three = await receiptPdf(3);
    expect(await countPages(three, 'application/pdf')).toBe(3);
    const copy = await flatten(three, 'application/pdf', 3, [{ ...nameBox, page: 2 }]);
    expect(await countPages(copy.data, 'application/pdf')).toBe(3);
    expect(pdfText(copy.data).text.trim()).toBe('');
  });

  it('calls a file that only looks like a PDF unreadable, and a truncated one too', async () => {
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 0x41)]);
    await expect(countPages(garbage, 'application/pdf')).rejects.toEqual(new FlattenError('unreadable'));
    const whole = await receiptPdf(1);
    await expect(flatten(whole.subarray(0, 400), 'application/pdf', 1, [])).rejects.toEqual(new FlattenError('unreadable'));
  });
});
