import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCanvas, Image, type Canvas } from '@napi-rs/canvas';
import PDFDocument from 'pdfkit';
import { imageDimensions, type EvidenceType } from './evidence.rules';
import { REDACTION_LIMITS, pixelRect, type PageSize, type RedactionBox } from './redaction.rules';

/**
 * The one door to imaging: decode an image or rasterize a PDF page (pdfjs-dist onto a Skia
 * canvas from @napi-rs/canvas), paint opaque black rectangles, and encode the result as a PNG,
 * or as a PDF holding nothing but those images (pdfkit). Nothing of the original file survives
 * in the output except its pixels: no text layer, no fonts, no metadata, no original bytes.
 */

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
const PDFJS_DIR = () => path.dirname(require.resolve('pdfjs-dist/package.json'));
let pdfjs: Promise<PdfJs> | undefined;

/**
 * pdfjs-dist ships only ES modules. A native `import()` built at run time is left alone by the
 * transpilers (SWC under Jest would turn a literal `import()` into `require()`), so it works
 * under tsx and under Jest with --experimental-vm-modules alike. The worker's code is loaded into
 * this thread (`globalThis.pdfjsWorker`): pdfjs then needs no worker file and no Worker thread.
 */
function loadPdfJs(): Promise<PdfJs> {
  polyfillForNode20();
  const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
  const url = (file: string) => pathToFileURL(path.join(PDFJS_DIR(), 'legacy', 'build', file)).href;
  return (pdfjs ??= (async () => {
    const g = globalThis as { pdfjsWorker?: unknown };
    g.pdfjsWorker ??= await dynamicImport(url('pdf.worker.mjs'));
    return (await dynamicImport(url('pdf.mjs'))) as PdfJs;
  })());
}

/**
 * pdfjs-dist 6 targets Node ≥ 22 and uses two built-ins Node 20 lacks (its legacy build brings
 * core-js for the rest). Added only when missing; the copy stands in for a transfer (pdfjs does
 * not use the old buffer afterwards).
 */
function polyfillForNode20(): void {
  const P = Promise as unknown as { withResolvers?: () => unknown };
  P.withResolvers ??= function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };
  const AB = ArrayBuffer.prototype as unknown as { transferToFixedLength?: (n?: number) => ArrayBuffer };
  AB.transferToFixedLength ??= function transferToFixedLength(this: ArrayBuffer, n = this.byteLength) {
    return this.slice(0, n);
  };
}

async function openPdf(data: Buffer) {
  const lib = await loadPdfJs();
  const dir = PDFJS_DIR();
  // A copy: pdfjs transfers (detaches) the buffer it is given.
  const task = lib.getDocument({
    data: new Uint8Array(data),
    // Nothing is fetched from the network; fonts a PDF does not embed come from pdfjs's own files.
    standardFontDataUrl: path.join(dir, 'standard_fonts') + path.sep,
    cMapUrl: path.join(dir, 'cmaps') + path.sep,
    cMapPacked: true,
    wasmUrl: path.join(dir, 'wasm') + path.sep,
    verbosity: 0,
  });
  const doc = await task.promise;
  return { doc, close: () => task.destroy() };
}

/** The number of pages of a PDF or image (an image is one page); throws when the file cannot be read. */
export async function countPages(data: Buffer, type: EvidenceType): Promise<number> {
  if (type !== 'application/pdf') return 1;
  const { doc, close } = await openPdf(data);
  try {
    return doc.numPages;
  } finally {
    await close();
  }
}

/** A rendered page: its pixels on a canvas, and its size in PDF points (for an image, its pixels). */
interface RenderedPage {
  canvas: Canvas;
  size: PageSize;
}

async function decodeImage(data: Buffer, type: EvidenceType): Promise<RenderedPage> {
  const declared = imageDimensions(data, type);
  if (!declared) throw new FlattenError('unreadable');
  if (declared.width * declared.height > REDACTION_LIMITS.maxImagePixels) throw new FlattenError('too_many_pixels');
  const image = new Image();
  image.src = data;
  await image.decode();
  const { width, height } = image;
  const canvas = createCanvas(width, height);
  canvas.getContext('2d').drawImage(image, 0, 0);
  return { canvas, size: { width, height } };
}

async function renderPdfPages(data: Buffer, pages: number[]): Promise<RenderedPage[]> {
  const { doc, close } = await openPdf(data);
  try {
    const out: RenderedPage[] = [];
    for (const n of pages) {
      const page = await doc.getPage(n);
      const base = page.getViewport({ scale: 1 });
      // The long side at REDACTION_LIMITS.renderLongSide pixels: about 140 dpi for A4, enough to read a receipt.
      const scale = REDACTION_LIMITS.renderLongSide / Math.max(base.width, base.height);
      const viewport = page.getViewport({ scale });
      const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      await page.render({ canvas: canvas as unknown as HTMLCanvasElement, canvasContext: ctx as unknown as CanvasRenderingContext2D, viewport }).promise;
      page.cleanup();
      out.push({ canvas, size: { width: base.width, height: base.height } });
    }
    return out;
  } finally {
    await close();
  }
}

async function render(data: Buffer, type: EvidenceType, pages: number[]): Promise<RenderedPage[]> {
  if (type === 'application/pdf') return renderPdfPages(data, pages);
  return [await decodeImage(data, type)];
}

/** Paints each box opaque black over the canvas's pixels, rounded outward so a box never covers less than was marked. */
function blackOut(canvas: Canvas, boxes: RedactionBox[]): void {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000000';
  ctx.globalAlpha = 1;
  ctx.globalCompositeOperation = 'source-over';
  for (const box of boxes) {
    const r = pixelRect(box, canvas.width, canvas.height);
    ctx.fillRect(r.left, r.top, r.width, r.height);
  }
}

/** Page `page` (1-based) of an evidence file as a PNG, as it is before any redaction: what finance marks on. */
export async function pageImage(data: Buffer, type: EvidenceType, page: number): Promise<Buffer> {
  const [rendered] = await render(data, type, [page]);
  return rendered.canvas.encode('png');
}

/** A flattened redacted copy: a PNG for an image, an image-only PDF for a PDF. */
export interface FlatCopy {
  data: Buffer;
  mimeType: 'image/png' | 'application/pdf';
}

/**
 * Renders every page, paints the boxes black over its pixels, and encodes the result from the
 * pixels alone: a PNG (one page), or a PDF of one image per page at the original page size.
 */
export async function flatten(data: Buffer, type: EvidenceType, pageCount: number, boxes: RedactionBox[]): Promise<FlatCopy> {
  const pages = await render(data, type, Array.from({ length: pageCount }, (_, i) => i + 1));
  const images = await Promise.all(
    pages.map(async (p, i) => {
      blackOut(p.canvas, boxes.filter((b) => b.page === i + 1));
      return { png: await p.canvas.encode('png'), size: p.size };
    }),
  );
  if (type !== 'application/pdf') return { data: images[0].png, mimeType: 'image/png' };
  return { data: await imagePdf(images), mimeType: 'application/pdf' };
}

/** A PDF whose pages are images and nothing else; its metadata names only the platform. */
function imagePdf(images: Array<{ png: Buffer; size: PageSize }>): Promise<Buffer> {
  const doc = new PDFDocument({ autoFirstPage: false, info: { Producer: 'CareBridge', Creator: 'CareBridge', Title: 'Receipt (redacted)' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const { png, size } of images) {
    doc.addPage({ size: [size.width, size.height], margin: 0 });
    doc.image(png, 0, 0, { width: size.width, height: size.height });
  }
  doc.end();
  return done;
}

/** A file the imaging could not take (a message key under `redactions.`). */
export class FlattenError extends Error {
  constructor(readonly reason: 'too_many_pixels' | 'unreadable') {
    super(`cannot flatten: ${reason}`);
  }
}
