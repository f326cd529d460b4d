import type { Logger } from '../../platform/logger';
import type { EventsInTransaction } from './unit-of-work';

/**
 * The seam for `billing.invoice.paid`: the pay use case calls it inside its transaction. Until the platform's
 * outbox is wired here, the event is only logged, so nothing downstream (Identity's counters) hears of it.
 */
export function unpublishedEvents(logger: Logger): EventsInTransaction {
  return () => ({
    async invoicePaid(event) {
      logger.warn({ event }, 'billing.invoice.paid is not published yet: the outbox is not wired');
    },
  });
}
