/**
 * Writes an event to the outbox inside the caller's transaction: the event exists exactly when the state change
 * that caused it commits. pg_notify in the same transaction is delivered only at commit, so relays wake for
 * committed rows, never for rolled-back ones.
 */
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { currentContext } from '../context';
import { OUTBOX_CHANNEL, outbox } from './schema';

/** A drizzle database or transaction, whatever its schema. */
export type SqlExecutor = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/** The envelope to publish; its `id` and `type` are copied to columns. */
export interface OutboxEvent {
  readonly id: string;
  readonly type: string;
}

export async function enqueue(tx: SqlExecutor, ...events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const context = currentContext();
  await tx.insert(outbox).values(
    events.map((event) => ({
      eventId: event.id,
      type: event.type,
      payload: event,
      requestId: context?.requestId ?? null,
      traceparent: context?.traceparent ?? null,
    })),
  );
  await tx.execute(sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`);
}
