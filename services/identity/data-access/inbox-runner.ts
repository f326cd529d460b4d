/** Runs an event's effect on a store inside the inbox's transaction: the effect and the event id commit together. */
import { handleOnce } from '../../platform/inbox/handle-once';
import type { RunOncePerEvent } from '../domain/store';
import { identityStore } from './identity-store';
import type { SqlExecutor } from './sql-executor';

export function inboxRunner(db: SqlExecutor, consumer: string): RunOncePerEvent {
  return (event, effect) => handleOnce(db, consumer, event, (tx) => effect(identityStore(tx)));
}
