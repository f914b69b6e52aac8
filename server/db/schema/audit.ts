import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Append-only record of who did what to which subject, and why. */
export const auditEntries = pgTable(
  'audit_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id'),
    organizationId: uuid('organization_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    reason: text('reason'),
    detail: jsonb('detail').notNull().default({}),
    requestId: text('request_id'),
  },
  (t) => [index('audit_org_idx').on(t.organizationId, t.at), index('audit_subject_idx').on(t.subjectType, t.subjectId)],
);
