/**
 * What an evidence file may be: a PDF, JPEG or PNG, told by its first bytes (never by its name
 * or the browser's word), at most EVIDENCE_LIMITS.maxBytes. Pure.
 */

export const EVIDENCE_LIMITS = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 } as const;

export type EvidenceType = 'application/pdf' | 'image/jpeg' | 'image/png';

const SIGNATURES: Array<{ type: EvidenceType; bytes: number[] }> = [
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];

/** The file's type from its magic bytes, or null when it is none of the accepted kinds. */
export function sniffEvidenceType(data: Uint8Array): EvidenceType | null {
  for (const sig of SIGNATURES) {
    if (data.length >= sig.bytes.length && sig.bytes.every((b, i) => data[i] === b)) return sig.type;
  }
  return null;
}

/** Why a file cannot be evidence (a message key under `evidence.`), or null when it can. */
export function evidenceProblem(data: Uint8Array): string | null {
  if (data.length === 0) return 'evidence.empty';
  if (data.length > EVIDENCE_LIMITS.maxBytes) return 'evidence.too_large';
  if (!sniffEvidenceType(data)) return 'evidence.bad_type';
  return null;
}

/** A file name safe to show and to send back in Content-Disposition: no path, no control characters, bounded. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 120);
  return cleaned || 'evidence';
}

/**
 * An image's width and height read from its header (PNG IHDR, JPEG SOFn), without decoding it:
 * a small file can hold a huge image, so its size is checked before any pixel is allocated.
 * Null when the header cannot be read. Pure.
 */
export function imageDimensions(data: Uint8Array, type: EvidenceType): { width: number; height: number } | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (type === 'image/png') {
    if (data.length < 24 || String.fromCharCode(...data.subarray(12, 16)) !== 'IHDR') return null;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (type !== 'image/jpeg') return null;
  let at = 2;
  while (at + 9 < data.length) {
    if (data[at] !== 0xff) return null;
    const marker = data[at + 1];
    // Fill bytes and markers without a length (RSTn, TEM).
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = view.getUint16(at + 2);
    // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    at += 2 + length;
  }
  return null;
}
