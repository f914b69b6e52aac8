CREATE TABLE "child_links" (
	"child_id" uuid NOT NULL,
	"other_child_id" uuid NOT NULL,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "child_links_child_id_other_child_id_pk" PRIMARY KEY("child_id","other_child_id")
);
--> statement-breakpoint
CREATE TABLE "children" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"identity" text NOT NULL,
	"id_hash" text,
	"sex" text NOT NULL,
	"birth_month" text NOT NULL,
	"village_code" text,
	"township_code" text,
	"county_code" text NOT NULL,
	"child_class" smallint NOT NULL,
	"difficulty_type" text NOT NULL,
	"risk_level" smallint NOT NULL,
	"schooling" text,
	"health" text,
	"guardianship_type" text,
	"boarding" boolean,
	"last_visit_on" date,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "children_class_chk" CHECK ("children"."child_class" between 1 and 6),
	CONSTRAINT "children_risk_chk" CHECK ("children"."risk_level" between 1 and 4),
	CONSTRAINT "children_sex_chk" CHECK ("children"."sex" in ('male','female')),
	CONSTRAINT "children_difficulty_chk" CHECK ("children"."difficulty_type" in ('economic','guardianship','special'))
);
--> statement-breakpoint
CREATE TABLE "needs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"child_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"urgency" smallint NOT NULL,
	"amount_fen" bigint,
	"quantity" integer,
	"start_on" date,
	"end_on" date,
	"status" text DEFAULT 'draft' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "needs_status_chk" CHECK ("needs"."status" in ('draft','published','matched','being_helped','met','withdrawn')),
	CONSTRAINT "needs_urgency_chk" CHECK ("needs"."urgency" between 1 and 4),
	CONSTRAINT "needs_amount_chk" CHECK ("needs"."amount_fen" is null or "needs"."amount_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "published_needs" (
	"need_id" uuid PRIMARY KEY NOT NULL,
	"public_code" text NOT NULL,
	"kind" text NOT NULL,
	"urgency" smallint NOT NULL,
	"description" text NOT NULL,
	"age_band" text,
	"sex" text,
	"region_code" text,
	"region_level" text,
	"child_class" smallint,
	"difficulty_type" text NOT NULL,
	"amount_fen" bigint,
	"visible" boolean DEFAULT false NOT NULL,
	"held_back_reason" text,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "published_needs_public_code_unique" UNIQUE("public_code")
);
--> statement-breakpoint
CREATE TABLE "roster_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"uploaded_by" uuid NOT NULL,
	"filename" text NOT NULL,
	"status" text DEFAULT 'validating' NOT NULL,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"processed_rows" integer DEFAULT 0 NOT NULL,
	"imported_rows" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"errors" text DEFAULT '[]' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "visits" (
	"id" uuid PRIMARY KEY NOT NULL,
	"child_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"visited_on" date NOT NULL,
	"visitor_user_id" uuid NOT NULL,
	"findings" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "child_links" ADD CONSTRAINT "child_links_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "child_links" ADD CONSTRAINT "child_links_other_child_id_children_id_fk" FOREIGN KEY ("other_child_id") REFERENCES "public"."children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "children" ADD CONSTRAINT "children_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "children" ADD CONSTRAINT "children_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "needs" ADD CONSTRAINT "needs_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "needs" ADD CONSTRAINT "needs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "needs" ADD CONSTRAINT "needs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "published_needs" ADD CONSTRAINT "published_needs_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roster_imports" ADD CONSTRAINT "roster_imports_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roster_imports" ADD CONSTRAINT "roster_imports_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visits" ADD CONSTRAINT "visits_visitor_user_id_users_id_fk" FOREIGN KEY ("visitor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "children_org_idx" ON "children" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "children_id_hash_idx" ON "children" USING btree ("id_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "children_org_id_hash_uq" ON "children" USING btree ("organization_id","id_hash");--> statement-breakpoint
CREATE INDEX "children_county_idx" ON "children" USING btree ("county_code");--> statement-breakpoint
CREATE INDEX "needs_org_idx" ON "needs" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "needs_child_idx" ON "needs" USING btree ("child_id");--> statement-breakpoint
CREATE INDEX "published_needs_board_idx" ON "published_needs" USING btree ("visible","region_code","kind");--> statement-breakpoint
CREATE INDEX "published_needs_time_idx" ON "published_needs" USING btree ("published_at");--> statement-breakpoint
CREATE INDEX "visits_child_idx" ON "visits" USING btree ("child_id","visited_on");