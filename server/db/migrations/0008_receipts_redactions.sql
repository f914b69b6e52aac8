CREATE TABLE "evidence_redactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"evidence_file_id" uuid NOT NULL,
	"original_sha256" text NOT NULL,
	"page_count" integer NOT NULL,
	"boxes" jsonb NOT NULL,
	"copy_sha256" text NOT NULL,
	"copy_mime_type" text NOT NULL,
	"copy_bytes" integer NOT NULL,
	"status" text DEFAULT 'marked' NOT NULL,
	"public_id" text,
	"marked_by" uuid NOT NULL,
	"marked_at" timestamp with time zone NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"return_reason" text,
	CONSTRAINT "evidence_redactions_status_chk" CHECK ("evidence_redactions"."status" in ('marked','confirmed','returned')),
	CONSTRAINT "evidence_redactions_copy_mime_chk" CHECK ("evidence_redactions"."copy_mime_type" in ('image/png','application/pdf')),
	CONSTRAINT "evidence_redactions_public_chk" CHECK (("evidence_redactions"."status" = 'confirmed') = ("evidence_redactions"."public_id" is not null)),
	CONSTRAINT "evidence_redactions_four_eyes_chk" CHECK ("evidence_redactions"."decided_by" is null or "evidence_redactions"."decided_by" <> "evidence_redactions"."marked_by")
);
--> statement-breakpoint
ALTER TABLE "evidence_redactions" ADD CONSTRAINT "evidence_redactions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_redactions" ADD CONSTRAINT "evidence_redactions_evidence_file_id_evidence_files_id_fk" FOREIGN KEY ("evidence_file_id") REFERENCES "public"."evidence_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_redactions" ADD CONSTRAINT "evidence_redactions_marked_by_users_id_fk" FOREIGN KEY ("marked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_redactions" ADD CONSTRAINT "evidence_redactions_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_redactions_public_uq" ON "evidence_redactions" USING btree ("public_id");--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_redactions_live_uq" ON "evidence_redactions" USING btree ("evidence_file_id") WHERE "evidence_redactions"."status" <> 'returned';--> statement-breakpoint
CREATE INDEX "evidence_redactions_org_idx" ON "evidence_redactions" USING btree ("organization_id");