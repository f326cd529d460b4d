/**
 * `dlq redrive`: moves dead letters back to their source queue once the cause is fixed. A message is sent back
 * first and deleted from the dead-letter queue only once sent, so a failure in between leaves a copy in both
 * queues (the consumer's inbox absorbs it), never none.
 */
import { DeleteMessageBatchCommand, SendMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { makeVisible, receive, type ScanOptions } from './dead-letter-tools';

/** A message of the batch that a call did not take, and SQS's reason. */
interface Refused {
  readonly message: Message;
  readonly reason: string;
}

/** Moves up to `limit` (default 10 000) dead letters back to the source queue; returns how many moved. */
export async function redriveDeadLetters(sqs: SQSClient, deadLetterQueueUrl: string, sourceQueueUrl: string, options: ScanOptions = {}): Promise<number> {
  const { limit = 10_000, waitTimeSeconds = 1 } = options;
  let moved = 0;
  for (let round = 0; moved < limit && round < Math.ceil(limit / 10) + 10; round++) {
    // The limit holds exactly: no more than that many leave the dead-letter queue, even mid-batch.
    const batch = await receive(sqs, deadLetterQueueUrl, waitTimeSeconds, Math.min(10, limit - moved));
    if (batch.length === 0) break;
    const unsent = await sendBack(sqs, sourceQueueUrl, batch);
    const sent = batch.filter((message) => !unsent.some((refused) => refused.message === message));
    const undeleted = sent.length === 0 ? [] : await deleteBatch(sqs, deadLetterQueueUrl, sent);
    // Moved means gone from the dead-letter queue: one still there (in both queues) is not counted.
    moved += sent.length - undeleted.length;
    if (unsent.length > 0 || undeleted.length > 0) {
      // Received with a 60 s visibility timeout: shown again now, so `dlq list` and a rerun see them at once.
      await makeVisible(sqs, deadLetterQueueUrl, [...unsent, ...undeleted].map((refused) => refused.message)).catch(() => undefined);
      throw redriveStopped(moved, batch.length, unsent, sent.length, undeleted);
    }
  }
  return moved;
}

/** Sends the batch to the source queue; answers the messages it did not take (all of them if the call failed). */
async function sendBack(sqs: SQSClient, queueUrl: string, batch: readonly Message[]): Promise<Refused[]> {
  const Entries = batch.map((message, index) => ({
    Id: `m${index}`,
    MessageBody: message.Body ?? '',
    // The source queue counts receives afresh; the old reason would only mislead.
    MessageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).filter(([name]) => !name.startsWith('deadLetter'))),
  }));
  return refusedBy(batch, () => sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries })));
}

/** Deletes the messages from the dead-letter queue; answers those still there (all of them if the call failed). */
async function deleteBatch(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<Refused[]> {
  const Entries = messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle ?? '' }));
  return refusedBy(messages, () => sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries })));
}

type BatchAnswer = { Failed?: Array<{ Id?: string; Code?: string; Message?: string }> };

/** The entries (`m<index>` of `messages`) a batch call failed, with SQS's reason. */
async function refusedBy(messages: readonly Message[], call: () => Promise<BatchAnswer>): Promise<Refused[]> {
  let answer: BatchAnswer;
  try {
    answer = await call();
  } catch (error) {
    // A whole call that failed (network, throttling) took none of them: each is reported, not just thrown past.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return messages.map((message) => ({ message, reason }));
  }
  return (answer.Failed ?? []).flatMap((failure) => {
    const message = messages[Number(failure.Id?.slice(1))];
    return message ? [{ message, reason: `${failure.Code}: ${failure.Message}` }] : [];
  });
}

/** "1 message", "3 messages". */
export const messages = (count: number): string => `${count} message${count === 1 ? '' : 's'}`;

/** The reasons, each once, with how many messages gave it when more than one did. */
function reasons(refused: readonly Refused[]): string {
  const counts = new Map<string, number>();
  for (const { reason } of refused) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => (count === 1 ? reason : `${reason} (×${count})`)).join('; ');
}

/**
 * How many messages the run moved, and of the batch it stopped on, each kind of failure with its own count: the
 * messages not sent back (in the dead-letter queue only) and those sent back but not deleted (in both queues).
 */
function redriveStopped(moved: number, batchSize: number, unsent: readonly Refused[], sent: number, undeleted: readonly Refused[]): Error {
  const parts: string[] = [];
  if (unsent.length > 0) {
    const are = unsent.length === 1 ? 'is' : 'are';
    parts.push(`${unsent.length} of the ${messages(batchSize)} of the last batch could not be sent back to the queue and ${are} still in the dead-letter queue only (${reasons(unsent)})`);
  }
  if (undeleted.length > 0) {
    const [are, them] = undeleted.length === 1 ? ['is', 'it'] : ['are', 'them'];
    parts.push(
      `${undeleted.length} of the ${messages(sent)} sent back to the queue ${are} still in the dead-letter queue too (${reasons(undeleted)}); ` +
        `a later redrive sends ${them} again, which the consumers' inboxes absorb`,
    );
  }
  return new Error(`redrive stopped after moving ${messages(moved)}: ${parts.join('; and ')}`);
}
