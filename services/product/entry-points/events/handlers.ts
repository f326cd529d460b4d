/**
 * Product's queue handler: parse → use case, inside the inbox transaction, so the revocation and the event id
 * commit together and a redelivered event has no second effect.
 */
import type { CloudEvent, EventType } from '../../../contracts/events';
import type { EventHandler } from '../../../kit/bus/consumer';
import type { Inbox } from '../../../kit/inbox/inbox';
import type { Logger } from '../../../kit/logger';
import type { UnitOfWork } from '../../domain/ports';
import { userDeletionUseCases } from '../../domain/user-deletion-use-cases';

/** The inbox key under which Product records the events it has handled. */
export const REVOCATIONS_CONSUMER = 'product.revocations';

/** The event types Product handles; the bus topology (queue, filter policy) must match, as a test checks. */
export const PRODUCT_HANDLED_EVENTS = ['identity.user.deleted'] as const satisfies readonly EventType[];

export interface ProductEventHandlerDeps {
  readonly inbox: Inbox<UnitOfWork>;
  readonly logger: Logger;
}

export function productEventHandlers({ inbox, logger }: ProductEventHandlerDeps): Record<(typeof PRODUCT_HANDLED_EVENTS)[number], EventHandler<CloudEvent>> {
  return {
    'identity.user.deleted': async (event) => {
      const { userId } = (event as CloudEvent<'identity.user.deleted'>).data;
      await inbox.handleOnce(REVOCATIONS_CONSUMER, event, (unitOfWork) => userDeletionUseCases({ unitOfWork }).userDeleted(userId));
      logger.info({ eventId: event.id, userId }, 'identity.user.deleted handled: the user\'s tokens are refused');
    },
  };
}
