import path from 'node:path';
import { fork } from 'node:child_process';
import { createCanvas, Image, type Canvas } from '@napi-rs/canvas';
import PDFDocument from 'pdfkit';
import { imageDimensions, type EvidenceType } from './evidence.rules';
import { REDACTION_LIMITS, pixelRect, type PageSize, type RedactionBox } from './redaction.rules';

/**
 * The one door to imaging: decode an image or rasterize a PDF page (pdfjs-dist onto a Skia
 * canvas from @napi-rs/canvas, in a child process), paint opaque black rectangles, and encode the result as a PNG,
 * or as a PDF holding nothing but those images (pdfkit). Nothing of the original file survives
 * in the output except its pixels: no text layer, no fonts, no metadata, no original bytes.
 */

const CHILD = path.join(__dirname, 'pdf-render.child.mjs');
/** What one PDF job may take before it is given up as unreadable: a hostile file must not hold the server. */
const PDF_JOB_LIMITS = { timeoutMs: 60_000, heapMb: 512 };

type PdfJob = { op: 'count' } | { op: 'render'; pages: number[]; longSide: number };
type PdfReply = { ok: true; pageCount?: number; pages?: Array<{ png: Uint8Array; size: PageSize }> } | { ok: false; error: string };

/**
 * Runs one job on a PDF in a child process of its own (`pdf-render.child.mjs`, under bare node):
 * pdfjs-dist is ES modules only, and parsing an uploaded file there caps its memory and time.
 * Any failure of the child (a parse error, a crash, the time limit) is the file being unreadable.
 */
function pdfJob(data: Buffer, job: PdfJob): Promise<Extract<PdfReply, { ok: true }>> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      execArgv: [`--max-old-space-size=${PDF_JOB_LIMITS.heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    let settled = false;
    const settle = (reply: PdfReply | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (reply?.ok) resolve(reply);
      else reject(new FlattenError('unreadable'));
    };
    const timer = setTimeout(() => settle(null), PDF_JOB_LIMITS.timeoutMs);
    child.once('message', (reply) => settle(reply as PdfReply));
    child.once('error', () => settle(null));
    child.once('exit', () => settle(null));
    child.send({ ...job, data: new Uint8Array(data) });
  });
}

/** The number of pages of a PDF or image (an image is one page); throws when the file cannot be read. */
export async function countPages(data: Buffer, type: EvidenceType): Promise<number> {
  if (type !== 'application/pdf') return 1;
  return (await pdfJob(data, { op: 'count' })).pageCount!;
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
  // The long side at REDACTION_LIMITS.renderLongSide pixels: about 140 dpi for A4, enough to read a receipt.
  const reply = await pdfJob(data, { op: 'render', pages, longSide: REDACTION_LIMITS.renderLongSide });
  return Promise.all(
    reply.pages!.map(async ({ png, size }) => {
      const image = new Image();
      image.src = Buffer.from(png);
      await image.decode();
      const canvas = createCanvas(image.width, image.height);
      canvas.getContext('2d').drawImage(image, 0, 0);
      return { canvas, size };
    }),
  );
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
