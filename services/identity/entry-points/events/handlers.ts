/** Identity's queue handlers, by event type; the bus topology (queue, filter policy) must match, as a test checks. */
import type { CloudEvent, EventType } from '../../../contracts/events';
import type { EventHandler } from '../../../platform/bus/consumer';
import type { Logger } from '../../../platform/logger';
import { inboxRunner } from '../../data-access/inbox-runner';
import type { SqlExecutor } from '../../data-access/sql-executor';
import { COUNTERS_CONSUMER, invoicePaidHandler } from './invoice-paid';

export const IDENTITY_HANDLED_EVENTS = ['billing.invoice.paid'] as const satisfies readonly EventType[];

export function identityEventHandlers(db: SqlExecutor, logger: Logger): Record<(typeof IDENTITY_HANDLED_EVENTS)[number], EventHandler<CloudEvent>> {
  const invoicePaid = invoicePaidHandler(inboxRunner(db, COUNTERS_CONSUMER), logger);
  return {
    'billing.invoice.paid': (event) => invoicePaid(event as CloudEvent<'billing.invoice.paid'>),
  };
}
