/**
 * The bus topology, derived from the event catalogue: one SNS topic, and per consuming service one SQS queue
 * with a dead-letter queue and a filter policy on the `type` attribute. The offline platform provisions it at
 * start; the CDK event-bus construct synthesizes the same thing.
 */
import { consumedBy, TYPE_ATTRIBUTE, type EventType } from './events';
import { SERVICE_NAMES, type ServiceName } from './services';

/**
 * Deliveries before a message moves to the dead-letter queue. With the consumers' retry delays (15 s doubling to
 * at most 300 s, services/kit/bus/consumer.ts) a failing event is retried for about 18 minutes first: longer than
 * an RDS Multi-AZ failover (1-2 minutes) or an instance reboot, so those send nothing to the dead-letter queue.
 */
export const MAX_RECEIVE_COUNT = 8;

/**
 * How long every queue keeps a message, waiting ones and dead letters alike: the longest SQS allows. SQS's default
 * (4 days) would lose the events of a consumer stopped over a long weekend; dead letters need time to be looked at.
 */
export const MESSAGE_RETENTION_DAYS = 14;

/**
 * How long a consumer's inbox remembers an event id it handled (services/kit/inbox/pruner.ts): longer than another
 * copy of that event can still arrive, or the copy would have a second effect. A copy whose handling failed (say the
 * database was down) is dead-lettered after its retries (about half an hour with the handler timeouts); the consumer
 * sends it to the dead-letter queue as a new message, so it may wait there MESSAGE_RETENTION_DAYS from then; a
 * redrive (`npm run events -- dlq redrive`) sends it anew, so it may wait MESSAGE_RETENTION_DAYS more in the queue.
 * A week on top covers the retries, with room to spare. A dead letter redriven a second time, after failing again,
 * can outlive this: see docs/events.md, "Retention".
 */
export const INBOX_RETENTION_DAYS = 2 * MESSAGE_RETENTION_DAYS + 7;

export interface ConsumerQueue {
  readonly consumer: ServiceName;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly eventTypes: readonly EventType[];
  /** SNS subscription filter policy (MessageAttributes scope). */
  readonly filterPolicy: Readonly<Record<string, readonly string[]>>;
  readonly maxReceiveCount: number;
}

export interface BusTopology {
  readonly topicName: string;
  readonly queues: readonly ConsumerQueue[];
}

/**
 * @param namePrefix prefixes every topic and queue name, so several environments can share one account
 *   or one emulator.
 */
export function busTopology(namePrefix = 'platform'): BusTopology {
  const queues = SERVICE_NAMES.flatMap((consumer): ConsumerQueue[] => {
    const eventTypes = consumedBy(consumer);
    if (eventTypes.length === 0) return [];
    return [
      {
        consumer,
        queueName: `${namePrefix}-${consumer}-events`,
        deadLetterQueueName: `${namePrefix}-${consumer}-events-dlq`,
        eventTypes,
        filterPolicy: { [TYPE_ATTRIBUTE]: eventTypes },
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    ];
  });
  return { topicName: `${namePrefix}-events`, queues };
}
