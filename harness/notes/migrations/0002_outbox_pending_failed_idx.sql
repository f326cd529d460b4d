DROP INDEX "outbox_unsent_idx";--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("seq") WHERE sent_at IS NULL AND failed_at IS NULL;--> statement-breakpoint
CREATE INDEX "outbox_failed_idx" ON "outbox" USING btree ("seq") WHERE failed_at IS NOT NULL AND sent_at IS NULL;