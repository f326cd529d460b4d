/** The OutgoingEvents port on the kit's outbox: each event is a row in the caller's transaction, relayed after commit. */
import { EVENT_CATALOG, type EventData, eventSourceOf, type EventType } from '../../contracts/events';
import { newCloudEvent } from '../../kit/bus/cloud-event';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import { enqueue } from '../../kit/outbox/enqueue';
import type { OutgoingEvents } from '../domain/ports';

/** What consumers check an event's `source` against (services/contracts/events.ts). */
export const IDENTITY_EVENT_SOURCE = eventSourceOf('identity');

export function outgoingEventsOutbox(tx: SqlExecutor): OutgoingEvents {
  /** Each event's subject is the user it is about. */
  const emit = async <T extends EventType>(type: T, data: EventData<T> & { userId: string }) => {
    // The catalogue's schema, checked on the way out: a bad event fails the request, not a consumer.
    const checked = EVENT_CATALOG[type].data.parse(data);
    await enqueue(tx, newCloudEvent({ type, source: IDENTITY_EVENT_SOURCE, data: checked, subject: data.userId }));
  };
  return {
    userRegistered: (data) => emit('identity.user.registered', data),
    userDeleted: (data) => emit('identity.user.deleted', data),
  };
}
