import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, index, integer, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts';
import { organizations } from './organizations';

/**
 * A child's record, owned by one organization. Everything that identifies the child (name, ID
 * number, exact birth date, guardian, phone, address, school, notes) is in `identity`, one
 * AES-256-GCM token bound to the row id: a dump shows only categories and division codes.
 */
export const children = pgTable(
  'children',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    identity: text('identity').notNull(),
    /** Keyed hash of the ID number: finds the same child across organizations without revealing it. */
    idHash: text('id_hash'),
    sex: text('sex').notNull(),
    /** Year and month of birth (YYYY-MM): enough for ages and bands, less identifying than the day. */
    birthMonth: text('birth_month').notNull(),
    villageCode: text('village_code'),
    townshipCode: text('township_code'),
    countyCode: text('county_code').notNull(),
    childClass: smallint('child_class').notNull(),
    difficultyType: text('difficulty_type').notNull(),
    riskLevel: smallint('risk_level').notNull(),
    schooling: text('schooling'),
    health: text('health'),
    guardianshipType: text('guardianship_type'),
    boarding: boolean('boarding'),
    lastVisitOn: date('last_visit_on'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [
    index('children_org_idx').on(t.organizationId),
    index('children_id_hash_idx').on(t.idHash),
    uniqueIndex('children_org_id_hash_uq').on(t.organizationId, t.idHash),
    index('children_county_idx').on(t.countyCode),
    // The dashboard's region filter (a prefix of the child's place): statistics for its estimates, range scans for small
    // regions, and every column the dashboard reads of a child, so a province is read from the index alone (a seventh
    // of the table's bytes: the row carries the encrypted identity). Not partial: the planner ignores a partial index's statistics.
    index('children_place_idx').using(
      'btree',
      sql`(coalesce(${t.townshipCode}, ${t.countyCode})) text_pattern_ops`,
      t.archivedAt,
      t.townshipCode,
      t.countyCode,
      t.id,
      t.idHash,
      t.riskLevel,
      t.lastVisitOn,
    ),
    check('children_class_chk', sql`${t.childClass} between 1 and 6`),
    check('children_risk_chk', sql`${t.riskLevel} between 1 and 4`),
    check('children_sex_chk', sql`${t.sex} in ('male','female')`),
    check('children_difficulty_chk', sql`${t.difficultyType} in ('economic','guardianship','special')`),
  ],
);

/** A caseworker's home visit; findings are free text and so encrypted like identity. */
export const visits = pgTable(
  'visits',
  {
    id: uuid('id').primaryKey(),
    childId: uuid('child_id').notNull().references(() => children.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    visitedOn: date('visited_on').notNull(),
    visitorUserId: uuid('visitor_user_id').notNull().references(() => users.id),
    findings: text('findings').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('visits_child_idx').on(t.childId, t.visitedOn)],
);

/** What a child needs. The caseworker's description may name people, so it is encrypted; only a scrubbed copy is published. */
export const needs = pgTable(
  'needs',
  {
    id: uuid('id').primaryKey(),
    childId: uuid('child_id').notNull().references(() => children.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    urgency: smallint('urgency').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }),
    quantity: integer('quantity'),
    startOn: date('start_on'),
    endOn: date('end_on'),
    status: text('status').notNull().default('draft'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('needs_org_idx').on(t.organizationId, t.status),
    // A child's needs, with what the dashboard reads of each, so a province's needs are read from the index alone.
    index('needs_child_idx').on(t.childId, t.id, t.status, t.kind, t.urgency, t.amountFen, t.startOn, t.endOn),
    check('needs_status_chk', sql`${t.status} in ('draft','awaiting_approval','published','matched','being_helped','met','withdrawn')`),
    check('needs_urgency_chk', sql`${t.urgency} between 1 and 4`),
    check('needs_amount_chk', sql`${t.amountFen} is null or ${t.amountFen} >= 0`),
  ],
);

/**
 * The public projection of a need: a random code, generalized facts and a scrubbed description.
 * `visible` is false while k-anonymity holds it back; it is recomputed for the whole set at each publication.
 */
export const publishedNeeds = pgTable(
  'published_needs',
  {
    needId: uuid('need_id').primaryKey().references(() => needs.id, { onDelete: 'cascade' }),
    publicCode: text('public_code').notNull().unique(),
    kind: text('kind').notNull(),
    urgency: smallint('urgency').notNull(),
    description: text('description').notNull(),
    ageBand: text('age_band'),
    sex: text('sex'),
    regionCode: text('region_code'),
    regionLevel: text('region_level'),
    childClass: smallint('child_class'),
    difficultyType: text('difficulty_type').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }),
    visible: boolean('visible').notNull().default(false),
    heldBackReason: text('held_back_reason'),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('published_needs_board_idx').on(t.visible, t.regionCode, t.kind), index('published_needs_time_idx').on(t.publishedAt)],
);

/**
 * A second person's review of a need (four-eyes): its publication, or its withdrawal while it is
 * being helped. Requested by one caseworker, approved or returned by a supervisor of the same
 * organization who is not the requester. The reason and the return note are free text that may
 * quote what identifies the child, so they are encrypted like a need's description.
 */
export const needReviews = pgTable(
  'need_reviews',
  {
    id: uuid('id').primaryKey(),
    needId: uuid('need_id').notNull().references(() => needs.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    kind: text('kind').notNull(),
    requestedBy: uuid('requested_by').notNull().references(() => users.id),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    reason: text('reason'),
    decision: text('decision'),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    note: text('note'),
  },
  (t) => [
    index('need_reviews_org_idx').on(t.organizationId, t.decision),
    uniqueIndex('need_reviews_open_uq').on(t.needId).where(sql`${t.decision} is null`),
    check('need_reviews_kind_chk', sql`${t.kind} in ('publication','withdrawal')`),
    check('need_reviews_decision_chk', sql`(${t.decision} is null and ${t.decidedBy} is null and ${t.decidedAt} is null) or (${t.decision} in ('approved','returned') and ${t.decidedBy} is not null and ${t.decidedAt} is not null)`),
    check('need_reviews_four_eyes_chk', sql`${t.decidedBy} is null or ${t.decidedBy} <> ${t.requestedBy}`),
  ],
);

/** Two records (in different organizations) with the same ID-number hash: the same child. Neither side sees the other. */
export const childLinks = pgTable(
  'child_links',
  {
    childId: uuid('child_id').notNull().references(() => children.id, { onDelete: 'cascade' }),
    otherChildId: uuid('other_child_id').notNull().references(() => children.id, { onDelete: 'cascade' }),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.childId, t.otherChildId] })],
);

/** A roster import: its progress while it runs and its per-row report afterwards. */
export const rosterImports = pgTable('roster_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  organizationId: uuid('organization_id').notNull().references(() => organizations.id),
  uploadedBy: uuid('uploaded_by').notNull().references(() => users.id),
  filename: text('filename').notNull(),
  status: text('status').notNull().default('validating'),
  totalRows: integer('total_rows').notNull().default(0),
  processedRows: integer('processed_rows').notNull().default(0),
  importedRows: integer('imported_rows').notNull().default(0),
  errorCount: integer('error_count').notNull().default(0),
  /** Row errors as JSON (row, field, code — never the cell's value, which may be an ID number). */
  errors: text('errors').notNull().default('[]'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});
