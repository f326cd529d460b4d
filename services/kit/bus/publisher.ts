/**
 * Publishes to the topic with PublishBatch: up to 10 entries and 256 KiB per call, calls in parallel.
 * Reports per message, so the outbox marks exactly the published rows as sent.
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { eventAttributes, type Correlation } from './attributes';

export interface OutgoingMessage {
  /** The caller's handle for this message (the outbox row), echoed in the outcome. */
  readonly key: string;
  readonly type: string;
  /** The CloudEvent JSON. */
  readonly body: string;
  readonly correlation: Correlation;
}

export interface PublishOutcome {
  readonly published: readonly string[];
  readonly failed: ReadonlyArray<{ readonly key: string; readonly reason: string }>;
  /** Set when a whole call failed (network, throttling, no topic): the caller should back off. */
  readonly callError?: unknown;
}

export interface Publisher {
  publish(messages: readonly OutgoingMessage[]): Promise<PublishOutcome>;
}

const MAX_ENTRIES = 10;
/** SNS counts the body and the attributes against 256 KiB per batch; this leaves room for the rest. */
const MAX_BATCH_BYTES = 250_000;

export function createPublisher(sns: SNSClient, topicArn: string): Publisher {
  return {
    async publish(messages) {
      const outcomes = await Promise.all(chunk(messages).map((batch) => publishBatch(sns, topicArn, batch)));
      const callError = outcomes.find((outcome) => outcome.callError !== undefined)?.callError;
      return {
        published: outcomes.flatMap((outcome) => outcome.published),
        failed: outcomes.flatMap((outcome) => outcome.failed),
        ...(callError === undefined ? {} : { callError }),
      };
    },
  };
}

async function publishBatch(sns: SNSClient, topicArn: string, batch: readonly OutgoingMessage[]): Promise<PublishOutcome> {
  // Batch entry ids only allow [A-Za-z0-9_-]; positions map them back to the caller's keys.
  const entries: PublishBatchRequestEntry[] = batch.map((message, index) => ({
    Id: `m${index}`,
    Message: message.body,
    MessageAttributes: eventAttributes(message.type, message.correlation),
  }));
  const keyOf = (id: string | undefined) => batch[Number(id?.slice(1))]?.key;
  try {
    const result = await sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }));
    const published = (result.Successful ?? []).map((entry) => keyOf(entry.Id)).filter((key) => key !== undefined);
    const failed = (result.Failed ?? []).flatMap((entry) => {
      const key = keyOf(entry.Id);
      return key === undefined ? [] : [{ key, reason: `${entry.Code ?? 'Failed'}: ${entry.Message ?? ''}` }];
    });
    return { published, failed };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { published: [], failed: batch.map((message) => ({ key: message.key, reason })), callError: error };
  }
}

function sizeOf(message: OutgoingMessage): number {
  const attributes = `${message.type}${message.correlation.requestId ?? ''}${message.correlation.traceparent ?? ''}`;
  return Buffer.byteLength(message.body) + Buffer.byteLength(attributes) + 64;
}

function chunk(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  const batches: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
