/** `dlq list` and `dlq redrive`: the dead-letter queues of busTopology(prefix), looked up by name. */
import { GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist } from '@aws-sdk/client-sqs';
import { parseEvent } from '../../services/contracts/events';
import { busTopology } from '../../services/contracts/bus-topology';
import type { BusClients } from '../../services/kit/bus/clients';
import { listDeadLetters, type DeadLetter } from '../../services/kit/bus/dead-letter-tools';
import { messages, redriveDeadLetters } from '../../services/kit/bus/redrive-dead-letters';
import { describeError } from '../../services/kit/bus/describe-error';
import { failureKind, REASON_PREFIX } from '../../services/kit/bus/failures';

export interface DlqOptions {
  readonly prefix: string;
  readonly consumer?: string;
  readonly json: boolean;
}

/** For dead letters moved by the redrive policy (no reason attached): is the message malformed, or the event invalid? */
function explain(body: string): string | undefined {
  try {
    parseEvent(JSON.parse(body));
    return undefined;
  } catch (error) {
    return `${REASON_PREFIX[failureKind(false, error)]}: ${describeError(error)}`;
  }
}

export function queuesOf(options: DlqOptions) {
  const all = busTopology(options.prefix).queues;
  const queues = all.filter((q) => !options.consumer || q.consumer === options.consumer);
  // The names a user may give, not the code's busTopology("…"), which told them nothing they could type.
  if (queues.length === 0) throw new Error(`--consumer "${options.consumer}" is no consumer of the bus; choose ${all.map((q) => q.consumer).join(', ')}`);
  return queues;
}

/** `--endpoint nope` reached the SDK, whose bare "Invalid URL" named neither the option nor what it wants. */
export function checkEndpoint(endpoint: string | undefined): void {
  if (endpoint === undefined || (URL.canParse(endpoint) && /^https?:$/.test(new URL(endpoint).protocol))) return;
  throw new Error(`--endpoint (or AWS_ENDPOINT_URL) must be an http:// or https:// URL such as http://127.0.0.1:4566 (got "${endpoint}")`);
}

async function urlOf(clients: BusClients, name: string, prefix: string): Promise<string> {
  // SQS's own "The specified queue does not exist." names no queue; a wrong --prefix is the usual reason.
  const notFound = () => new Error(`queue ${name} does not exist there; is "${prefix}" the bus prefix of that stage (--prefix, BUS_PREFIX)?`);
  const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name })).catch((error: unknown) => {
    throw error instanceof QueueDoesNotExist ? notFound() : error;
  });
  if (!QueueUrl) throw notFound();
  return QueueUrl;
}

/** `dlq list` shows at most this many dead letters per queue. */
export const LIST_LIMIT = 1_000;

/** SQS's approximate count of the queue's messages, visible or not. */
async function depthOf(clients: BusClients, QueueUrl: string): Promise<number> {
  const AttributeNames = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;
  const { Attributes = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...AttributeNames] }));
  return AttributeNames.reduce((sum, name) => sum + Number(Attributes[name] ?? 0), 0);
}

export async function dlqList(clients: BusClients, options: DlqOptions): Promise<void> {
  // Side by side: each queue's listing ends with a receive that waits a second for more, found or not.
  const perQueue = await Promise.all(
    queuesOf(options).map(async (queue) => {
      const url = await urlOf(clients, queue.deadLetterQueueName, options.prefix);
      const letters = await listDeadLetters(clients.sqs, url, explain, { limit: LIST_LIMIT });
      // At the limit there may be more: said on stderr, so stdout (and --json) stays the list itself.
      if (letters.length >= LIST_LIMIT) process.stderr.write(`${queue.consumer}: showing ${letters.length} of about ${await depthOf(clients, url)} dead letters\n`);
      return letters.map((letter): DeadLetter & { consumer: string } => ({ ...letter, consumer: queue.consumer }));
    }),
  );
  const all = perQueue.flat();
  if (options.json) {
    console.log(JSON.stringify(all, null, 2));
    return;
  }
  if (all.length === 0) console.log('no dead letters');
  for (const letter of all) {
    console.log(
      [
        `${letter.consumer}  event ${letter.eventId ?? '?'}  type ${letter.type ?? '?'}  receives ${letter.receiveCount ?? '?'}`,
        `  message ${letter.messageId}`,
        `  reason  ${letter.reason}`,
      ].join('\n'),
    );
  }
}

export const REDRIVE_NEEDS_CONSUMER = 'dlq redrive needs --consumer <name>, so one queue is redriven at a time';

export async function dlqRedrive(clients: BusClients, options: DlqOptions): Promise<void> {
  if (!options.consumer) throw new Error(REDRIVE_NEEDS_CONSUMER);
  for (const queue of queuesOf(options)) {
    const moved = await redriveDeadLetters(
      clients.sqs,
      await urlOf(clients, queue.deadLetterQueueName, options.prefix),
      await urlOf(clients, queue.queueName, options.prefix),
    );
    console.log(`${queue.consumer}: moved ${messages(moved)} from ${queue.deadLetterQueueName} back to ${queue.queueName}`);
  }
}
