/**
 * Publishes to the topic with PublishBatch: up to 10 entries and 256 KiB per call, calls in parallel.
 * Reports per message, so the outbox marks exactly the published rows as sent.
 *
 * A message past SNS's 256 KiB (body and attributes) is never sent: SNS answers PublishBatch with
 * BatchRequestTooLong for the whole call, not a Failed entry for that message, so the relay would take it for an
 * SNS outage and back off on every step for as long as the row exists. It is reported failed here instead, alone
 * and `permanent` (sending it again cannot help), while the rows beside it go out; the outbox marks its row failed
 * for good (services/kit/outbox/publish-pending.ts) rather than retry it every 30 s for ever. enqueue() refuses
 * such an event already (message-size.ts), so only a row written before that check, or by hand, gets here.
 * https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { eventAttributes, type Correlation } from './attributes';
import { snsMessageSize, tooLongForSns, tooLongReason } from './message-size';

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
  /** `permanent`: this message can never be sent as it is (too long), so retrying it is pointless. */
  readonly failed: ReadonlyArray<{ readonly key: string; readonly reason: string; readonly permanent?: true }>;
  /** Set when a whole call failed (network, throttling, no topic): the caller should back off. */
  readonly callError?: unknown;
}

export interface Publisher {
  publish(messages: readonly OutgoingMessage[]): Promise<PublishOutcome>;
}

const MAX_ENTRIES = 10;
/** What this publisher puts in one batch, below SNS_MAX_PAYLOAD_BYTES (message-size.ts) for whatever else SNS may count. */
const MAX_BATCH_BYTES = 250_000;

export function createPublisher(sns: SNSClient, topicArn: string): Publisher {
  return {
    async publish(messages) {
      const sized = messages.map((message) => ({ message, size: snsMessageSize(message) }));
      const tooLong = sized.filter(({ size }) => tooLongForSns(size));
      const sendable = sized.filter(({ size }) => !tooLongForSns(size));
      const outcomes = await Promise.all(chunk(sendable).map((batch) => publishBatch(sns, topicArn, batch)));
      const callError = outcomes.find((outcome) => outcome.callError !== undefined)?.callError;
      return {
        published: outcomes.flatMap((outcome) => outcome.published),
        failed: [...tooLong.map(({ message, size }) => ({ key: message.key, reason: tooLongReason(size), permanent: true as const })), ...outcomes.flatMap((outcome) => outcome.failed)],
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

/** Batches of at most MAX_ENTRIES messages and MAX_BATCH_BYTES (one larger message goes alone), sized once by the caller. */
function chunk(messages: ReadonlyArray<{ readonly message: OutgoingMessage; readonly size: number }>): OutgoingMessage[][] {
  const batches: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const { message, size } of messages) {
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
