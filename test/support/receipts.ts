import { createCanvas, Image } from '@napi-rs/canvas';
import { createCjkPdf } from '../../server/lib/pdf';

/**
 * Receipts as finance uploads them: a photo-like PNG with a coloured pattern (so "unchanged"
 * means something), and a real PDF with a payee's name and ID number in its text layer.
 */
export const RECEIPT_NAME = '张三丰';
export const RECEIPT_ID_NUMBER = '520324198803021234';

/** A PNG of `width` × `height` with a smooth colour gradient and a dark "signature" stripe. */
export async function receiptPng(width = 400, height = 200): Promise<Buffer> {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, width, height);
  g.addColorStop(0, '#f4d03f');
  g.addColorStop(1, '#16a085');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#1b2631';
  ctx.fillRect(width * 0.1, height * 0.7, width * 0.4, height * 0.1);
  // Metadata a phone or scanner might write, naming the payee: it must not survive flattening.
  return canvas.encode('png', { author: RECEIPT_NAME, comment: `payee ${RECEIPT_ID_NUMBER}` });
}

/** Where the PDF receipt's name and ID number are written, in points from the page's top left (A4: 595.28 × 841.89). */
export const PDF_PAGE = { width: 595.28, height: 841.89 };
export const PDF_NAME_AT = { x: 100, y: 100, fontSize: 24 };
export const PDF_ID_AT = { x: 100, y: 200, fontSize: 18 };

/** A PDF receipt of `pages` pages (A4) with the name and ID number in its text layer on page 1. */
export async function receiptPdf(pages = 1): Promise<Buffer> {
  const { doc, done } = createCjkPdf({ info: { Title: `收据 ${RECEIPT_NAME}`, Author: RECEIPT_NAME } });
  doc.fontSize(PDF_NAME_AT.fontSize).text(`收款人：${RECEIPT_NAME}`, PDF_NAME_AT.x, PDF_NAME_AT.y);
  doc.fontSize(PDF_ID_AT.fontSize).text(`身份证号：${RECEIPT_ID_NUMBER}`, PDF_ID_AT.x, PDF_ID_AT.y);
  doc.fontSize(14).text('春季学期助学金 ¥600.00', 100, 400);
  for (let i = 1; i < pages; i++) doc.addPage().fontSize(14).text(`第 ${i + 1} 页`, 100, 100);
  doc.end();
  return done;
}

/** A PNG's pixels (RGBA) for checking what a copy shows. */
export async function pixels(png: Buffer): Promise<{ width: number; height: number; at: (x: number, y: number) => [number, number, number, number] }> {
  const image = new Image();
  image.src = png;
  await image.decode();
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  return {
    width: image.width,
    height: image.height,
    at: (x, y) => {
      const i = (Math.floor(y) * image.width + Math.floor(x)) * 4;
      return [data[i], data[i + 1], data[i + 2], data[i + 3]];
    },
  };
}

/**
 * The share of grid-sampled points (those `where` accepts) at which two same-sized images differ by
 * more than `tolerance` in some colour channel: 0 means unchanged there.
 */
export function changedShare(a: Awaited<ReturnType<typeof pixels>>, b: Awaited<ReturnType<typeof pixels>>, where: (fx: number, fy: number) => boolean, tolerance: number, step = 5): number {
  let seen = 0;
  let changed = 0;
  for (let y = 0; y < a.height; y += step) {
    for (let x = 0; x < a.width; x += step) {
      if (!where(x / a.width, y / a.height)) continue;
      seen += 1;
      const p = a.at(x, y);
      const q = b.at(x, y);
      if ([0, 1, 2].some((c) => Math.abs(p[c] - q[c]) > tolerance)) changed += 1;
    }
  }
  return seen === 0 ? 1 : changed / seen;
}
