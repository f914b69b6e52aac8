CREATE TABLE "guardian_consents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"child_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"pairing_id" uuid,
	"need_id" uuid,
	"guardian_name" text NOT NULL,
	"relation" text NOT NULL,
	"consented_on" date NOT NULL,
	"method" text NOT NULL,
	"witness_user_id" uuid,
	"form_sha256" text,
	"form_mime_type" text,
	"form_bytes" integer,
	"recorded_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"withdrawn_on" date,
	"withdrawal_note" text,
	"withdrawn_by" uuid,
	"withdrawn_at" timestamp with time zone,
	CONSTRAINT "guardian_consents_purpose_chk" CHECK (("guardian_consents"."purpose" = 'pairing' and "guardian_consents"."pairing_id" is not null and "guardian_consents"."need_id" is null) or ("guardian_consents"."purpose" = 'help' and "guardian_consents"."need_id" is not null and "guardian_consents"."pairing_id" is null)),
	CONSTRAINT "guardian_consents_method_chk" CHECK (("guardian_consents"."method" = 'form' and "guardian_consents"."form_sha256" is not null) or ("guardian_consents"."method" = 'verbal' and "guardian_consents"."witness_user_id" is not null)),
	CONSTRAINT "guardian_consents_form_mime_chk" CHECK ("guardian_consents"."form_mime_type" is null or "guardian_consents"."form_mime_type" in ('application/pdf','image/jpeg','image/png')),
	CONSTRAINT "guardian_consents_withdrawn_chk" CHECK ("guardian_consents"."withdrawn_on" is null or "guardian_consents"."withdrawn_on" >= "guardian_consents"."consented_on")
);
--> statement-breakpoint
CREATE TABLE "guardian_contacts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"pairing_id" uuid NOT NULL,
	"occurred_on" date NOT NULL,
	"mode" text NOT NULL,
	"note" text NOT NULL,
	"recorded_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "guardian_contacts_mode_chk" CHECK ("guardian_contacts"."mode" in ('visit','phone','video'))
);
--> statement-breakpoint
ALTER TABLE "guardian_consents" ADD CONSTRAINT "guardian_consents_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_consents" ADD CONSTRAINT "guardian_consents_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_consents" ADD CONSTRAINT "guardian_consents_pairing_id_pairings_id_fk" FOREIGN KEY ("pairing_id") REFERENCES "public"."pairings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_consents" ADD CONSTRAINT "guardian_consents_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_consents" ADD CONSTRAINT "guardian_consents_witness_user_id_users_id_fk" FOREIGN KEY ("witness_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_consents" ADD CONSTRAINT "guardian_consents_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_consents" ADD CONSTRAINT "guardian_consents_withdrawn_by_users_id_fk" FOREIGN KEY ("withdrawn_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_contacts" ADD CONSTRAINT "guardian_contacts_pairing_id_pairings_id_fk" FOREIGN KEY ("pairing_id") REFERENCES "public"."pairings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardian_contacts" ADD CONSTRAINT "guardian_contacts_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "guardian_consents_child_idx" ON "guardian_consents" USING btree ("child_id");--> statement-breakpoint
CREATE UNIQUE INDEX "guardian_consents_live_pairing_uq" ON "guardian_consents" USING btree ("pairing_id") WHERE "guardian_consents"."withdrawn_on" is null and "guardian_consents"."pairing_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "guardian_consents_live_need_uq" ON "guardian_consents" USING btree ("need_id") WHERE "guardian_consents"."withdrawn_on" is null and "guardian_consents"."need_id" is not null;--> statement-breakpoint
CREATE INDEX "guardian_contacts_pairing_idx" ON "guardian_contacts" USING btree ("pairing_id","occurred_on");