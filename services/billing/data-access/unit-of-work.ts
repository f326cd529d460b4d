import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { OutgoingEvents, UnitOfWork } from '../domain/ports';
import { accountRepository } from './account-repository';
import { invoiceRepository } from './invoice-repository';
import { outgoingEventsOutbox } from './outgoing-events-outbox';

/** Builds the events port on a transaction, so events are written exactly when the change commits. */
export type EventsInTransaction = (tx: SqlExecutor) => OutgoingEvents;

/**
 * The use cases' storage on a database or on a caller's transaction. On a transaction (an event consumer that
 * records the event id in it), `transaction` becomes a savepoint inside it, and everything commits together.
 * Tests pass other events to make the outbox write fail.
 */
export function billingUnitOfWork(db: SqlExecutor, eventsIn: EventsInTransaction = outgoingEventsOutbox): UnitOfWork {
  return {
    accounts: accountRepository(db),
    invoices: invoiceRepository(db),
    transaction: (work) =>
      db.transaction((tx) => work({ accounts: accountRepository(tx), invoices: invoiceRepository(tx), events: eventsIn(tx) })),
  };
}
