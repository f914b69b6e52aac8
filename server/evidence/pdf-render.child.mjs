// Rasterizes PDF pages in a child process of its own (started by flatten.ts, one job per process).
// Plain JavaScript on purpose: it runs under bare `node`, outside tsx and Jest, because pdfjs-dist
// ships only ES modules and Jest's vm-modules linker fails their import now and then. A process of
// its own also bounds what a hostile PDF can do: its memory is capped, and the parent kills it
// when it runs too long; the server's own heap never holds pdfjs's parse of an uploaded file.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { createCanvas } = require('@napi-rs/canvas');
const PDFJS_DIR = path.dirname(require.resolve('pdfjs-dist/package.json'));
const build = (file) => pathToFileURL(path.join(PDFJS_DIR, 'legacy', 'build', file)).href;

// pdfjs-dist 6 targets Node ≥ 22 and uses two built-ins Node 20 lacks (its legacy build brings
// core-js for the rest). The copy stands in for a transfer: pdfjs does not use the old buffer after.
Promise.withResolvers ??= function withResolvers() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};
ArrayBuffer.prototype.transferToFixedLength ??= function transferToFixedLength(n = this.byteLength) {
  return this.slice(0, n);
};

// The worker's code in this thread: pdfjs then needs no worker file and no Worker thread.
// Loaded while the job is on its way; the listener below is registered first so the job is not missed.
const pdfjsLoaded = (async () => {
  globalThis.pdfjsWorker = await import(build('pdf.worker.mjs'));
  return import(build('pdf.mjs'));
})();

async function open(data) {
  const pdfjs = await pdfjsLoaded;
  const task = pdfjs.getDocument({
    data,
    // Nothing is fetched from the network; fonts a PDF does not embed come from pdfjs's own files.
    standardFontDataUrl: path.join(PDFJS_DIR, 'standard_fonts') + path.sep,
    cMapUrl: path.join(PDFJS_DIR, 'cmaps') + path.sep,
    cMapPacked: true,
    wasmUrl: path.join(PDFJS_DIR, 'wasm') + path.sep,
    verbosity: 0,
  });
  return { doc: await task.promise, close: () => task.destroy() };
}

/** Each asked page as a PNG with the long side at `longSide` pixels, on white, and its size in points. */
async function render(doc, pages, longSide) {
  const out = [];
  for (const n of pages) {
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: longSide / Math.max(base.width, base.height) });
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvas, canvasContext: ctx, viewport }).promise;
    page.cleanup();
    out.push({ png: await canvas.encode('png'), size: { width: base.width, height: base.height } });
  }
  return out;
}

process.once('message', async (job) => {
  let reply;
  try {
    const { doc, close } = await open(new Uint8Array(job.data));
    try {
      reply = job.op === 'count' ? { ok: true, pageCount: doc.numPages } : { ok: true, pages: await render(doc, job.pages, job.longSide) };
    } finally {
      await close();
    }
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  // The parent kills this process once it has the reply; it goes too if the parent does.
  process.send(reply);
});
process.once('disconnect', () => process.exit(0));
