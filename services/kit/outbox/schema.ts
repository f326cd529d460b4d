/**
 * The transactional outbox table. A service re-exports it from its data-access/schema.ts
 * (`export { outbox } from './schema'`), so drizzle-kit generates it into that service's
 * own migrations, and use cases write it in their own transactions.
 */
import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const outbox = pgTable(
  'outbox',
  {
    /** Publishing order, and the key the relay works with. */
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The CloudEvent id; consumers deduplicate on it. */
    eventId: text('event_id').notNull().unique(),
    type: text('type').notNull(),
    /** The whole CloudEvent envelope, published as the message body. */
    payload: jsonb('payload').notNull(),
    requestId: text('request_id'),
    traceparent: text('traceparent'),
    createdAt: at('created_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    /** A row SNS rejected waits until then, so it cannot block the rows behind it. */
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    sentAt: at('sent_at'),
    /**
     * Set, with last_error, when the relay found the row can never be published (past SNS's size limit: a row
     * written before enqueue() checked that). Terminal: the relay never claims it again; an operator decides
     * (docs/events.md, "Outbox backlog"). It stays unsent, but out of the backlog age: the probe counts it apart.
     */
    failedAt: at('failed_at'),
  },
  (table) => [
    // All partial, each holding only the rows its readers want. The relay claims unsent rows in seq order, and the
    // backlog probe reads the first of them; both pass over failed rows, which enqueue() now keeps from being written
    // (so there are normally none). outbox_unsent_idx keeps its old predicate: the previous release's claim, still
    // running during a rolling deploy, has no failed_at in its WHERE and could use no narrower index (a full scan
    // of the outbox at every claim). The probe counts the failed ones, and `outbox status` names the newest. The
    // pruner deletes sent rows by age.
    index('outbox_unsent_idx').on(table.seq).where(sql`sent_at IS NULL`),
    index('outbox_failed_idx').on(table.seq).where(sql`failed_at IS NOT NULL AND sent_at IS NULL`),
    index('outbox_sent_at_idx').on(table.sentAt).where(sql`sent_at IS NOT NULL`),
  ],
);
