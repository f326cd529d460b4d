import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ServiceName } from '../../services/contracts/services';
import { MESSAGE_RETENTION_DAYS, type BusTopology } from '../../services/contracts/bus-topology';

export interface ConsumerQueues {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** In alarm while the dead-letter queue holds any message. */
  readonly deadLetterAlarm: Alarm;
  /**
   * In alarm when a dead letter has waited DEAD_LETTER_WARNING of the retention, days before SQS deletes it. The
   * not-empty alarm pages once, stays in alarm through every later dead letter, and clears (an OK notification) when
   * SQS deletes the events unhandled: this one pages while they can still be redriven.
   */
  readonly deadLetterExpiryAlarm: Alarm;
  /**
   * In alarm when the queue's oldest message has waited longer than a failing event is retried: the consumer has
   * stopped taking messages at all (a receive that keeps failing never dead-letters anything).
   */
  readonly backlogAlarm: Alarm;
}

export interface EventBusProps {
  /** `busTopology(prefix)` from services/contracts: the same topic, queues and filters the offline bus uses. */
  readonly topology: BusTopology;
  /**
   * How long a consumer may hold a message before SQS hands it out again.
   * @default 30 seconds
   */
  readonly visibilityTimeout?: Duration;
}

const RETENTION = Duration.days(MESSAGE_RETENTION_DAYS);
/** A dead letter this old has 4 days left before SQS deletes it: time to read its reason, fix and redrive. */
const DEAD_LETTER_WARNING = Duration.days(MESSAGE_RETENTION_DAYS - 4);

/**
 * Past this age the oldest waiting message is no longer a retry (a failing event is redelivered for about 18
 * minutes, services/contracts/bus-topology.ts): nothing is taking messages from the queue.
 */
const BACKLOG_AGE = Duration.minutes(30);

/**
 * The event bus: one SNS topic and, per consuming service, an SQS queue with its dead-letter queue and a
 * raw-delivery subscription filtered on the `type` message attribute. Everything is encrypted at rest and
 * refuses requests without TLS.
 */
export class EventBus extends Construct {
  public readonly topic: Topic;
  public readonly consumers: Readonly<Partial<Record<ServiceName, ConsumerQueues>>>;
  /**
   * In alarm when SNS gave up delivering an event to a queue. The relay's publish succeeded, so the outbox counts
   * it sent, and the queue never held it, so no queue or dead-letter alarm sees it: without this the event is lost
   * unseen. SNS stops at once on an error of the queue's side (its policy no longer admits the topic, the queue is
   * gone), after 23 days of retries otherwise, and then counts it in NumberOfNotificationsFailed.
   */
  public readonly deliveryFailureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: EventBusProps) {
    super(scope, id);
    const { topology } = props;
    const consumers = topology.queues.map((queue) => queue.consumer);
    const duplicate = consumers.find((consumer, index) => consumers.indexOf(consumer) !== index);
    if (duplicate) throw new Error(`EventBus topology must have one queue per consumer; got two for "${duplicate}"`);

    this.topic = new Topic(this, 'Topic', {
      topicName: topology.topicName,
      // The AWS-managed key costs nothing and SNS may use it to deliver to SSE-SQS queues.
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });

    const entries = topology.queues.map((spec): [ServiceName, ConsumerQueues] => {
      const name = capitalize(spec.consumer);
      const deadLetterQueue = new Queue(this, `${name}DeadLetterQueue`, {
        queueName: spec.deadLetterQueueName,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: RETENTION,
      });
      const queue = new Queue(this, `${name}Queue`, {
        queueName: spec.queueName,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(30),
        retentionPeriod: RETENTION,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
      });
      this.topic.addSubscription(
        new SqsSubscription(queue, {
          // The SQS body is the CloudEvent itself and the `type` attribute survives, as offline.
          rawMessageDelivery: true,
          filterPolicy: Object.fromEntries(
            Object.entries(spec.filterPolicy).map(([attribute, values]) => [
              attribute,
              SubscriptionFilter.stringFilter({ allowlist: [...values] }),
            ]),
          ),
        }),
      );
      const deadLetterAlarm = new Alarm(this, `${name}DeadLetterAlarm`, {
        alarmName: `${Stack.of(this).stackName}-${spec.deadLetterQueueName}-not-empty`,
        alarmDescription: `${spec.consumer} dead-lettered a message: it failed ${spec.maxReceiveCount} times, or is no JSON or no CloudEvent (dead-lettered at once); it sits in ${spec.deadLetterQueueName}.`,
        // SQS publishes its metrics every 5 minutes; a shorter period would only see gaps.
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const deadLetterExpiryAlarm = new Alarm(this, `${name}DeadLetterExpiryAlarm`, {
        alarmName: `${Stack.of(this).stackName}-${spec.deadLetterQueueName}-expiring`,
        alarmDescription: `A dead letter of ${spec.consumer} has waited ${DEAD_LETTER_WARNING.toDays()} days in ${spec.deadLetterQueueName}; SQS deletes it after ${MESSAGE_RETENTION_DAYS}, unhandled. Redrive it (npm run events -- dlq redrive) or record why not: docs/events.md.`,
        metric: deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: DEAD_LETTER_WARNING.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const backlogAlarm = new Alarm(this, `${name}BacklogAlarm`, {
        alarmName: `${Stack.of(this).stackName}-${spec.queueName}-backlog`,
        alarmDescription: `${spec.queueName} holds a message older than ${BACKLOG_AGE.toMinutes()} minutes: ${spec.consumer} is not taking its events.`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: BACKLOG_AGE.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      return [spec.consumer, { queue, deadLetterQueue, deadLetterAlarm, deadLetterExpiryAlarm, backlogAlarm }];
    });
    this.consumers = Object.fromEntries(entries);
    this.deliveryFailureAlarm = new Alarm(this, 'DeliveryFailureAlarm', {
      alarmName: `${Stack.of(this).stackName}-${topology.topicName}-delivery-failed`,
      alarmDescription: `SNS could not deliver an event of ${topology.topicName} to a consumer's queue and dropped it (its queue policy, or the queue itself): docs/events.md, "Delivery guarantees".`,
      metric: this.topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** The queues of a consumer; throws naming the known consumers when it has none. */
  consumer(service: ServiceName): ConsumerQueues {
    const found = this.consumers[service];
    if (!found) throw new Error(`EventBus has no queue for "${service}"; consumers: ${Object.keys(this.consumers).join(', ')}`);
    return found;
  }
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
