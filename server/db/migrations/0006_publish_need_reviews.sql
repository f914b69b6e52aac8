CREATE TABLE "need_reviews" (
	"id" uuid PRIMARY KEY NOT NULL,
	"need_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"requested_by" uuid NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reason" text,
	"decision" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"note" text,
	CONSTRAINT "need_reviews_kind_chk" CHECK ("need_reviews"."kind" in ('publication','withdrawal')),
	CONSTRAINT "need_reviews_decision_chk" CHECK (("need_reviews"."decision" is null and "need_reviews"."decided_by" is null and "need_reviews"."decided_at" is null) or ("need_reviews"."decision" in ('approved','returned') and "need_reviews"."decided_by" is not null and "need_reviews"."decided_at" is not null)),
	CONSTRAINT "need_reviews_four_eyes_chk" CHECK ("need_reviews"."decided_by" is null or "need_reviews"."decided_by" <> "need_reviews"."requested_by")
);
--> statement-breakpoint
ALTER TABLE "needs" DROP CONSTRAINT "needs_status_chk";--> statement-breakpoint
ALTER TABLE "need_reviews" ADD CONSTRAINT "need_reviews_need_id_needs_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."needs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "need_reviews" ADD CONSTRAINT "need_reviews_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "need_reviews" ADD CONSTRAINT "need_reviews_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "need_reviews" ADD CONSTRAINT "need_reviews_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "need_reviews_org_idx" ON "need_reviews" USING btree ("organization_id","decision");--> statement-breakpoint
CREATE UNIQUE INDEX "need_reviews_open_uq" ON "need_reviews" USING btree ("need_id") WHERE "need_reviews"."decision" is null;--> statement-breakpoint
ALTER TABLE "needs" ADD CONSTRAINT "needs_status_chk" CHECK ("needs"."status" in ('draft','awaiting_approval','published','matched','being_helped','met','withdrawn'));