/** The `billing.invoice.paid` consumer: parse → use case, once per event id (inbox) and once per invoice (ledger). */
import type { CloudEvent } from '../../../contracts/events';
import type { Logger } from '../../../platform/logger';
import { recordInvoicePaid, type PaidInvoiceOutcome } from '../../domain/invoice-paid';
import type { RunOncePerEvent } from '../../domain/store';

/** The inbox's consumer name: the key under which Identity records the events it has handled. */
export const COUNTERS_CONSUMER = 'identity.counters';

export function invoicePaidHandler(runOnce: RunOncePerEvent, logger: Logger) {
  return async (event: CloudEvent<'billing.invoice.paid'>): Promise<void> => {
    let outcome: PaidInvoiceOutcome | 'redelivered' = 'redelivered';
    await runOnce(event, async (store) => {
      outcome = await recordInvoicePaid(store)(event.data);
    });
    logger.info({ eventId: event.id, invoiceId: event.data.invoiceId, outcome }, 'billing.invoice.paid handled');
  };
}
