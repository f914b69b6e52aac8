import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { auditEntries } from '../db/schema';
import { requireOrgRole, type Viewer } from '../lib/authorization';

export interface AuditEvent {
  actorUserId: string | null;
  organizationId?: string | null;
  action: string;
  subjectType: string;
  subjectId?: string | null;
  reason?: string | null;
  detail?: Record<string, unknown>;
  requestId?: string | null;
}

const PAGE_SIZE = 50;

export class AuditService {
  constructor(private readonly db: Database) {}

  /** Appends one entry; pass the caller's transaction so the entry commits or rolls back with the act it records. */
  async record(event: AuditEvent, tx: Database | Tx = this.db): Promise<void> {
    await tx.insert(auditEntries).values({
      actorUserId: event.actorUserId,
      organizationId: event.organizationId ?? null,
      action: event.action,
      subjectType: event.subjectType,
      subjectId: event.subjectId ?? null,
      reason: event.reason ?? null,
      detail: event.detail ?? {},
      requestId: event.requestId ?? null,
    });
  }

  /** An organization's audit trail, newest first; readable by that organization's admins only. */
  async trailForOrganization(viewer: Viewer, organizationId: string, page = 1) {
    requireOrgRole(viewer, organizationId, ['admin']);
    const where = eq(auditEntries.organizationId, organizationId);
    const [rows, [{ count }]] = await Promise.all([
      this.db.query.auditEntries.findMany({ where, orderBy: [desc(auditEntries.at), desc(auditEntries.id)], limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      this.db.select({ count: sql<number>`count(*)::int` }).from(auditEntries).where(and(where)),
    ]);
    return { entries: rows, page, pageSize: PAGE_SIZE, total: count };
  }
}
