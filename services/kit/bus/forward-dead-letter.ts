/**
 * Dead letters. The queue's redrive policy moves a message to its DLQ after maxReceiveCount receives, but SQS
 * cannot say why. So on the last allowed failure the consumer forwards the message to the DLQ itself, with the
 * reason attached, and deletes it. The redrive policy stays as the backstop (a consumer that crashes on the
 * message never gets to forward it).
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  DEAD_LETTER_REASON_ATTRIBUTE,
  DEAD_LETTER_RECEIVES_ATTRIBUTE,
  DEAD_LETTER_SOURCE_ATTRIBUTE,
  stringAttributes,
} from './attributes';
import { backoffDelay, sleep, type Backoff } from './backoff';
import { describeError } from './describe-error';
import type { IncomingMessage } from './incoming';
import type { QueueAccess } from './settle-messages';

export interface DeadLetterTarget {
  readonly queueUrl: string;
  readonly maxReceiveCount: number;
}

/** Reads the queue's redrive policy; undefined when it has none. */
export async function discoverDeadLetter(sqs: SQSClient, queueUrl: string, signal?: AbortSignal): Promise<DeadLetterTarget | undefined> {
  const sent = signal ? { abortSignal: signal } : {};
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }), sent);
  if (!Attributes?.RedrivePolicy) return undefined;
  const policy = JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , , account, name] = policy.deadLetterTargetArn?.split(':') ?? [];
  if (!name) return undefined;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }), sent);
  if (!QueueUrl) return undefined;
  return { queueUrl: QueueUrl, maxReceiveCount: Number(policy.maxReceiveCount) };
}

/**
 * The queue's dead-letter target, asked until SQS answers, as a receive is: SQS unreachable while a service starts
 * (an outage, a network not ready yet) delays its consuming; it does not end the service, which already answers
 * requests and would otherwise restart in a loop. Undefined once `signal` aborts, or when the queue has no policy.
 */
export async function lookUpDeadLetter(queue: QueueAccess, pause: Backoff, signal: AbortSignal): Promise<DeadLetterTarget | undefined> {
  for (let failures = 1; !signal.aborted; failures++) {
    try {
      return await discoverDeadLetter(queue.sqs, queue.queueUrl, signal);
    } catch (error) {
      if (signal.aborted) break;
      // A queue that does not exist or may not be read never answers: every tenth failure is an error.
      const level = failures % 10 === 0 ? 'error' : 'warn';
      queue.logger[level]({ consumer: queue.name, reason: describeError(error), failures }, 'dead-letter queue lookup failed; retrying');
      await sleep(backoffDelay(pause, failures), signal);
    }
  }
  return undefined;
}

const MAX_REASON_LENGTH = 1_000;

/** Sends the message as received, with the reason and origin added. */
export async function forwardToDeadLetter(
  sqs: SQSClient,
  target: DeadLetterTarget,
  incoming: IncomingMessage,
  source: string,
  reason: string,
): Promise<void> {
  const kept = Object.fromEntries(
    Object.entries(incoming.message.MessageAttributes ?? {}).filter(([name]) => !name.startsWith('deadLetter')),
  );
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: target.queueUrl,
      MessageBody: incoming.message.Body ?? '',
      MessageAttributes: {
        ...kept,
        ...stringAttributes({
          [DEAD_LETTER_REASON_ATTRIBUTE]: reason.slice(0, MAX_REASON_LENGTH),
          [DEAD_LETTER_SOURCE_ATTRIBUTE]: source,
          [DEAD_LETTER_RECEIVES_ATTRIBUTE]: String(incoming.receiveCount),
        }),
      },
    }),
  );
}
