/** The OutgoingEvents port on the kit's outbox: each event is a row in the caller's transaction, relayed after commit. */
import { EVENT_CATALOG, eventSourceOf } from '../../contracts/events';
import { newCloudEvent } from '../../kit/bus/cloud-event';
import type { SqlExecutor } from '../../kit/db/sql-executor';
import { enqueue } from '../../kit/outbox/enqueue';
import type { OutgoingEvents } from '../domain/ports';

/** What consumers check an event's `source` against (services/contracts/events.ts). */
export const BILLING_EVENT_SOURCE = eventSourceOf('billing');

export function outgoingEventsOutbox(tx: SqlExecutor): OutgoingEvents {
  return {
    async invoicePaid(data) {
      // The catalogue's schema, checked on the way out: a bad event fails the payment, not a consumer.
      const checked = EVENT_CATALOG['billing.invoice.paid'].data.parse(data);
      await enqueue(tx, newCloudEvent({ type: 'billing.invoice.paid', source: BILLING_EVENT_SOURCE, data: checked, subject: data.invoiceId }));
    },
  };
}
