/**
 * Handles an event at most once per consumer, however often it is delivered: the event id is recorded in the
 * same transaction as the effect. A redelivery finds the row and does nothing; a concurrent duplicate waits on
 * the primary key until the first commits (then does nothing) or rolls back (then takes over).
 */
import { inArray, lt, sql } from 'drizzle-orm';
import { INBOX_RETENTION_DAYS } from '../../contracts/bus-topology';
import type { SqlExecutor } from '../db/sql-executor';
import { inbox } from './schema';

/** The transaction type of a drizzle database: what the effect receives. */
export type TransactionOf<D extends SqlExecutor> = Parameters<Parameters<D['transaction']>[0]>[0];

export interface InboxEvent {
  readonly id: string;
  readonly type: string;
  /** When the event happened (CloudEvents `time`): an event older than the inbox's memory is refused. */
  readonly time?: string;
}

/**
 * The age past which an event's inbox row, had it been handled, may be pruned already: the retention, less an hour
 * for clocks that disagree (the row's age counts from its handling, which is no earlier than the event's time).
 */
export const INBOX_MEMORY_MS = (INBOX_RETENTION_DAYS * 24 - 1) * 3_600_000;

/**
 * An event too old for the inbox to say whether it was handled: a copy redriven late a second time, or a replay of
 * an old export. Refused rather than applied, so it cannot have a second effect; after its retries it is
 * dead-lettered with this reason, for an operator to check by hand.
 */
export class ForgottenEventError extends Error {
  override readonly name = 'ForgottenEventError';
  constructor(event: InboxEvent) {
    super(
      `event ${event.id} happened at ${event.time}, longer ago than the inbox remembers (${INBOX_RETENTION_DAYS} days): ` +
        'it may have been handled already, so it is not applied; apply its effect by hand if it was not',
    );
  }
}

const isForgotten = ({ time }: InboxEvent, now: number) => time !== undefined && !(Date.parse(time) > now - INBOX_MEMORY_MS);

/** True when the effect ran and committed, false when the event had been handled before. */
export async function handleOnce<D extends SqlExecutor>(
  db: D,
  consumer: string,
  event: InboxEvent,
  effect: (tx: TransactionOf<D>) => Promise<void>,
): Promise<boolean> {
  if (isForgotten(event, Date.now())) throw new ForgottenEventError(event);
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

const PRUNE_CHUNK = 1_000;
const PRUNE_MAX_CHUNKS = 100;
/** The most one pruneInbox call deletes; a call that deleted this many left more behind. */
export const INBOX_PRUNE_RUN_MAX = PRUNE_CHUNK * PRUNE_MAX_CHUNKS;

/**
 * Forgets events handled before `olderThan`. Safe once no queue can still deliver them: keep at least a dead
 * letter's stay plus its redriven copy's (INBOX_RETENTION_DAYS, services/contracts/bus-topology.ts). In chunks of a
 * thousand, as the outbox is pruned: one statement over a long backlog would run into the app role's
 * statement_timeout (services/kit/db/provision.ts) every time and never catch up.
 */
export async function pruneInbox(db: SqlExecutor, olderThan: Date): Promise<number> {
  let total = 0;
  for (let chunk = 0; chunk < PRUNE_MAX_CHUNKS; chunk++) {
    const oldest = db.select({ consumer: inbox.consumer, eventId: inbox.eventId }).from(inbox).where(lt(inbox.handledAt, olderThan)).orderBy(inbox.handledAt).limit(PRUNE_CHUNK);
    const deleted = await db
      .delete(inbox)
      .where(inArray(sql`(${inbox.consumer}, ${inbox.eventId})`, oldest))
      .returning({ eventId: inbox.eventId });
    total += deleted.length;
    if (deleted.length < PRUNE_CHUNK) break;
  }
  return total;
}
