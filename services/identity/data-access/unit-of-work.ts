import { revokeSubject } from '../../kit/auth/revocations';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import type { OutgoingEvents, UnitOfWork } from '../domain/ports';
import { outgoingEventsOutbox } from './outgoing-events-outbox';
import { profileRepository } from './profile-repository';
import { signupClaimRepository } from './signup-claim-repository';

/** Builds the events port on a transaction, so events are written exactly when the change commits. */
export type EventsInTransaction = (tx: SqlExecutor) => OutgoingEvents;

/**
 * The use cases' storage on a database or on a caller's transaction. On a transaction (an event consumer that
 * records the event id in it), `transaction` becomes a savepoint inside it, and everything commits together.
 */
export function identityUnitOfWork(db: SqlExecutor, eventsIn: EventsInTransaction = outgoingEventsOutbox): UnitOfWork {
  return {
    profiles: profileRepository(db),
    claims: signupClaimRepository(db),
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          profiles: profileRepository(tx),
          claims: signupClaimRepository(tx),
          events: eventsIn(tx),
          revocations: { revokeAll: (userId) => revokeSubject(tx, userId) },
        }),
      ),
  };
}
