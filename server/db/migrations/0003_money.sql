CREATE TABLE "disclosures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"project_id" uuid,
	"kind" text NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_by" uuid NOT NULL,
	"figures" jsonb NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"corrects" uuid,
	"correction_reason" text,
	CONSTRAINT "disclosures_kind_chk" CHECK ("disclosures"."kind" in ('quarterly','final','leftover','annual','correction')),
	CONSTRAINT "disclosures_period_chk" CHECK ("disclosures"."period_start" <= "disclosures"."period_end"),
	CONSTRAINT "disclosures_correction_chk" CHECK (("disclosures"."kind" = 'correction') = ("disclosures"."corrects" is not null and "disclosures"."correction_reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "donations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"project_id" uuid,
	"donor_user_id" uuid,
	"display_name" text NOT NULL,
	"anonymous" boolean DEFAULT false NOT NULL,
	"public_message" text,
	"amount_fen" bigint NOT NULL,
	"frequency" text DEFAULT 'one_off' NOT NULL,
	"channel" text NOT NULL,
	"method" text,
	"status" text NOT NULL,
	"stripe_checkout_session_id" text,
	"stripe_payment_intent_id" text,
	"stripe_subscription_id" text,
	"stripe_invoice_id" text,
	"recurring_of" uuid,
	"receipt_code" text NOT NULL,
	"receipt_number" text,
	"evidence_file_id" uuid,
	"refunded_fen" bigint DEFAULT 0 NOT NULL,
	"disputed_fen" bigint DEFAULT 0 NOT NULL,
	"recorded_by" uuid,
	"received_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "donations_amount_chk" CHECK ("donations"."amount_fen" > 0),
	CONSTRAINT "donations_refunded_chk" CHECK ("donations"."refunded_fen" >= 0 and "donations"."refunded_fen" + "donations"."disputed_fen" <= "donations"."amount_fen"),
	CONSTRAINT "donations_frequency_chk" CHECK ("donations"."frequency" in ('one_off','monthly')),
	CONSTRAINT "donations_channel_chk" CHECK ("donations"."channel" in ('stripe','offline','pledge')),
	CONSTRAINT "donations_status_chk" CHECK ("donations"."status" in ('pending','pledged','succeeded','failed','expired','refunded','canceled'))
);
--> statement-breakpoint
CREATE TABLE "evidence_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"mime_type" text NOT NULL,
	"bytes" integer NOT NULL,
	"filename" text NOT NULL,
	"uploaded_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evidence_files_mime_chk" CHECK ("evidence_files"."mime_type" in ('application/pdf','image/jpeg','image/png'))
);
--> statement-breakpoint
CREATE TABLE "expenditure_evidence" (
	"expenditure_id" uuid NOT NULL,
	"evidence_file_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "expenditures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"project_id" uuid,
	"category" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"spent_on" date NOT NULL,
	"payee_type" text NOT NULL,
	"description" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"recorded_by" uuid NOT NULL,
	"approved_by" uuid,
	"decided_at" timestamp with time zone,
	"rejection_reason" text,
	"reversal_reason" text,
	"reversed_at" timestamp with time zone,
	"posted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "expenditures_amount_chk" CHECK ("expenditures"."amount_fen" > 0),
	CONSTRAINT "expenditures_category_chk" CHECK ("expenditures"."category" in ('goods','school_aid','medical','psychological','activities','administration')),
	CONSTRAINT "expenditures_payee_chk" CHECK ("expenditures"."payee_type" in ('supplier','school','hospital','family','individual','organization','other')),
	CONSTRAINT "expenditures_status_chk" CHECK ("expenditures"."status" in ('pending','posted','rejected','reversed')),
	CONSTRAINT "expenditures_four_eyes_chk" CHECK ("expenditures"."approved_by" is null or "expenditures"."approved_by" <> "expenditures"."recorded_by")
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"sequence" bigint PRIMARY KEY NOT NULL,
	"tx_id" text NOT NULL,
	"occurred_at" text NOT NULL,
	"kind" text NOT NULL,
	"memo" text NOT NULL,
	"reference" text,
	"reverses" text,
	"postings" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_postings" (
	"sequence" bigint NOT NULL,
	"account" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"account_type" text NOT NULL,
	"organization_id" text,
	"project_id" text,
	"category" text
);
--> statement-breakpoint
CREATE TABLE "payment_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"type" text NOT NULL,
	"donation_id" uuid,
	"outcome" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "disclosures" ADD CONSTRAINT "disclosures_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disclosures" ADD CONSTRAINT "disclosures_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donations" ADD CONSTRAINT "donations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donations" ADD CONSTRAINT "donations_donor_user_id_users_id_fk" FOREIGN KEY ("donor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donations" ADD CONSTRAINT "donations_evidence_file_id_evidence_files_id_fk" FOREIGN KEY ("evidence_file_id") REFERENCES "public"."evidence_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donations" ADD CONSTRAINT "donations_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_files" ADD CONSTRAINT "evidence_files_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_files" ADD CONSTRAINT "evidence_files_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expenditure_evidence" ADD CONSTRAINT "expenditure_evidence_expenditure_id_expenditures_id_fk" FOREIGN KEY ("expenditure_id") REFERENCES "public"."expenditures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expenditure_evidence" ADD CONSTRAINT "expenditure_evidence_evidence_file_id_evidence_files_id_fk" FOREIGN KEY ("evidence_file_id") REFERENCES "public"."evidence_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expenditures" ADD CONSTRAINT "expenditures_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expenditures" ADD CONSTRAINT "expenditures_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expenditures" ADD CONSTRAINT "expenditures_approved_by_users_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_sequence_ledger_entries_sequence_fk" FOREIGN KEY ("sequence") REFERENCES "public"."ledger_entries"("sequence") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "disclosures_org_idx" ON "disclosures" USING btree ("organization_id","published_at");--> statement-breakpoint
CREATE INDEX "disclosures_project_idx" ON "disclosures" USING btree ("project_id","published_at");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_receipt_code_uq" ON "donations" USING btree ("receipt_code");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_checkout_session_uq" ON "donations" USING btree ("stripe_checkout_session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_invoice_uq" ON "donations" USING btree ("stripe_invoice_id");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_org_receipt_number_uq" ON "donations" USING btree ("organization_id","receipt_number");--> statement-breakpoint
CREATE INDEX "donations_payment_intent_idx" ON "donations" USING btree ("stripe_payment_intent_id");--> statement-breakpoint
CREATE INDEX "donations_subscription_idx" ON "donations" USING btree ("stripe_subscription_id");--> statement-breakpoint
CREATE INDEX "donations_org_idx" ON "donations" USING btree ("organization_id","received_at");--> statement-breakpoint
CREATE INDEX "donations_project_idx" ON "donations" USING btree ("project_id","received_at");--> statement-breakpoint
CREATE INDEX "donations_donor_idx" ON "donations" USING btree ("donor_user_id","created_at");--> statement-breakpoint
CREATE INDEX "evidence_files_org_idx" ON "evidence_files" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "expenditure_evidence_pk" ON "expenditure_evidence" USING btree ("expenditure_id","evidence_file_id");--> statement-breakpoint
CREATE INDEX "expenditures_org_idx" ON "expenditures" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "expenditures_project_idx" ON "expenditures" USING btree ("project_id","posted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_tx_uq" ON "ledger_entries" USING btree ("tx_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_prev_uq" ON "ledger_entries" USING btree ("prev_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_hash_uq" ON "ledger_entries" USING btree ("hash");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_reverses_uq" ON "ledger_entries" USING btree ("reverses");--> statement-breakpoint
CREATE INDEX "ledger_entries_reference_idx" ON "ledger_entries" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "ledger_postings_sequence_idx" ON "ledger_postings" USING btree ("sequence");--> statement-breakpoint
CREATE INDEX "ledger_postings_fund_idx" ON "ledger_postings" USING btree ("organization_id","project_id","account_type");--> statement-breakpoint
CREATE INDEX "ledger_postings_account_idx" ON "ledger_postings" USING btree ("account");--> statement-breakpoint
-- The ledger is append-only: corrections are new reversal entries, so no row is ever changed or removed.
CREATE FUNCTION "ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $$;--> statement-breakpoint
CREATE TRIGGER "ledger_entries_append_only" BEFORE UPDATE OR DELETE ON "ledger_entries" FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();--> statement-breakpoint
CREATE TRIGGER "ledger_postings_append_only" BEFORE UPDATE OR DELETE ON "ledger_postings" FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();
