/** The events port on the platform outbox: each event is a row in the caller's transaction. */
import { EVENT_CATALOG } from '../../contracts/events';
import { newCloudEvent } from '../../platform/bus/cloud-event';
import { enqueue } from '../../platform/outbox/enqueue';
import type { SqlExecutor } from './sql-executor';
import type { IdentityEvents } from '../domain/events';

export const IDENTITY_EVENT_SOURCE = '/identity';

export function outboxEvents(tx: SqlExecutor): IdentityEvents {
  return {
    async emit(type, data, subject) {
      // The catalogue's schema, checked on the way out: a bad event fails the request, not a consumer.
      const checked = EVENT_CATALOG[type].data.parse(data);
      await enqueue(tx, newCloudEvent({ type, source: IDENTITY_EVENT_SOURCE, data: checked, subject }));
    },
  };
}
