import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts';
import { organizations } from './organizations';
import { children, needs } from './children';
import { projectRoles, projects } from './projects';

/** One weekly slot a volunteer is free: day 1 (Monday) – 7 and a part of the day. */
export interface AvailabilitySlot {
  day: number;
  part: 'morning' | 'afternoon' | 'evening';
}

/** A training course a volunteer completed, as the organization recorded it. */
export interface TrainingCourse {
  course: string;
  completedOn: string;
}

/**
 * What a volunteer offers: skills, languages, where and how far they travel (or online only),
 * when they are free and why. Shared with an organization only once the volunteer joins it.
 */
export const volunteerProfiles = pgTable(
  'volunteer_profiles',
  {
    userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
    skills: text('skills').array().notNull(),
    tutoringSubjects: text('tutoring_subjects').array().notNull().default(sql`'{}'::text[]`),
    languages: text('languages').array().notNull().default(sql`'{}'::text[]`),
    /** County (6-digit division code) the volunteer lives in; null only when online only. */
    regionCode: text('region_code'),
    travelKm: integer('travel_km').notNull().default(0),
    onlineOnly: boolean('online_only').notNull().default(false),
    availability: jsonb('availability').$type<AvailabilitySlot[]>().notNull().default([]),
    motivation: text('motivation').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('volunteer_profiles_travel_chk', sql`${t.travelKm} between 0 and 2000`),
    check('volunteer_profiles_region_chk', sql`${t.onlineOnly} or ${t.regionCode} is not null`),
  ],
);

/**
 * A volunteer's standing with one organization: created when the volunteer joins it (or applies
 * to one of its roles), then filled in by the organization — identity verified, background check
 * (无犯罪记录证明) with its expiry, training courses, and the roles that qualifies them for.
 */
export const volunteerVettings = pgTable(
  'volunteer_vettings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    volunteerUserId: uuid('volunteer_user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    identityVerifiedOn: date('identity_verified_on'),
    backgroundCheckOn: date('background_check_on'),
    backgroundCheckExpiresOn: date('background_check_expires_on'),
    trainings: jsonb('trainings').$type<TrainingCourse[]>().notNull().default([]),
    /** Role kinds (tutor, companion, counselor …) the organization has qualified the volunteer for. */
    qualifiedRoles: text('qualified_roles').array().notNull().default(sql`'{}'::text[]`),
    note: text('note'),
    recordedBy: uuid('recorded_by').references(() => users.id),
    recordedAt: timestamp('recorded_at', { withTimezone: true }),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('volunteer_vettings_org_volunteer_uq').on(t.organizationId, t.volunteerUserId),
    index('volunteer_vettings_volunteer_idx').on(t.volunteerUserId),
    index('volunteer_vettings_expiry_idx').on(t.backgroundCheckExpiresOn),
    check('volunteer_vettings_check_dates_chk', sql`${t.backgroundCheckExpiresOn} is null or ${t.backgroundCheckOn} is null or ${t.backgroundCheckExpiresOn} > ${t.backgroundCheckOn}`),
  ],
);

/**
 * A long-term pairing (结对) of a volunteer with one child's needs, in the needs' organization.
 * Requested by the organization, approved by a caseworker; only then does the volunteer see it,
 * and then only the nickname and the needs' public projections.
 */
export const pairings = pgTable(
  'pairings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    volunteerUserId: uuid('volunteer_user_id').notNull().references(() => users.id),
    /** The role kind the volunteer acts in (tutor, companion …): must be one the vetting qualifies. */
    roleKind: text('role_kind').notNull(),
    /** A first name or nickname chosen by the caseworker: all the volunteer learns of who the child is. */
    nickname: text('nickname').notNull(),
    termMonths: smallint('term_months').notNull().default(12),
    checkInEvery: text('check_in_every').notNull().default('month'),
    status: text('status').notNull().default('requested'),
    startOn: date('start_on'),
    endOn: date('end_on'),
    renewals: smallint('renewals').notNull().default(0),
    requestedBy: uuid('requested_by').notNull().references(() => users.id),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** Why it is paused, suspended or closed (a code), and the caseworker's closing note. */
    statusReason: text('status_reason'),
    closingNote: text('closing_note'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('pairings_org_idx').on(t.organizationId, t.status),
    index('pairings_volunteer_idx').on(t.volunteerUserId, t.status),
    check('pairings_status_chk', sql`${t.status} in ('requested','active','paused','suspended','closed','declined')`),
    check('pairings_every_chk', sql`${t.checkInEvery} in ('week','fortnight','month','quarter')`),
    check('pairings_term_chk', sql`${t.termMonths} between 1 and 36`),
    check('pairings_dates_chk', sql`${t.endOn} is null or ${t.startOn} is null or ${t.endOn} > ${t.startOn}`),
  ],
);

/** The needs a pairing covers (all of one child). */
export const pairingNeeds = pgTable(
  'pairing_needs',
  {
    pairingId: uuid('pairing_id').notNull().references(() => pairings.id, { onDelete: 'cascade' }),
    needId: uuid('need_id').notNull().references(() => needs.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.pairingId, t.needId] }), index('pairing_needs_need_idx').on(t.needId)],
);

/**
 * A scheduled contact the volunteer records: when, how, how long, who else was there (the
 * guardian, the caseworker; null on check-ins recorded before presence was asked), and notes about
 * the child (free text, so encrypted like visit findings). The caseworker reviews it.
 */
export const checkIns = pgTable(
  'check_ins',
  {
    id: uuid('id').primaryKey(),
    pairingId: uuid('pairing_id').notNull().references(() => pairings.id, { onDelete: 'cascade' }),
    occurredOn: date('occurred_on').notNull(),
    mode: text('mode').notNull(),
    minutes: integer('minutes').notNull(),
    notes: text('notes').notNull(),
    guardianPresent: boolean('guardian_present'),
    caseworkerPresent: boolean('caseworker_present'),
    recordedBy: uuid('recorded_by').notNull().references(() => users.id),
    reviewedBy: uuid('reviewed_by').references(() => users.id),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewNote: text('review_note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('check_ins_pairing_idx').on(t.pairingId, t.occurredOn),
    check('check_ins_mode_chk', sql`${t.mode} in ('visit','video','phone','group')`),
    check('check_ins_minutes_chk', sql`${t.minutes} between 1 and 1440`),
  ],
);

/**
 * Time a volunteer gave, against a pairing or a named activity (optionally of a project), waiting
 * for the organization's decision. `regionCode` is the county the hours count for in totals.
 */
export const hourLogs = pgTable(
  'hour_logs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    volunteerUserId: uuid('volunteer_user_id').notNull().references(() => users.id),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    pairingId: uuid('pairing_id').references(() => pairings.id),
    projectId: uuid('project_id').references(() => projects.id),
    activity: text('activity'),
    regionCode: text('region_code'),
    workedOn: date('worked_on').notNull(),
    /** Minutes after midnight the work started, when the volunteer gave a time. */
    startMinute: smallint('start_minute'),
    minutes: integer('minutes').notNull(),
    description: text('description').notNull(),
    status: text('status').notNull().default('pending'),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('hour_logs_volunteer_idx').on(t.volunteerUserId, t.workedOn),
    index('hour_logs_org_idx').on(t.organizationId, t.status),
    check('hour_logs_status_chk', sql`${t.status} in ('pending','approved','rejected')`),
    check('hour_logs_minutes_chk', sql`${t.minutes} between 1 and 1440`),
    check('hour_logs_start_chk', sql`${t.startMinute} is null or (${t.startMinute} >= 0 and ${t.startMinute} + ${t.minutes} <= 1440)`),
    check('hour_logs_target_chk', sql`${t.pairingId} is not null or ${t.activity} is not null`),
  ],
);

/**
 * A certificate of approved volunteer hours: a snapshot of the totals when issued, and a random
 * verification code anyone can check on /certificates/:code.
 */
export const volunteerCertificates = pgTable(
  'volunteer_certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull().unique(),
    volunteerUserId: uuid('volunteer_user_id').notNull().references(() => users.id),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    volunteerName: text('volunteer_name').notNull(),
    organizationName: text('organization_name').notNull(),
    totalMinutes: integer('total_minutes').notNull(),
    logCount: integer('log_count').notNull(),
    firstOn: date('first_on').notNull(),
    lastOn: date('last_on').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('volunteer_certificates_volunteer_idx').on(t.volunteerUserId)],
);

/** A message between a volunteer and an organization (never with a child or a family). */
export const volunteerMessages = pgTable(
  'volunteer_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    volunteerUserId: uuid('volunteer_user_id').notNull().references(() => users.id),
    authorUserId: uuid('author_user_id').notNull().references(() => users.id),
    fromVolunteer: boolean('from_volunteer').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('volunteer_messages_thread_idx').on(t.organizationId, t.volunteerUserId, t.createdAt)],
);

/** A safeguarding concern reported to an organization's admins; the text is encrypted, every read audited. */
export const volunteerConcerns = pgTable(
  'volunteer_concerns',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    reporterUserId: uuid('reporter_user_id').notNull().references(() => users.id),
    pairingId: uuid('pairing_id').references(() => pairings.id),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('volunteer_concerns_org_idx').on(t.organizationId, t.createdAt)],
);

/** A volunteer's application to a project's volunteer role; the project's organization decides. */
export const roleApplications = pgTable(
  'role_applications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roleId: uuid('role_id').notNull().references(() => projectRoles.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    volunteerUserId: uuid('volunteer_user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    message: text('message').notNull().default(''),
    status: text('status').notNull().default('applied'),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('role_applications_role_volunteer_uq').on(t.roleId, t.volunteerUserId),
    index('role_applications_org_idx').on(t.organizationId, t.status),
    check('role_applications_status_chk', sql`${t.status} in ('applied','accepted','declined','withdrawn')`),
  ],
);

/**
 * A guardian's consent (监护人同意) to contact with their child, for one purpose: a pairing, or
 * help for one need whose kind involves contact. The guardian's name and the withdrawal note are
 * encrypted (the family's identifying data); the signed form, when there is one, lies in the
 * evidence store under its SHA-256 and is named only here. Verbal consent names its witness, the
 * caseworker who recorded it. A purpose has at most one consent that is not withdrawn.
 */
export const guardianConsents = pgTable(
  'guardian_consents',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    childId: uuid('child_id').notNull().references(() => children.id),
    purpose: text('purpose').notNull(),
    pairingId: uuid('pairing_id').references(() => pairings.id, { onDelete: 'cascade' }),
    needId: uuid('need_id').references(() => needs.id, { onDelete: 'cascade' }),
    guardianName: text('guardian_name').notNull(),
    relation: text('relation').notNull(),
    consentedOn: date('consented_on').notNull(),
    method: text('method').notNull(),
    witnessUserId: uuid('witness_user_id').references(() => users.id),
    formSha256: text('form_sha256'),
    formMimeType: text('form_mime_type'),
    formBytes: integer('form_bytes'),
    recordedBy: uuid('recorded_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    withdrawnOn: date('withdrawn_on'),
    withdrawalNote: text('withdrawal_note'),
    withdrawnBy: uuid('withdrawn_by').references(() => users.id),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
  },
  (t) => [
    index('guardian_consents_child_idx').on(t.childId),
    uniqueIndex('guardian_consents_live_pairing_uq').on(t.pairingId).where(sql`${t.withdrawnOn} is null and ${t.pairingId} is not null`),
    uniqueIndex('guardian_consents_live_need_uq').on(t.needId).where(sql`${t.withdrawnOn} is null and ${t.needId} is not null`),
    check('guardian_consents_purpose_chk', sql`(${t.purpose} = 'pairing' and ${t.pairingId} is not null and ${t.needId} is null) or (${t.purpose} = 'help' and ${t.needId} is not null and ${t.pairingId} is null)`),
    check('guardian_consents_method_chk', sql`(${t.method} = 'form' and ${t.formSha256} is not null) or (${t.method} = 'verbal' and ${t.witnessUserId} is not null)`),
    check('guardian_consents_form_mime_chk', sql`${t.formMimeType} is null or ${t.formMimeType} in ('application/pdf','image/jpeg','image/png')`),
    check('guardian_consents_withdrawn_chk', sql`${t.withdrawnOn} is null or ${t.withdrawnOn} >= ${t.consentedOn}`),
  ],
);

/**
 * The caseworker's own contact with the child's guardian during a pairing (monthly, on the
 * pairing's schedule): when, how, and a short note about the family, encrypted.
 */
export const guardianContacts = pgTable(
  'guardian_contacts',
  {
    id: uuid('id').primaryKey(),
    pairingId: uuid('pairing_id').notNull().references(() => pairings.id, { onDelete: 'cascade' }),
    occurredOn: date('occurred_on').notNull(),
    mode: text('mode').notNull(),
    note: text('note').notNull(),
    recordedBy: uuid('recorded_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('guardian_contacts_pairing_idx').on(t.pairingId, t.occurredOn), check('guardian_contacts_mode_chk', sql`${t.mode} in ('visit','phone','video')`)],
);
