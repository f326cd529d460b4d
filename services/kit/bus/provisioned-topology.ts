/**
 * Provisions the bus topology (one topic; per consumer a queue, its dead-letter queue, a queue policy and a
 * filtered raw-delivery subscription) against the emulator or LocalStack. Idempotent and convergent: it creates
 * what is missing and sets attributes on what exists, so a changed filter policy is applied on the next start.
 * In AWS the CDK event-bus construct builds the same thing from the same `busTopology()`.
 */
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  type Subscription,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { MESSAGE_RETENTION_DAYS } from '../../contracts/bus-topology';
import type { BusClients } from './clients';

/** The shape of `busTopology()` (services/contracts/topology.ts), without its business types. */
export interface TopologySpec {
  readonly topicName: string;
  readonly queues: readonly QueueSpec[];
}

export interface QueueSpec {
  readonly consumer: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly filterPolicy: Readonly<Record<string, readonly string[]>>;
  readonly maxReceiveCount: number;
}

export interface ProvisionedQueue {
  readonly consumer: string;
  readonly queueName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
  readonly maxReceiveCount: number;
}

export interface ProvisionedBus {
  readonly topicArn: string;
  readonly queues: readonly ProvisionedQueue[];
}

const RETENTION_SECONDS = String(MESSAGE_RETENTION_DAYS * 24 * 3600);

export async function ensureTopology(clients: BusClients, topology: TopologySpec): Promise<ProvisionedBus> {
  const { TopicArn: topicArn } = await clients.sns.send(new CreateTopicCommand({ Name: topology.topicName }));
  if (!topicArn) throw new Error(`CreateTopic ${topology.topicName} returned no ARN`);
  const existing = await listSubscriptions(clients, topicArn);
  const queues: ProvisionedQueue[] = [];
  for (const spec of topology.queues) {
    const deadLetter = await ensureQueue(clients, spec.deadLetterQueueName, {
      MessageRetentionPeriod: RETENTION_SECONDS,
    });
    const main = await ensureQueue(clients, spec.queueName, {
      MessageRetentionPeriod: RETENTION_SECONDS,
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: spec.maxReceiveCount }),
    });
    await clients.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: main.url, Attributes: { Policy: snsMayDeliver(main.arn, topicArn) } }),
    );
    await ensureSubscription(clients, topicArn, main.arn, spec, existing);
    queues.push({
      consumer: spec.consumer,
      queueName: spec.queueName,
      queueUrl: main.url,
      queueArn: main.arn,
      deadLetterQueueUrl: deadLetter.url,
      deadLetterQueueArn: deadLetter.arn,
      maxReceiveCount: spec.maxReceiveCount,
    });
  }
  return { topicArn, queues };
}

/** The provisioned queue of one consumer; throws naming the known ones when it is not there. */
export function queueOf(bus: ProvisionedBus, consumer: string): ProvisionedQueue {
  const queue = bus.queues.find((candidate) => candidate.consumer === consumer);
  if (!queue) throw new Error(`no queue for consumer "${consumer}"; known: ${bus.queues.map((q) => q.consumer).join(', ')}`);
  return queue;
}

async function ensureQueue(clients: BusClients, name: string, attributes: Record<string, string>) {
  // CreateQueue without attributes never conflicts with an existing queue; attributes are then set to converge.
  const { QueueUrl: url } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!url) throw new Error(`CreateQueue ${name} returned no URL`);
  await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no QueueArn`);
  return { url, arn };
}

function snsMayDeliver(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });
}

async function ensureSubscription(
  clients: BusClients,
  topicArn: string,
  queueArn: string,
  spec: QueueSpec,
  existing: readonly Subscription[],
): Promise<void> {
  // Raw delivery: the SQS body is the CloudEvent JSON and the SNS message attributes become SQS ones.
  const attributes: Record<string, string> = {
    RawMessageDelivery: 'true',
    FilterPolicyScope: 'MessageAttributes',
    FilterPolicy: JSON.stringify(spec.filterPolicy),
  };
  const found = existing.find((subscription) => subscription.Protocol === 'sqs' && subscription.Endpoint === queueArn);
  if (!found?.SubscriptionArn) {
    await clients.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: attributes }),
    );
    return;
  }
  for (const [AttributeName, AttributeValue] of Object.entries(attributes)) {
    await clients.sns.send(
      new SetSubscriptionAttributesCommand({ SubscriptionArn: found.SubscriptionArn, AttributeName, AttributeValue }),
    );
  }
}

async function listSubscriptions(clients: BusClients, topicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let NextToken: string | undefined;
  // Bounded: 100 pages of 100 is far beyond one topic per environment.
  for (let page = 0; page < 100; page++) {
    const result = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    all.push(...(result.Subscriptions ?? []));
    NextToken = result.NextToken;
    if (!NextToken) break;
  }
  return all;
}
