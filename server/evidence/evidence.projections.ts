import type { evidenceRedactions } from '../db/schema';
import type { RedactionBox, RedactionStatus } from './redaction.rules';

type RedactionRow = typeof evidenceRedactions.$inferSelect;

/**
 * What the public sees of a spending's evidence file: the confirmed redacted copy's address and
 * type, or only that it is being redacted. Never the original, its name, hash or boxes.
 */
export type PublicReceipt = { state: 'public'; url: string; mimeType: string } | { state: 'redacting' };

export function publicReceipt(row: Pick<RedactionRow, 'status' | 'publicId' | 'copyMimeType'> | undefined): PublicReceipt {
  if (row?.status !== 'confirmed' || !row.publicId) return { state: 'redacting' };
  return { state: 'public', url: `/receipts/${row.publicId}`, mimeType: row.copyMimeType };
}

/** The organization's finance and admins' view of a redaction: its boxes, its copy and who may decide. */
export interface RedactionForFinance {
  id: string;
  status: RedactionStatus;
  pageCount: number;
  boxes: RedactionBox[];
  copySha256: string;
  copyMimeType: string;
  copyIsImage: boolean;
  markedByMe: boolean;
  markedAt: Date;
  decidedAt: Date | null;
  returnReason: string | null;
  publicUrl: string | null;
}

export function redactionForFinance(row: RedactionRow, viewerUserId: string): RedactionForFinance {
  return {
    id: row.id,
    status: row.status as RedactionStatus,
    pageCount: row.pageCount,
    boxes: row.boxes as RedactionBox[],
    copySha256: row.copySha256,
    copyMimeType: row.copyMimeType,
    copyIsImage: row.copyMimeType === 'image/png',
    markedByMe: row.markedBy === viewerUserId,
    markedAt: row.markedAt,
    decidedAt: row.decidedAt,
    returnReason: row.returnReason,
    publicUrl: row.publicId ? `/receipts/${row.publicId}` : null,
  };
}
