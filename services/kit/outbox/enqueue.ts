/**
 * Writes events to the outbox inside the caller's transaction: they exist exactly when the state change that
 * caused them commits. The relays of this process are woken as soon as that transaction ends.
 */
import { snsMessageSize, tooLongForSns, tooLongReason } from '../bus/message-size';
import { currentContext } from '../context';
import type { SqlExecutor } from '../db/sql-executor';
import { outbox } from './schema';
import { signalWhenTransactionEnds } from './signal';

/** The envelope to publish; its `id` and `type` are copied to columns. */
export interface OutboxEvent {
  readonly id: string;
  readonly type: string;
}

/**
 * An event SNS could never take (past 256 KiB with its attributes). Thrown before the insert, inside the caller's
 * transaction, so the use case fails and its change rolls back: a committed row of that size would never be
 * published, and its consumers would never learn of a change that did happen. A producer's bug, not the caller's
 * (its inputs are bounded far below this: docs/events.md, "Event size"), so it is no AppError: a 500.
 */
export class OutboxEventTooLargeError extends Error {
  override readonly name = 'OutboxEventTooLargeError';
  constructor(
    readonly eventType: string,
    readonly bytes: number,
  ) {
    super(`outbox event ${eventType} refused: ${tooLongReason(bytes)}`);
  }
}

export async function enqueue(tx: SqlExecutor, ...events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const context = currentContext();
  for (const event of events) {
    // As the relay will publish it: the payload's JSON (jsonb keeps the values, so the same bytes in another key
    // order) with this request's correlation as attributes (eventAttributes leaves out the absent and empty ones).
    const bytes = snsMessageSize({ type: event.type, body: JSON.stringify(event), correlation: context ?? {} });
    if (tooLongForSns(bytes)) throw new OutboxEventTooLargeError(event.type, bytes);
  }
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
