import type { EventData, EventType } from '../../contracts/events';

/** The events Identity produces. */
export type IdentityEventType = Extract<EventType, 'identity.user.registered' | 'identity.user.deleted'>;

/**
 * The events port. It lives inside a store transaction: an event is recorded (in the outbox) exactly when the
 * change that caused it commits, and published later by the relay.
 */
export interface IdentityEvents {
  emit<T extends IdentityEventType>(type: T, data: EventData<T>, subject: string): Promise<void>;
}
