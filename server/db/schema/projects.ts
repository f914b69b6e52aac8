import { sql } from 'drizzle-orm';
import { bigint, check, date, index, integer, jsonb, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts';
import { organizations } from './organizations';
import { needs } from './children';

/** A reason as the matching engine gives it: a message code and the values that fill it. Never an identity. */
export interface StoredReason {
  code: string;
  params?: Record<string, string | number>;
}

/**
 * Help a charity or caring enterprise offers: which kinds of need, where, for which children,
 * how many, with what money and when. Public only once a reviewer has opened it.
 * `placesTaken` counts the children confirmed into it over its life (a closed help record keeps
 * its place); `placesPromised` the proposals it accepted that wait for the caseworker's
 * confirmation. Capacity minus both is what matching may still fill; the check makes
 * over-acceptance impossible even under concurrent requests.
 */
export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    needKinds: text('need_kinds').array().notNull(),
    /** Canonical division codes of any level: province, city, county, township or village. */
    regionCodes: text('region_codes').array().notNull(),
    /** Eligible civil-affairs classes 1–6; empty means every class. */
    eligibleClasses: smallint('eligible_classes').array().notNull().default(sql`'{}'::smallint[]`),
    minAge: smallint('min_age').notNull(),
    maxAge: smallint('max_age').notNull(),
    capacity: integer('capacity').notNull(),
    placesTaken: integer('places_taken').notNull().default(0),
    placesPromised: integer('places_promised').notNull().default(0),
    budgetPerChildFen: bigint('budget_per_child_fen', { mode: 'number' }),
    fundingGoalFen: bigint('funding_goal_fen', { mode: 'number' }),
    startOn: date('start_on').notNull(),
    endOn: date('end_on').notNull(),
    status: text('status').notNull().default('draft'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    reviewedBy: uuid('reviewed_by').references(() => users.id),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewNote: text('review_note'),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('projects_status_idx').on(t.status),
    index('projects_org_idx').on(t.organizationId, t.status),
    check('projects_status_chk', sql`${t.status} in ('draft','under_review','open','full','closed','rejected')`),
    check('projects_age_chk', sql`${t.minAge} >= 0 and ${t.maxAge} <= 17 and ${t.minAge} <= ${t.maxAge}`),
    check('projects_capacity_chk', sql`${t.capacity} >= 1 and ${t.placesTaken} >= 0 and ${t.placesPromised} >= 0 and ${t.placesTaken} + ${t.placesPromised} <= ${t.capacity}`),
    check('projects_dates_chk', sql`${t.endOn} >= ${t.startOn}`),
    check('projects_money_chk', sql`(${t.budgetPerChildFen} is null or ${t.budgetPerChildFen} >= 0) and (${t.fundingGoalFen} is null or ${t.fundingGoalFen} >= 0)`),
  ],
);

/** A volunteer role a project needs (tutor, companion, counselor…); the volunteers area signs people up to it. */
export const projectRoles = pgTable(
  'project_roles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    roleKind: text('role_kind').notNull(),
    cadence: text('cadence').notNull().default(''),
    requiredSkills: text('required_skills').array().notNull().default(sql`'{}'::text[]`),
    slots: integer('slots').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('project_roles_project_idx').on(t.projectId), check('project_roles_slots_chk', sql`${t.slots} >= 1`)],
);

/**
 * A need ↔ project pairing the engine proposed, with its score and reasons. The project's
 * organization accepts or declines it; the need's organization confirms an accepted one.
 * At most one live (proposed or accepted) proposal per need.
 */
export const matchProposals = pgTable(
  'match_proposals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    needId: uuid('need_id').notNull().references(() => needs.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    score: integer('score').notNull(),
    reasons: jsonb('reasons').$type<StoredReason[]>().notNull(),
    status: text('status').notNull().default('proposed'),
    declineReason: text('decline_reason'),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    confirmedBy: uuid('confirmed_by').references(() => users.id),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    proposedAt: timestamp('proposed_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('match_proposals_project_idx').on(t.projectId, t.status),
    index('match_proposals_need_idx').on(t.needId, t.status),
    uniqueIndex('match_proposals_live_need_uq').on(t.needId).where(sql`${t.status} in ('proposed','accepted')`),
    check('match_proposals_status_chk', sql`${t.status} in ('proposed','accepted','declined','confirmed','withdrawn','invalid')`),
  ],
);

/** Why an open need got no proposal in the latest matching run (e.g. the child is already helped in that kind). */
export const unmatchedNeeds = pgTable('unmatched_needs', {
  needId: uuid('need_id').primaryKey().references(() => needs.id, { onDelete: 'cascade' }),
  reasons: jsonb('reasons').$type<StoredReason[]>().notNull(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One matching run: what it looked at and what it proposed, for the platform's overview. */
export const matchingRuns = pgTable('matching_runs', {
  id: uuid('id').primaryKey().defaultRandom(),
  scope: text('scope').notNull(),
  triggeredBy: uuid('triggered_by').references(() => users.id),
  needs: integer('needs').notNull(),
  projects: integer('projects').notNull(),
  proposals: integer('proposals').notNull(),
  unmatched: integer('unmatched').notNull(),
  millis: integer('millis').notNull(),
  ranAt: timestamp('ran_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Help that started from a confirmed proposal: in progress until the need's organization closes
 * it with an outcome and a short evaluation. `childKey` is the child's cross-organization key
 * (keyed hash of the ID number) at confirmation, so the same child is never helped twice in the
 * same kind over the same period, whichever organization registered them.
 */
export const helpRecords = pgTable(
  'help_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    proposalId: uuid('proposal_id').notNull().unique().references(() => matchProposals.id, { onDelete: 'cascade' }),
    needId: uuid('need_id').notNull().references(() => needs.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    childKey: text('child_key').notNull(),
    kind: text('kind').notNull(),
    startOn: date('start_on').notNull(),
    /** null: no end set (open-ended help). */
    endOn: date('end_on'),
    status: text('status').notNull().default('in_progress'),
    outcome: text('outcome'),
    /** The closing evaluation; free text about a child, so encrypted. */
    evaluation: text('evaluation'),
    nextFollowUpOn: date('next_follow_up_on'),
    confirmedBy: uuid('confirmed_by').references(() => users.id),
    closedBy: uuid('closed_by').references(() => users.id),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('help_records_child_idx').on(t.childKey, t.kind, t.status),
    index('help_records_project_idx').on(t.projectId, t.status),
    index('help_records_need_idx').on(t.needId),
    check('help_records_status_chk', sql`${t.status} in ('in_progress','closed')`),
    check('help_records_outcome_chk', sql`${t.outcome} is null or ${t.outcome} in ('met','partly_met','not_met')`),
    check('help_records_closed_chk', sql`(${t.status} = 'closed') = (${t.outcome} is not null)`),
  ],
);

/** A scheduled follow-up of a help record; done when someone records it, overdue when its day has passed undone. */
export const followUps = pgTable(
  'follow_ups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    helpRecordId: uuid('help_record_id').notNull().references(() => helpRecords.id, { onDelete: 'cascade' }),
    dueOn: date('due_on').notNull(),
    doneOn: date('done_on'),
    /** Free text about a child, so encrypted. */
    notes: text('notes'),
    doneBy: uuid('done_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('follow_ups_record_idx').on(t.helpRecordId, t.doneOn), index('follow_ups_due_idx').on(t.dueOn)],
);
