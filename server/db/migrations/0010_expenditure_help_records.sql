CREATE TABLE "expenditure_help_records" (
	"expenditure_id" uuid NOT NULL,
	"help_record_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "expenditure_help_records" ADD CONSTRAINT "expenditure_help_records_expenditure_id_expenditures_id_fk" FOREIGN KEY ("expenditure_id") REFERENCES "public"."expenditures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expenditure_help_records" ADD CONSTRAINT "expenditure_help_records_help_record_id_help_records_id_fk" FOREIGN KEY ("help_record_id") REFERENCES "public"."help_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "expenditure_help_records_pk" ON "expenditure_help_records" USING btree ("expenditure_id","help_record_id");--> statement-breakpoint
CREATE INDEX "expenditure_help_records_help_idx" ON "expenditure_help_records" USING btree ("help_record_id");