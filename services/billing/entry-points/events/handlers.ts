/**
 * Billing's queue handlers: parse → use case, each inside the inbox transaction, so the account change and the
 * event id commit together and a redelivered event has no second effect. Open and close commute (a close that
 * arrives first leaves a tombstone), so delivery order does not matter.
 */
import type { CloudEvent, EventType } from '../../../contracts/events';
import type { EventHandler } from '../../../kit/bus/consumer';
import type { Inbox } from '../../../kit/inbox/inbox';
import type { Logger } from '../../../kit/logger';
import { accountUseCases, type AccountUseCases } from '../../domain/account-use-cases';
import type { UnitOfWork } from '../../domain/ports';

/** The inbox key under which Billing records the events it has handled. */
export const ACCOUNTS_CONSUMER = 'billing.accounts';

/** The event types Billing handles; the bus topology (queue, filter policy) must match, as a test checks. */
export const BILLING_HANDLED_EVENTS = ['identity.user.registered', 'identity.user.deleted'] as const satisfies readonly EventType[];

export interface BillingEventHandlerDeps {
  readonly inbox: Inbox<UnitOfWork>;
  readonly logger: Logger;
}

export function billingEventHandlers({ inbox, logger }: BillingEventHandlerDeps): Record<(typeof BILLING_HANDLED_EVENTS)[number], EventHandler<CloudEvent>> {
  const accountsOnce = (event: CloudEvent, work: (accounts: AccountUseCases) => Promise<unknown>) =>
    inbox.handleOnce(ACCOUNTS_CONSUMER, event, async (unitOfWork) => {
      await work(accountUseCases({ unitOfWork }));
    });
  return {
    'identity.user.registered': async (event) => {
      const { userId } = (event as CloudEvent<'identity.user.registered'>).data;
      await accountsOnce(event, (accounts) => accounts.openAccount(userId));
      logger.info({ eventId: event.id, userId }, 'identity.user.registered handled');
    },
    'identity.user.deleted': async (event) => {
      const { userId } = (event as CloudEvent<'identity.user.deleted'>).data;
      await accountsOnce(event, (accounts) => accounts.closeAccount(userId));
      logger.info({ eventId: event.id, userId }, 'identity.user.deleted handled');
    },
  };
}
