import fs from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';

/**
 * PDFs with Chinese text: a pdfkit document with Noto Sans SC (OFL) registered as `cjk` and
 * `cjk-bold`. The font arrives with `npm install` in @embedpdf/fonts-sc, so certificates and
 * reports print the same on any machine; pdfkit embeds only the glyphs a document uses.
 */
const FONT_DIR = path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
let fonts: { regular: Buffer; bold: Buffer } | undefined;
// Read once per process: the files are 8 MB each.
const cjkFonts = () => (fonts ??= { regular: fs.readFileSync(path.join(FONT_DIR, 'NotoSansHans-Regular.otf')), bold: fs.readFileSync(path.join(FONT_DIR, 'NotoSansHans-Bold.otf')) });

/** A new document with the CJK fonts registered (and selected), and the whole file once `doc.end()` is called. */
export function createCjkPdf(options: PDFKit.PDFDocumentOptions = {}): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const doc = new PDFDocument({ size: 'A4', margin: 50, ...options });
  const { regular, bold } = cjkFonts();
  doc.registerFont('cjk', regular);
  doc.registerFont('cjk-bold', bold);
  doc.font('cjk');
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}
