CREATE TABLE "alert_deliveries" (
	"alert_id" integer PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Alerts raised before this migration were dated by their bucket in created_at.
ALTER TABLE "alerts" ADD COLUMN "at" timestamp with time zone;--> statement-breakpoint
UPDATE "alerts" SET "at" = "created_at";--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "step_sec" integer DEFAULT 3600 NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "baseline" double precision;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "after" double precision;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "peak_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "lead_time_sec" integer;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "evaluated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_alert_id_alerts_alert_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("alert_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_deliveries_due_idx" ON "alert_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "alerts_at_idx" ON "alerts" USING btree ("at");