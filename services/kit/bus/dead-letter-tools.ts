/**
 * Operator actions on a dead-letter queue: look at what is there, and move it back to the source queue once
 * the cause is fixed (redrive-dead-letters.ts). Used by `npm run events -- dlq …`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTER_REASON_ATTRIBUTE, DEAD_LETTER_RECEIVES_ATTRIBUTE, readAttribute, TYPE_ATTRIBUTE } from './attributes';
import { decodeMessage } from './incoming';

export interface DeadLetter {
  readonly messageId: string;
  readonly eventId: string | undefined;
  readonly type: string | undefined;
  readonly reason: string;
  /** Receives in the source queue before it was dead-lettered, when the consumer recorded it. */
  readonly receiveCount: number | undefined;
  readonly body: string;
}

/** Explains a body the consumer did not annotate, e.g. by running the schema over it. */
export type Explain = (body: string) => string | undefined;

const MOVED_BY_POLICY = 'moved by the redrive policy; no reason recorded (see the consumer logs for this event id)';

export interface ScanOptions {
  /** At most this many messages. */
  readonly limit?: number;
  /**
   * How long each receive waits for messages, so the last one, which finds none, takes this long. On SQS a
   * receive that does not wait samples only some of its servers and may miss messages; 1 s by default. An
   * emulator that always answers from all of its messages can take 0.
   */
  readonly waitTimeSeconds?: number;
}

/** Lists without consuming: every message seen is made visible again at the end. */
export async function listDeadLetters(sqs: SQSClient, queueUrl: string, explain?: Explain, options: ScanOptions = {}): Promise<DeadLetter[]> {
  const { limit = 1_000, waitTimeSeconds = 1 } = options;
  const seen: Message[] = [];
  // Bounded: at most limit/10 receives, each hiding what it returned so the next one sees further.
  for (let round = 0; seen.length < limit && round < Math.ceil(limit / 10); round++) {
    const batch = await receive(sqs, queueUrl, waitTimeSeconds);
    if (batch.length === 0) break;
    seen.push(...batch);
  }
  await Promise.all(chunks(seen).map((batch) => makeVisible(sqs, queueUrl, batch)));
  return seen.map((message) => describe(message, explain));
}

export async function receive(sqs: SQSClient, queueUrl: string, waitTimeSeconds: number, max = 10): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitTimeSeconds,
      VisibilityTimeout: 60,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return Messages ?? [];
}

export async function makeVisible(sqs: SQSClient, queueUrl: string, batch: Message[]): Promise<void> {
  const Entries = batch.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle ?? '', VisibilityTimeout: 0 }));
  await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries }));
}

function describe(message: Message, explain: Explain | undefined): DeadLetter {
  const incoming = decodeMessage(message);
  let envelope: { id?: unknown; type?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(incoming.body);
    // A body of `null` is JSON too: read as an envelope, it threw, and `dlq list` listed nothing.
    if (typeof parsed === 'object' && parsed !== null) envelope = parsed;
  } catch {
    // Not JSON: the reason says so.
  }
  const recorded = readAttribute(message.MessageAttributes, DEAD_LETTER_RECEIVES_ATTRIBUTE);
  return {
    messageId: incoming.messageId,
    eventId: typeof envelope.id === 'string' ? envelope.id : undefined,
    type: typeof envelope.type === 'string' ? envelope.type : incoming.attributes[TYPE_ATTRIBUTE],
    reason: readAttribute(message.MessageAttributes, DEAD_LETTER_REASON_ATTRIBUTE) ?? explain?.(incoming.body) ?? MOVED_BY_POLICY,
    receiveCount: recorded === undefined ? undefined : Number(recorded),
    body: incoming.body,
  };
}

function chunks<T>(items: readonly T[], size = 10): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, index * size + size));
}
