/**
 * The poll loop's count of batches in a row that were not both handled and settled, and the pause it owes for them.
 * A batch SQS takes back but will not let go of (DeleteMessageBatch or ChangeMessageVisibilityBatch refused: a
 * permission taken away, throttling) used to be followed at once by the next: the consumer went through its backlog
 * at full speed, each message coming back every visibility timeout to be handled again and refused again, raising
 * receive counts towards the dead-letter queue and the calls on an SQS already failing.
 */
import type { Logger } from '../logger';
import { backoffDelay, jittered, sleep, type Backoff } from './backoff';

/**
 * Writes a line of the poll loop, if the log sink can: a throw from a broken one would end the loop, which nothing
 * restarts, and the service would stay up consuming nothing.
 */
export function ifLogged(write: () => void): void {
  try {
    write();
  } catch {
    // Nothing more can be said where the log is what failed.
  }
}

export interface BatchTrouble {
  /** Batches in a row that went wrong; 0 once one was handled and settled. */
  readonly count: number;
  /** A batch threw, or SQS refused some of its deletes or visibility changes: the loop pauses before its next receive. */
  failed(): void;
  /**
   * processBatch or its settling threw what they do not expect (a bug, a logger that throws). That rejected the loop's
   * promise, which nobody awaits before stop(): the process died of an unhandled rejection, or, where something
   * handles those, the service stayed up and healthy with nothing consuming. It is logged at error and counts as a
   * failed batch; the batch's messages come back when their visibility lapses.
   */
  unexpected(error: unknown, messages: number): void;
  /** A batch was handled and its messages settled: the backoff starts again from its base. */
  settled(): void;
  /** Sleeps the owed pause, if one is owed (the backoff by count, jittered); a stop cuts it short. */
  pauseIfOwed(signal: AbortSignal): Promise<void>;
}

export function batchTrouble(pause: Backoff, log: { readonly logger: Logger; readonly name: string }): BatchTrouble {
  let count = 0;
  let owed = false;
  const failed = () => {
    count++;
    owed = true;
  };
  return {
    get count() {
      return count;
    },
    failed,
    unexpected(error, messages) {
      failed();
      ifLogged(() => log.logger.error({ consumer: log.name, err: error, messages, failures: count }, 'processing a batch failed unexpectedly; its messages will be redelivered'));
    },
    settled() {
      count = 0;
    },
    async pauseIfOwed(signal) {
      if (!owed) return;
      owed = false;
      await sleep(jittered(backoffDelay(pause, count)), signal);
    },
  };
}
