CREATE TABLE "check_ins" (
	"id" uuid PRIMARY KEY NOT NULL,
	"pairing_id" uuid NOT NULL,
	"occurred_on" date NOT NULL,
	"mode" text NOT NULL,
	"minutes" integer NOT NULL,
	"notes" text NOT NULL,
	"guardian_present" boolean,
	"caseworker_present" boolean,
	"recorded_by" uuid NOT NULL,
	"reviewed_by" uuid,
	"reviewed_at" timestamp with time zone,
	"review_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "check_ins_mode_chk" CHECK ("check_ins"."mode" in ('visit','video','phone','group')),
	CONSTRAINT "check_ins_minutes_chk" CHECK ("check_ins"."minutes" between 1 and 1440)
);
--> statement-breakpoint
CREATE TABLE "hour_logs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"volunteer_user_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"pairing_id" uuid,
	"project_id" uuid,
	"activity" text,
	"region_code" text,
	"worked_on" date NOT NULL,
	"start_minute" smallint,
	"minutes" integer NOT NULL,
	"description" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hour_logs_status_chk" CHECK ("hour_logs"."status" in ('pending','approved','rejected')),
	CONSTRAINT "hour_logs_minutes_chk" CHECK ("hour_logs"."minutes" between 1 and 1440),
	CONSTRAINT "hour_logs_start_chk" CHECK ("hour_logs"."start_minute" is null or ("hour_logs"."start_minute" >= 0 and "hour_logs"."start_minute" + "hour_logs"."minutes" <= 1440)),
	CONSTRAINT "hour_logs_target_chk" CHECK ("hour_logs"."pairing_id" is not null or "hour_logs"."activity" is not null)
);
--> statement-breakpoint
CREATE TABLE "pairing_needs" (
	"pairing_id" uuid NOT NULL,
	"need_id" uuid NOT NULL,
	CONSTRAINT "pairing_needs_pairing_id_need_id_pk" PRIMARY KEY("pairing_id","need_id")
);
--> statement-breakpoint
CREATE TABLE "pairings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"volunteer_user_id" uuid NOT NULL,
	"role_kind" text NOT NULL,
	"nickname" text NOT NULL,
	"term_months" smallint DEFAULT 12 NOT NULL,
	"check_in_every" text DEFAULT 'month' NOT NULL,
	"status" text DEFAULT 'requested' NOT NULL,
	"start_on" date,
	"end_on" date,
	"renewals" smallint DEFAULT 0 NOT NULL,
	"requested_by" uuid NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"status_reason" text,
	"closing_note" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pairings_status_chk" CHECK ("pairings"."status" in ('requested','active','paused','suspended','closed','declined')),
	CONSTRAINT "pairings_every_chk" CHECK ("pairings"."check_in_every" in ('week','fortnight','month','quarter')),
	CONSTRAINT "pairings_term_chk" CHECK ("pairings"."term_months" between 1 and 36),
	CONSTRAINT "pairings_dates_chk" CHECK ("pairings"."end_on" is null or "pairings"."start_on" is null or "pairings"."end_on" > "pairings"."start_on")
);
--> statement-breakpoint
CREATE TABLE "role_applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"role_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"volunteer_user_id" uuid NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'applied' NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_applications_status_chk" CHECK ("role_applications"."status" in ('applied','accepted','declined','withdrawn'))
);
--> statement-breakpoint
CREATE TABLE "volunteer_certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"volunteer_user_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"volunteer_name" text NOT NULL,
	"organization_name" text NOT NULL,
	"total_minutes" integer NOT NULL,
	"log_count" integer NOT NULL,
	"first_on" date NOT NULL,
	"last_on" date NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "volunteer_certificates_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "volunteer_concerns" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"reporter_user_id" uuid NOT NULL,
	"pairing_id" uuid,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "volunteer_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"volunteer_user_id" uuid NOT NULL,
	"author_user_id" uuid NOT NULL,
	"from_volunteer" boolean NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "volunteer_profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"skills" text[] NOT NULL,
	"tutoring_subjects" text[] DEFAULT '{}'::text[] NOT NULL,
	"languages" text[] DEFAULT '{}'::text[] NOT NULL,
	"region_code" text,
	"travel_km" integer DEFAULT 0 NOT NULL,
	"online_only" boolean DEFAULT false NOT NULL,
	"availability" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"motivation" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "volunteer_profiles_travel_chk" CHECK ("volunteer_profiles"."travel_km" between 0 and 2000),
	CONSTRAINT "volunteer_profiles_region_chk" CHECK ("volunteer_profiles"."online_only" or "volunteer_profiles"."region_code" is not null)
);
--> statement-breakpoint
CREATE TABLE "volunteer_vettings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"volunteer_user_id" uuid NOT NULL,
	"identity_verified_on" date,
	"background_check_on" date,
	"background_check_expires_on" date,
	"trainings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"qualified_roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"note" text,
	"recorded_by" uuid,
	"recorded_at" timestamp with time zone,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "volunteer_vettings_check_dates_chk" CHECK ("volunteer_vettings"."background_check_expires_on" is null or "volunteer_vettings"."background_check_on" is null or "volunteer_vettings"."background_check_expires_on" > "volunteer_vettings"."background_check_on")
);
--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_pairing_id_pairings_id_fk" FOREIGN KEY ("pairing_id") REFERENCES "public"."pairings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_reviewed_by_users_id_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_logs" ADD CONSTRAINT "hour_logs_volunteer_user_id_users_id_fk" FOREIGN KEY ("volunteer_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_logs" ADD CONSTRAINT "hour_logs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_logs" ADD CONSTRAINT "hour_logs_pairing_id_pairings_id_fk" FOREIGN KEY ("pairing_id") REFERENCES "public"."pairings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_logs" ADD CONSTRAINT "hour_logs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_logs" ADD CONSTRAINT "hour_logs_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairing_needs" ADD CONSTRAINT "pairing_needs_pairing_id_pairings_id_fk" FOREIGN KEY ("pairing_id") REFERENCES "public"."pairings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairing_needs" ADD CONSTRAINT "pairing_needs_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairings" ADD CONSTRAINT "pairings_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairings" ADD CONSTRAINT "pairings_volunteer_user_id_users_id_fk" FOREIGN KEY ("volunteer_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairings" ADD CONSTRAINT "pairings_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairings" ADD CONSTRAINT "pairings_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_applications" ADD CONSTRAINT "role_applications_role_id_project_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."project_roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_applications" ADD CONSTRAINT "role_applications_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_applications" ADD CONSTRAINT "role_applications_volunteer_user_id_users_id_fk" FOREIGN KEY ("volunteer_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_applications" ADD CONSTRAINT "role_applications_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_certificates" ADD CONSTRAINT "volunteer_certificates_volunteer_user_id_users_id_fk" FOREIGN KEY ("volunteer_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_certificates" ADD CONSTRAINT "volunteer_certificates_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_concerns" ADD CONSTRAINT "volunteer_concerns_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_concerns" ADD CONSTRAINT "volunteer_concerns_reporter_user_id_users_id_fk" FOREIGN KEY ("reporter_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_concerns" ADD CONSTRAINT "volunteer_concerns_pairing_id_pairings_id_fk" FOREIGN KEY ("pairing_id") REFERENCES "public"."pairings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_messages" ADD CONSTRAINT "volunteer_messages_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_messages" ADD CONSTRAINT "volunteer_messages_volunteer_user_id_users_id_fk" FOREIGN KEY ("volunteer_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_messages" ADD CONSTRAINT "volunteer_messages_author_user_id_users_id_fk" FOREIGN KEY ("author_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_profiles" ADD CONSTRAINT "volunteer_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_vettings" ADD CONSTRAINT "volunteer_vettings_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_vettings" ADD CONSTRAINT "volunteer_vettings_volunteer_user_id_users_id_fk" FOREIGN KEY ("volunteer_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_vettings" ADD CONSTRAINT "volunteer_vettings_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "check_ins_pairing_idx" ON "check_ins" USING btree ("pairing_id","occurred_on");--> statement-breakpoint
CREATE INDEX "hour_logs_volunteer_idx" ON "hour_logs" USING btree ("volunteer_user_id","worked_on");--> statement-breakpoint
CREATE INDEX "hour_logs_org_idx" ON "hour_logs" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "pairing_needs_need_idx" ON "pairing_needs" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "pairings_org_idx" ON "pairings" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "pairings_volunteer_idx" ON "pairings" USING btree ("volunteer_user_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "role_applications_role_volunteer_uq" ON "role_applications" USING btree ("role_id","volunteer_user_id");--> statement-breakpoint
CREATE INDEX "role_applications_org_idx" ON "role_applications" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "volunteer_certificates_volunteer_idx" ON "volunteer_certificates" USING btree ("volunteer_user_id");--> statement-breakpoint
CREATE INDEX "volunteer_concerns_org_idx" ON "volunteer_concerns" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "volunteer_messages_thread_idx" ON "volunteer_messages" USING btree ("organization_id","volunteer_user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "volunteer_vettings_org_volunteer_uq" ON "volunteer_vettings" USING btree ("organization_id","volunteer_user_id");--> statement-breakpoint
CREATE INDEX "volunteer_vettings_volunteer_idx" ON "volunteer_vettings" USING btree ("volunteer_user_id");--> statement-breakpoint
CREATE INDEX "volunteer_vettings_expiry_idx" ON "volunteer_vettings" USING btree ("background_check_expires_on");