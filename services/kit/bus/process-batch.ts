/**
 * Handles one received batch: every message in parallel, each inside the request context it was published
 * with. A message is deleted only after its handler returned, that is after its effect committed. A failed
 * one stays in the queue and comes back after a delay that grows with its receive count; on its last allowed
 * receive it is dead-lettered with the reason. A malformed one (no JSON, no CloudEvent) is dead-lettered at once
 * (failures.ts).
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { runWithContext } from '../context';
import { beforeDeadline } from '../deadline';
import { saneRequestId, saneTraceparent } from '../http/request-id';
import type { Logger } from '../logger';
import { REQUEST_ID_ATTRIBUTE, TRACEPARENT_ATTRIBUTE } from './attributes';
import type { Backoff } from './backoff';
import { describeError } from './describe-error';
import { failureKind, REASON_PREFIX, settleFailure, type Outcome } from './failures';
import type { DeadLetterTarget } from './forward-dead-letter';
import { decodeMessage, type IncomingMessage } from './incoming';
import { changeVisibility, deleteMessages } from './settle-messages';

export interface Delivery {
  readonly messageId: string;
  /** 1 on the first delivery. */
  readonly receiveCount: number;
}

export type EventHandler<E> = (event: E, delivery: Delivery) => Promise<void>;

/** A queue, who consumes it, and how its events are checked and handled. */
export interface EventSource<E extends { readonly id: string; readonly type: string }> {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The consuming service; in logs and in the dead-letter source attribute. */
  readonly name: string;
  readonly logger: Logger;
  /**
   * Validates the parsed body, e.g. `parseEvent` from services/contracts. A ZodError makes it a malformed message,
   * dead-lettered at once; a CatalogueMismatchError an invalid event, retried (another release may take it); any
   * other throw is retried too (failures.ts, failureKind).
   */
  readonly parse: (raw: unknown) => E;
  /** Commits the effect (typically through `handleOnce`) before it resolves. */
  readonly handle: EventHandler<E>;
}

export interface BatchContext<E extends { readonly id: string; readonly type: string }> extends EventSource<E> {
  readonly deadLetter: DeadLetterTarget | undefined;
  readonly visibilityTimeoutSeconds: number;
  readonly heartbeatSeconds: number;
  /** A handler still running after this long has its message given back for redelivery (consumer.ts says why). */
  readonly handlerTimeoutSeconds: number;
  /** Seconds a failed message stays invisible, by receive count. */
  readonly retry: Backoff;
}

/**
 * Runs the handlers; resolves once they all returned, with the deletes and visibility changes still in flight
 * as `settled`, so the caller can start its next receive meanwhile. `settled` is false if SQS refused any of them.
 */
export async function processBatch<E extends { id: string; type: string }>(
  context: BatchContext<E>,
  messages: Message[],
): Promise<{ settled: Promise<boolean> }> {
  const incoming = messages.map(decodeMessage);
  // Long handlers keep their messages invisible, so no other consumer starts them a second time meanwhile.
  const heartbeat = setInterval(() => void changeVisibility(context, incoming.map((m) => [m, context.visibilityTimeoutSeconds])), context.heartbeatSeconds * 1_000);
  let settledOutcomes: PromiseSettledResult<Outcome>[];
  try {
    // All of them, even once one has thrown what processOne does not expect: the others still run, and until they
    // end they need the heartbeat, and the consumer's stop() must wait for them.
    settledOutcomes = await Promise.allSettled(incoming.map((message) => processOne(context, message)));
  } finally {
    clearInterval(heartbeat);
  }
  const unexpected = settledOutcomes.find((outcome) => outcome.status === 'rejected');
  if (unexpected) throw unexpected.reason;
  const outcomes = settledOutcomes.map((outcome) => (outcome as PromiseFulfilledResult<Outcome>).value);
  const done = incoming.filter((_, index) => outcomes[index]?.done);
  const retry = incoming.flatMap((message, index): Array<[IncomingMessage, number]> => {
    const outcome = outcomes[index];
    return outcome && !outcome.done ? [[message, outcome.delaySeconds]] : [];
  });
  return { settled: Promise.all([deleteMessages(context, done), changeVisibility(context, retry)]).then((results) => results.every(Boolean)) };
}

/**
 * What a producer wrote is logged on every failure, and the correlation on every line of its handler: an event
 * id, a type or an attribute of 100 KB would make each a line the container's log driver splits past 16 KB into
 * pieces that are no JSON. A request id or traceparent not of the form our producers stamp is left out (the
 * message id stands for the request id); an id or a type is cut, keeping enough to search for.
 */
const NAMED_MAX = 200;

const clipped = (value: string | undefined) => (value !== undefined && value.length > NAMED_MAX ? `${value.slice(0, NAMED_MAX)}…` : value);

async function processOne<E extends { id: string; type: string }>(context: BatchContext<E>, incoming: IncomingMessage): Promise<Outcome> {
  const traceparent = saneTraceparent(incoming.attributes[TRACEPARENT_ATTRIBUTE]);
  const correlation = {
    requestId: saneRequestId(incoming.attributes[REQUEST_ID_ATTRIBUTE]) ?? incoming.messageId,
    ...(traceparent ? { traceparent } : {}),
  };
  return runWithContext(correlation, async () => {
    let raw: { id?: unknown; type?: unknown } | undefined;
    let event: E | undefined;
    let parsed = false;
    try {
      raw = JSON.parse(incoming.body) as typeof raw;
      event = context.parse(raw);
      parsed = true;
      // Not stopped at the deadline (nothing can stop a statement on a silent connection): if it commits later, the
      // redelivery finds its inbox row and does nothing; until then it waits on that row's lock, which the database
      // releases when it ends the session (idle_in_transaction_session_timeout).
      const seconds = context.handlerTimeoutSeconds;
      await beforeDeadline(
        context.handle(event, { messageId: incoming.messageId, receiveCount: incoming.receiveCount }),
        Date.now() + seconds * 1_000,
        () => new HandlerTimeoutError(`still running after ${seconds} s; its message is given back for redelivery`),
      );
      return { done: true };
    } catch (error) {
      const kind = failureKind(parsed, error);
      const reason = `${REASON_PREFIX[kind]}: ${describeError(error)}`;
      // An invalid event is still named by whatever id and type it carries, so the log line can be found.
      const eventId = clipped(event?.id ?? (typeof raw?.id === 'string' ? raw.id : undefined));
      const type = clipped(event?.type ?? (typeof raw?.type === 'string' ? raw.type : incoming.attributes.type));
      return settleFailure(context, incoming, kind, { consumer: context.name, messageId: incoming.messageId, eventId, type, traceparent: correlation.traceparent, receiveCount: incoming.receiveCount, reason });
    }
  });
}

class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
}

