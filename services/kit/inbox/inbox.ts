/**
 * The inbox as a service's event handlers use it: each event's work runs on the service's unit of work, built on
 * the transaction that records the event id, so the effect and the record commit (or roll back) together.
 */
import type { SqlExecutor } from '../db/sql-executor';
import { handleOnce, type InboxEvent } from './handle-once';

export interface Inbox<U> {
  /** True when the work ran and committed, false when this consumer had handled the event before. */
  handleOnce(consumer: string, event: InboxEvent, work: (unitOfWork: U) => Promise<void>): Promise<boolean>;
}

/** `unitOfWorkOn` is the service's data-access/unit-of-work.ts factory. */
export function createInbox<U>(db: SqlExecutor, unitOfWorkOn: (tx: SqlExecutor) => U): Inbox<U> {
  return {
    handleOnce: (consumer, event, work) => handleOnce(db, consumer, event, (tx) => work(unitOfWorkOn(tx))),
  };
}
