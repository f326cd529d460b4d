/**
 * Billing's queue handlers: parse → use case, each inside the inbox transaction, so the account change and the
 * event id commit together and a redelivered event has no second effect. Open and close commute (a close that
 * arrives first leaves a tombstone), so delivery order does not matter.
 */
import type { CloudEvent, EventType } from '../../../contracts/events';
import type { EventHandler } from '../../../platform/bus/consumer';
import { handleOnce } from '../../../platform/inbox/handle-once';
import type { Logger } from '../../../platform/logger';
import { accountUseCases } from '../../domain/account-use-cases';
import type { SqlExecutor } from '../../data-access/executor';
import { outboxEvents } from '../../data-access/outbox-events';
import { billingUnitOfWork } from '../../data-access/unit-of-work';

/** The inbox key under which Billing records the events it has handled. */
export const ACCOUNTS_CONSUMER = 'billing.accounts';

/** The event types Billing handles; the bus topology (queue, filter policy) must match, as a test checks. */
export const BILLING_HANDLED_EVENTS = ['identity.user.registered', 'identity.user.deleted'] as const satisfies readonly EventType[];

export function billingEventHandlers(db: SqlExecutor, logger: Logger): Record<(typeof BILLING_HANDLED_EVENTS)[number], EventHandler<CloudEvent>> {
  const inTransaction = (event: CloudEvent, effect: (accounts: ReturnType<typeof accountUseCases>) => Promise<void>) =>
    handleOnce(db, ACCOUNTS_CONSUMER, event, (tx) => effect(accountUseCases(billingUnitOfWork(tx, outboxEvents))));
  return {
    'identity.user.registered': async (event) => {
      const { userId } = (event as CloudEvent<'identity.user.registered'>).data;
      await inTransaction(event, (accounts) => accounts.openAccount(userId).then(() => {}));
      logger.info({ eventId: event.id, userId }, 'identity.user.registered handled');
    },
    'identity.user.deleted': async (event) => {
      const { userId } = (event as CloudEvent<'identity.user.deleted'>).data;
      await inTransaction(event, (accounts) => accounts.closeAccount(userId).then(() => {}));
      logger.info({ eventId: event.id, userId }, 'identity.user.deleted handled');
    },
  };
}
