/**
 * Writes events to the outbox inside the caller's transaction: they exist exactly when the state change that
 * caused them commits. The relays of this process are woken as soon as that transaction ends.
 */
import { currentContext } from '../context';
import type { SqlExecutor } from '../db/sql-executor';
import { outbox } from './schema';
import { signalWhenTransactionEnds } from './signal';

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
  signalWhenTransactionEnds(tx);
}
