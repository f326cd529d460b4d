/** The events port on the platform outbox: each event is a row in the caller's transaction, relayed after commit. */
import { EVENT_CATALOG } from '../../contracts/events';
import { newCloudEvent } from '../../platform/bus/cloud-event';
import { enqueue } from '../../platform/outbox/enqueue';
import type { EventsInTransaction } from './unit-of-work';

export const BILLING_EVENT_SOURCE = '/billing';

export const outboxEvents: EventsInTransaction = (tx) => ({
  async invoicePaid(data) {
    // The catalogue's schema, checked on the way out: a bad event fails the payment, not a consumer.
    const checked = EVENT_CATALOG['billing.invoice.paid'].data.parse(data);
    await enqueue(tx, newCloudEvent({ type: 'billing.invoice.paid', source: BILLING_EVENT_SOURCE, data: checked, subject: data.invoiceId }));
  },
});
