/**
 * Identity's queue handlers: parse → use case, inside the inbox transaction, so the counters and the event id
 * commit together and a redelivered event has no second effect. The ledger (once per invoice id) also stops
 * the same invoice counting twice when it comes in two events with different ids.
 */
import type { CloudEvent, EventType } from '../../../contracts/events';
import type { EventHandler } from '../../../kit/bus/consumer';
import type { Inbox } from '../../../kit/inbox/inbox';
import type { Logger } from '../../../kit/logger';
import type { PaidInvoiceOutcome } from '../../domain/paid-invoice';
import { paidInvoiceUseCases } from '../../domain/paid-invoice-use-cases';
import type { UnitOfWork } from '../../domain/ports';

/** The inbox key under which Identity records the events it has handled. */
export const COUNTERS_CONSUMER = 'identity.counters';

/** The event types Identity handles; the bus topology (queue, filter policy) must match, as a test checks. */
export const IDENTITY_HANDLED_EVENTS = ['billing.invoice.paid'] as const satisfies readonly EventType[];

export interface IdentityEventHandlerDeps {
  readonly inbox: Inbox<UnitOfWork>;
  readonly logger: Logger;
}

export function identityEventHandlers({ inbox, logger }: IdentityEventHandlerDeps): Record<(typeof IDENTITY_HANDLED_EVENTS)[number], EventHandler<CloudEvent>> {
  return {
    'billing.invoice.paid': async (event) => {
      const paid = (event as CloudEvent<'billing.invoice.paid'>).data;
      let outcome: PaidInvoiceOutcome | 'redelivered' = 'redelivered';
      await inbox.handleOnce(COUNTERS_CONSUMER, event, async (unitOfWork) => {
        outcome = await paidInvoiceUseCases({ unitOfWork }).recordInvoicePaid(paid);
      });
      logger.info({ eventId: event.id, invoiceId: paid.invoiceId, outcome }, 'billing.invoice.paid handled');
    },
  };
}
