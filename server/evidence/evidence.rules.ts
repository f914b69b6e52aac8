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
