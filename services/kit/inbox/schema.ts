/**
 * The idempotent inbox: one row per (consumer, event id) handled. A consuming service re-exports it from its
 * data-access/schema.ts (`export { inbox } from './schema'`) so drizzle-kit generates it
 * into that service's own migrations.
 */
import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const inbox = pgTable(
  'inbox',
  {
    /** Several handlers in one service may see the same event; each records its own row. */
    consumer: text('consumer').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    handledAt: timestamp('handled_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.consumer, table.eventId] }), index('inbox_handled_at_idx').on(table.handledAt)],
);
