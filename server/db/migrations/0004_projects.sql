CREATE TABLE "follow_ups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"help_record_id" uuid NOT NULL,
	"due_on" date NOT NULL,
	"done_on" date,
	"notes" text,
	"done_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "help_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"proposal_id" uuid NOT NULL,
	"need_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"child_key" text NOT NULL,
	"kind" text NOT NULL,
	"start_on" date NOT NULL,
	"end_on" date,
	"status" text DEFAULT 'in_progress' NOT NULL,
	"outcome" text,
	"evaluation" text,
	"next_follow_up_on" date,
	"confirmed_by" uuid,
	"closed_by" uuid,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "help_records_proposal_id_unique" UNIQUE("proposal_id"),
	CONSTRAINT "help_records_status_chk" CHECK ("help_records"."status" in ('in_progress','closed')),
	CONSTRAINT "help_records_outcome_chk" CHECK ("help_records"."outcome" is null or "help_records"."outcome" in ('met','partly_met','not_met')),
	CONSTRAINT "help_records_closed_chk" CHECK (("help_records"."status" = 'closed') = ("help_records"."outcome" is not null))
);
--> statement-breakpoint
CREATE TABLE "match_proposals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"need_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"score" integer NOT NULL,
	"reasons" jsonb NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"decline_reason" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"confirmed_by" uuid,
	"confirmed_at" timestamp with time zone,
	"proposed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "match_proposals_status_chk" CHECK ("match_proposals"."status" in ('proposed','accepted','declined','confirmed','withdrawn','invalid'))
);
--> statement-breakpoint
CREATE TABLE "matching_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"triggered_by" uuid,
	"needs" integer NOT NULL,
	"projects" integer NOT NULL,
	"proposals" integer NOT NULL,
	"unmatched" integer NOT NULL,
	"millis" integer NOT NULL,
	"ran_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_roles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"title" text NOT NULL,
	"role_kind" text NOT NULL,
	"cadence" text DEFAULT '' NOT NULL,
	"required_skills" text[] DEFAULT '{}'::text[] NOT NULL,
	"slots" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_roles_slots_chk" CHECK ("project_roles"."slots" >= 1)
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"need_kinds" text[] NOT NULL,
	"region_codes" text[] NOT NULL,
	"eligible_classes" smallint[] DEFAULT '{}'::smallint[] NOT NULL,
	"min_age" smallint NOT NULL,
	"max_age" smallint NOT NULL,
	"capacity" integer NOT NULL,
	"places_taken" integer DEFAULT 0 NOT NULL,
	"places_promised" integer DEFAULT 0 NOT NULL,
	"budget_per_child_fen" bigint,
	"funding_goal_fen" bigint,
	"start_on" date NOT NULL,
	"end_on" date NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"submitted_at" timestamp with time zone,
	"reviewed_by" uuid,
	"reviewed_at" timestamp with time zone,
	"review_note" text,
	"opened_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_status_chk" CHECK ("projects"."status" in ('draft','under_review','open','full','closed','rejected')),
	CONSTRAINT "projects_age_chk" CHECK ("projects"."min_age" >= 0 and "projects"."max_age" <= 17 and "projects"."min_age" <= "projects"."max_age"),
	CONSTRAINT "projects_capacity_chk" CHECK ("projects"."capacity" >= 1 and "projects"."places_taken" >= 0 and "projects"."places_promised" >= 0 and "projects"."places_taken" + "projects"."places_promised" <= "projects"."capacity"),
	CONSTRAINT "projects_dates_chk" CHECK ("projects"."end_on" >= "projects"."start_on"),
	CONSTRAINT "projects_money_chk" CHECK (("projects"."budget_per_child_fen" is null or "projects"."budget_per_child_fen" >= 0) and ("projects"."funding_goal_fen" is null or "projects"."funding_goal_fen" >= 0))
);
--> statement-breakpoint
CREATE TABLE "unmatched_needs" (
	"need_id" uuid PRIMARY KEY NOT NULL,
	"reasons" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_help_record_id_help_records_id_fk" FOREIGN KEY ("help_record_id") REFERENCES "public"."help_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_done_by_users_id_fk" FOREIGN KEY ("done_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "help_records" ADD CONSTRAINT "help_records_proposal_id_match_proposals_id_fk" FOREIGN KEY ("proposal_id") REFERENCES "public"."match_proposals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "help_records" ADD CONSTRAINT "help_records_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "help_records" ADD CONSTRAINT "help_records_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "help_records" ADD CONSTRAINT "help_records_confirmed_by_users_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "help_records" ADD CONSTRAINT "help_records_closed_by_users_id_fk" FOREIGN KEY ("closed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_proposals" ADD CONSTRAINT "match_proposals_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_proposals" ADD CONSTRAINT "match_proposals_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_proposals" ADD CONSTRAINT "match_proposals_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_proposals" ADD CONSTRAINT "match_proposals_confirmed_by_users_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "matching_runs" ADD CONSTRAINT "matching_runs_triggered_by_users_id_fk" FOREIGN KEY ("triggered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_roles" ADD CONSTRAINT "project_roles_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_reviewed_by_users_id_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unmatched_needs" ADD CONSTRAINT "unmatched_needs_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "follow_ups_record_idx" ON "follow_ups" USING btree ("help_record_id","done_on");--> statement-breakpoint
CREATE INDEX "follow_ups_due_idx" ON "follow_ups" USING btree ("due_on");--> statement-breakpoint
CREATE INDEX "help_records_child_idx" ON "help_records" USING btree ("child_key","kind","status");--> statement-breakpoint
CREATE INDEX "help_records_project_idx" ON "help_records" USING btree ("project_id","status");--> statement-breakpoint
CREATE INDEX "help_records_need_idx" ON "help_records" USING btree ("need_id");--> statement-breakpoint
CREATE INDEX "match_proposals_project_idx" ON "match_proposals" USING btree ("project_id","status");--> statement-breakpoint
CREATE INDEX "match_proposals_need_idx" ON "match_proposals" USING btree ("need_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "match_proposals_live_need_uq" ON "match_proposals" USING btree ("need_id") WHERE "match_proposals"."status" in ('proposed','accepted');--> statement-breakpoint
CREATE INDEX "project_roles_project_idx" ON "project_roles" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "projects_status_idx" ON "projects" USING btree ("status");--> statement-breakpoint
CREATE INDEX "projects_org_idx" ON "projects" USING btree ("organization_id","status");