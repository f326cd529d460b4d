/**
 * A neutral schema for the bus tests and the event benchmark, wired the way a service wires the bus: its own table
 * (`notes`, the effect of a handled event) plus the kit's outbox and inbox re-exported, so drizzle-kit
 * generates all three into ./migrations. Regenerate with:
 *   npx drizzle-kit generate --dialect postgresql --schema harness/notes/schema.ts --out harness/notes/migrations
 */
import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export { inbox } from '../../services/kit/inbox/schema';
export { outbox } from '../../services/kit/outbox/schema';

/** No unique key on event_id on purpose: a doubled effect must show up as two rows, not as an error. */
export const notes = pgTable('notes', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  eventId: text('event_id').notNull(),
  text: text('text').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
