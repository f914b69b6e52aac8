import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts';
import { organizations } from './organizations';
import { helpRecords } from './projects';

/**
 * The money side: gifts, payment-provider events, expenditures with their evidence, the
 * hash-chained ledger and the disclosures made from it. Amounts are integer fen (bigint read
 * as a JS number: safe up to 9e15 fen). Projects are referenced by id without a foreign key
 * while the projects area is being built; the ledger references nothing, it stands alone.
 */

/** A file proving a gift or a spending (bank slip, invoice, receipt), stored once by content hash. */
export const evidenceFiles = pgTable(
  'evidence_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    sha256: text('sha256').notNull(),
    mimeType: text('mime_type').notNull(),
    bytes: integer('bytes').notNull(),
    filename: text('filename').notNull(),
    uploadedBy: uuid('uploaded_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('evidence_files_org_idx').on(t.organizationId), check('evidence_files_mime_chk', sql`${t.mimeType} in ('application/pdf','image/jpeg','image/png')`)],
);

/** One gift of money (a monthly gift is one row per paid month); `receiptCode` is the donor's unguessable link. */
export const donations = pgTable(
  'donations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    /** null = unrestricted, to the organization's general fund. */
    projectId: uuid('project_id'),
    donorUserId: uuid('donor_user_id').references(() => users.id),
    displayName: text('display_name').notNull(),
    anonymous: boolean('anonymous').notNull().default(false),
    publicMessage: text('public_message'),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    frequency: text('frequency').notNull().default('one_off'),
    channel: text('channel').notNull(),
    /** card, alipay, wechat_pay, bank_transfer, cash; null until the provider says how it was paid. */
    method: text('method'),
    status: text('status').notNull(),
    stripeCheckoutSessionId: text('stripe_checkout_session_id'),
    stripePaymentIntentId: text('stripe_payment_intent_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    stripeInvoiceId: text('stripe_invoice_id'),
    /** The monthly gift's first row, for the rows of later months. */
    recurringOf: uuid('recurring_of'),
    receiptCode: text('receipt_code').notNull(),
    /** The organization's own receipt number (offline gifts), or the platform's. */
    receiptNumber: text('receipt_number'),
    evidenceFileId: uuid('evidence_file_id').references(() => evidenceFiles.id),
    refundedFen: bigint('refunded_fen', { mode: 'number' }).notNull().default(0),
    disputedFen: bigint('disputed_fen', { mode: 'number' }).notNull().default(0),
    recordedBy: uuid('recorded_by').references(() => users.id),
    /** When the money arrived; null while pending or pledged. */
    receivedAt: timestamp('received_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('donations_receipt_code_uq').on(t.receiptCode),
    uniqueIndex('donations_checkout_session_uq').on(t.stripeCheckoutSessionId),
    uniqueIndex('donations_invoice_uq').on(t.stripeInvoiceId),
    uniqueIndex('donations_org_receipt_number_uq').on(t.organizationId, t.receiptNumber),
    index('donations_payment_intent_idx').on(t.stripePaymentIntentId),
    index('donations_subscription_idx').on(t.stripeSubscriptionId),
    index('donations_org_idx').on(t.organizationId, t.receivedAt),
    index('donations_project_idx').on(t.projectId, t.receivedAt),
    index('donations_donor_idx').on(t.donorUserId, t.createdAt),
    check('donations_amount_chk', sql`${t.amountFen} > 0`),
    check('donations_refunded_chk', sql`${t.refundedFen} >= 0 and ${t.refundedFen} + ${t.disputedFen} <= ${t.amountFen}`),
    check('donations_frequency_chk', sql`${t.frequency} in ('one_off','monthly')`),
    check('donations_channel_chk', sql`${t.channel} in ('stripe','offline','pledge')`),
    check('donations_status_chk', sql`${t.status} in ('pending','pledged','succeeded','failed','expired','refunded','canceled')`),
  ],
);

/** Every payment-provider event ever processed: the primary key makes processing exactly-once. */
export const paymentEvents = pgTable('payment_events', {
  eventId: text('event_id').primaryKey(),
  provider: text('provider').notNull(),
  type: text('type').notNull(),
  donationId: uuid('donation_id'),
  /** What processing did: applied, ignored, … — for an operator reading the trail. */
  outcome: text('outcome').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Spending from a project's money or the general fund; posted to the ledger only once a second person approves. */
export const expenditures = pgTable(
  'expenditures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    projectId: uuid('project_id'),
    category: text('category').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    spentOn: date('spent_on').notNull(),
    payeeType: text('payee_type').notNull(),
    /** Public text: what was bought or paid, never a child's or a family's identity. */
    description: text('description').notNull(),
    status: text('status').notNull().default('pending'),
    recordedBy: uuid('recorded_by').notNull().references(() => users.id),
    approvedBy: uuid('approved_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    rejectionReason: text('rejection_reason'),
    /** A posted spending found wrong is reversed in the ledger (never edited); why, in public words. */
    reversalReason: text('reversal_reason'),
    reversedAt: timestamp('reversed_at', { withTimezone: true }),
    postedAt: timestamp('posted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('expenditures_org_idx').on(t.organizationId, t.status),
    index('expenditures_project_idx').on(t.projectId, t.postedAt),
    check('expenditures_amount_chk', sql`${t.amountFen} > 0`),
    check('expenditures_category_chk', sql`${t.category} in ('goods','school_aid','medical','psychological','activities','administration')`),
    check('expenditures_payee_chk', sql`${t.payeeType} in ('supplier','school','hospital','family','individual','organization','other')`),
    check('expenditures_status_chk', sql`${t.status} in ('pending','posted','rejected','reversed')`),
    // Four-eyes, also at the bottom: whoever recorded a spending never approves it.
    check('expenditures_four_eyes_chk', sql`${t.approvedBy} is null or ${t.approvedBy} <> ${t.recordedBy}`),
  ],
);

/** Which evidence files back which expenditure. */
export const expenditureEvidence = pgTable(
  'expenditure_evidence',
  {
    expenditureId: uuid('expenditure_id').notNull().references(() => expenditures.id, { onDelete: 'cascade' }),
    evidenceFileId: uuid('evidence_file_id').notNull().references(() => evidenceFiles.id),
  },
  (t) => [uniqueIndex('expenditure_evidence_pk').on(t.expenditureId, t.evidenceFileId)],
);

/**
 * The help a spending served (need-level traceability): finance names some of its project's help
 * records when recording it, and gifts reach those needs through the spending. A spending naming
 * none is shown as not tied to a specific need — never spread over the project's needs. A help
 * record referenced here is never deleted from under a public trace (no cascade on that side).
 */
export const expenditureHelpRecords = pgTable(
  'expenditure_help_records',
  {
    expenditureId: uuid('expenditure_id').notNull().references(() => expenditures.id, { onDelete: 'cascade' }),
    helpRecordId: uuid('help_record_id').notNull().references(() => helpRecords.id),
  },
  (t) => [uniqueIndex('expenditure_help_records_pk').on(t.expenditureId, t.helpRecordId), index('expenditure_help_records_help_idx').on(t.helpRecordId)],
);

/**
 * The public ledger, append-only: one row per sealed transaction, hash-chained. `sequence`,
 * `prev_hash` and `hash` are unique, so even a writer that skipped the append lock could not fork the chain.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    sequence: bigint('sequence', { mode: 'number' }).primaryKey(),
    txId: text('tx_id').notNull(),
    occurredAt: text('occurred_at').notNull(),
    kind: text('kind').notNull(),
    memo: text('memo').notNull(),
    reference: text('reference'),
    reverses: text('reverses'),
    postings: jsonb('postings').notNull().$type<Array<{ account: string; amountFen: number }>>(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_entries_tx_uq').on(t.txId),
    uniqueIndex('ledger_entries_prev_uq').on(t.prevHash),
    uniqueIndex('ledger_entries_hash_uq').on(t.hash),
    // A transaction is reversed at most once.
    uniqueIndex('ledger_entries_reverses_uq').on(t.reverses),
    index('ledger_entries_reference_idx').on(t.reference),
  ],
);

/**
 * The ledger's postings, one row each, for SQL reports. `organization_id`/`project_id` name the
 * fund the posting belongs to (for an external account: the fund its transaction moved).
 */
export const ledgerPostings = pgTable(
  'ledger_postings',
  {
    sequence: bigint('sequence', { mode: 'number' })
      .notNull()
      .references(() => ledgerEntries.sequence),
    account: text('account').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    accountType: text('account_type').notNull(),
    organizationId: text('organization_id'),
    projectId: text('project_id'),
    category: text('category'),
  },
  (t) => [index('ledger_postings_sequence_idx').on(t.sequence), index('ledger_postings_fund_idx').on(t.organizationId, t.projectId, t.accountType), index('ledger_postings_account_idx').on(t.account)],
);

/** A published fund-use disclosure. A correction is a new row naming the one it corrects and why: never an edit. */
export const disclosures = pgTable(
  'disclosures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    projectId: uuid('project_id'),
    kind: text('kind').notNull(),
    periodStart: date('period_start').notNull(),
    periodEnd: date('period_end').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
    publishedBy: uuid('published_by').notNull().references(() => users.id),
    /** The report's figures at publication, and the chain head they were read at. */
    figures: jsonb('figures').notNull().$type<Record<string, unknown>>(),
    note: text('note').notNull().default(''),
    corrects: uuid('corrects'),
    correctionReason: text('correction_reason'),
  },
  (t) => [
    index('disclosures_org_idx').on(t.organizationId, t.publishedAt),
    index('disclosures_project_idx').on(t.projectId, t.publishedAt),
    check('disclosures_kind_chk', sql`${t.kind} in ('quarterly','final','leftover','annual','correction')`),
    check('disclosures_period_chk', sql`${t.periodStart} <= ${t.periodEnd}`),
    check('disclosures_correction_chk', sql`(${t.kind} = 'correction') = (${t.corrects} is not null and ${t.correctionReason} is not null)`),
  ],
);

/**
 * A redaction of one spending's evidence file before it goes public: boxes marked by one person,
 * flattened into a copy (PNG or image-only PDF, in the evidence store by its SHA-256), confirmed or
 * returned by a second. Only a confirmed copy is served, at its random `public_id`; the original
 * stays private. A returned redaction is kept as history; at most one other is live per file.
 */
export const evidenceRedactions = pgTable(
  'evidence_redactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id),
    evidenceFileId: uuid('evidence_file_id').notNull().references(() => evidenceFiles.id),
    /** The original's hash when marked: a confirmation over different bytes is refused. */
    originalSha256: text('original_sha256').notNull(),
    pageCount: integer('page_count').notNull(),
    boxes: jsonb('boxes').notNull().$type<Array<{ page: number; x: number; y: number; w: number; h: number; covers: string }>>(),
    copySha256: text('copy_sha256').notNull(),
    copyMimeType: text('copy_mime_type').notNull(),
    copyBytes: integer('copy_bytes').notNull(),
    status: text('status').notNull().default('marked'),
    /** Set at confirmation, never before: an unconfirmed copy has no public address at all. */
    publicId: text('public_id'),
    markedBy: uuid('marked_by').notNull().references(() => users.id),
    markedAt: timestamp('marked_at', { withTimezone: true }).notNull(),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    returnReason: text('return_reason'),
  },
  (t) => [
    uniqueIndex('evidence_redactions_public_uq').on(t.publicId),
    uniqueIndex('evidence_redactions_live_uq').on(t.evidenceFileId).where(sql`${t.status} <> 'returned'`),
    index('evidence_redactions_org_idx').on(t.organizationId),
    check('evidence_redactions_status_chk', sql`${t.status} in ('marked','confirmed','returned')`),
    check('evidence_redactions_copy_mime_chk', sql`${t.copyMimeType} in ('image/png','application/pdf')`),
    check('evidence_redactions_public_chk', sql`(${t.status} = 'confirmed') = (${t.publicId} is not null)`),
    // Four-eyes, also at the bottom: whoever marked a redaction never confirms or returns it.
    check('evidence_redactions_four_eyes_chk', sql`${t.decidedBy} is null or ${t.decidedBy} <> ${t.markedBy}`),
  ],
);
