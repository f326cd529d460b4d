/**
 * What becomes of a message whose handling failed, by why it failed. Most failures pass (a database failover, a
 * deploy under way), so the message waits a growing delay between receives and is dead-lettered, with its reason,
 * only on its last allowed one: about 18 minutes. A malformed message can never pass: waiting only delays the
 * dead-letter alarm, the operators' signal, by those 18 minutes and logs the same failure at every receive. So
 * it is dead-lettered at its first receive.
 */
import { z } from 'zod';
import { CatalogueMismatchError } from '../../contracts/events';
import { backoffDelay, type Backoff } from './backoff';
import { forwardToDeadLetter, type DeadLetterTarget } from './forward-dead-letter';
import type { IncomingMessage } from './incoming';
import type { QueueAccess } from './settle-messages';

/**
 * - `malformed`: no consumer of any release can read it: its body is not JSON (JSON.parse's SyntaxError), or not a
 *   CloudEvents 1.0 envelope (the consumer's parse throws a ZodError). Dead-lettered at once. Anything else its
 *   parse throws (a bug in a refinement, say) is no proof of that: it is retried, as a failed handler is.
 * - `invalid`: a well-formed event this consumer's catalogue refuses (CatalogueMismatchError: an unknown type, data
 *   its schema refuses). A consumer of another release may take it, so it is retried like a failed handler.
 * - `handler`: its handler threw or timed out: the database down, a bug. Retried.
 */
export type FailureKind = 'malformed' | 'invalid' | 'handler';

export function failureKind(parsed: boolean, error: unknown): FailureKind {
  if (parsed) return 'handler';
  if (error instanceof CatalogueMismatchError) return 'invalid';
  return error instanceof SyntaxError || error instanceof z.ZodError ? 'malformed' : 'handler';
}

/** The dead letter's reason starts with it, and so does every failure line's. */
export const REASON_PREFIX: Readonly<Record<FailureKind, string>> = {
  malformed: 'malformed message',
  invalid: 'invalid event',
  handler: 'handler failed',
};

export type Outcome = { readonly done: true } | { readonly done: false; readonly delaySeconds: number };

export interface FailureContext extends QueueAccess {
  readonly deadLetter: DeadLetterTarget | undefined;
  readonly retry: Backoff;
}

export async function settleFailure(
  context: FailureContext,
  incoming: IncomingMessage,
  kind: FailureKind,
  details: { readonly reason: string } & Record<string, unknown>,
): Promise<Outcome> {
  const { deadLetter } = context;
  // With no dead-letter queue, a malformed message waits out the backoff too, rather than spin at every receive.
  if (!deadLetter || (kind !== 'malformed' && incoming.receiveCount < deadLetter.maxReceiveCount)) {
    const delaySeconds = Math.round(backoffDelay(context.retry, incoming.receiveCount));
    context.logger.warn({ ...details, retryInSeconds: delaySeconds }, 'event failed; it will be redelivered');
    return { done: false, delaySeconds };
  }
  try {
    await forwardToDeadLetter(context.sqs, deadLetter, incoming, context.name, details.reason);
    context.logger.error(details, kind === 'malformed' ? 'malformed message dead-lettered; it is never retried' : 'event dead-lettered');
    return { done: true };
  } catch (error) {
    // Given back at once: the redrive policy moves it, as sent but without the reason, once its receives are spent
    // (at once for a malformed one: each quick receive tries forwarding it again).
    context.logger.error({ ...details, err: error }, kind === 'malformed' ? 'dead-lettering a malformed message failed; it is given back at once' : 'event failed for the last time; dead-lettering it failed');
    return { done: false, delaySeconds: 0 };
  }
}
