/**
 * Handles an event at most once per consumer, however often it is delivered: the event id is recorded in the
 * same transaction as the effect. A redelivery finds the row and does nothing; a concurrent duplicate waits on
 * the primary key until the first commits (then does nothing) or rolls back (then takes over).
 */
import { lt } from 'drizzle-orm';
import type { SqlExecutor } from '../db/sql-executor';
import { inbox } from './schema';

/** The transaction type of a drizzle database: what the effect receives. */
export type TransactionOf<D extends SqlExecutor> = Parameters<Parameters<D['transaction']>[0]>[0];

export interface InboxEvent {
  readonly id: string;
  readonly type: string;
}

/** True when the effect ran and committed, false when the event had been handled before. */
export async function handleOnce<D extends SqlExecutor>(
  db: D,
  consumer: string,
  event: InboxEvent,
  effect: (tx: TransactionOf<D>) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const recorded = await tx
      .insert(inbox)
      .values({ consumer, eventId: event.id, type: event.type })
      .onConflictDoNothing()
      .returning({ eventId: inbox.eventId });
    if (recorded.length === 0) return false;
    await effect(tx as TransactionOf<D>);
    return true;
  });
}

/**
 * Forgets events handled before `olderThan`. Safe once no queue can still deliver them: keep at least the queue's
 * MessageRetentionPeriod (4 days by default) plus the longest dead-letter stay you would redrive.
 */
export async function pruneInbox(db: SqlExecutor, olderThan: Date): Promise<number> {
  const deleted = await db.delete(inbox).where(lt(inbox.handledAt, olderThan)).returning({ eventId: inbox.eventId });
  return deleted.length;
}
