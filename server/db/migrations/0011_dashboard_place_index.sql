CREATE INDEX "children_place_idx" ON "children" USING btree ((coalesce("township_code", "county_code")) text_pattern_ops);--> statement-breakpoint
-- An expression index has no statistics until the table is analyzed; without them the planner takes a province for 0.5% of the children and walks them one by one.
ANALYZE "children";
