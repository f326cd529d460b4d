/**
 * The poll loop's count of batches in a row that were not both handled and settled, and the pause it owes for them.
 * A batch SQS takes back but will not let go of (DeleteMessageBatch or ChangeMessageVisibilityBatch refused: a
 * permission taken away, throttling) used to be followed at once by the next: the consumer went through its backlog
 * at full speed, each message coming back every visibility timeout to be handled again and refused again, raising
 * receive counts towards the dead-letter queue and the calls on an SQS already failing.
 */
import { backoffDelay, jittered, sleep, type Backoff } from './backoff';

export interface BatchTrouble {
  /** Batches in a row that went wrong; 0 once one was handled and settled. */
  readonly count: number;
  /** A batch threw, or SQS refused some of its deletes or visibility changes: the loop pauses before its next receive. */
  failed(): void;
  /** A batch was handled and its messages settled: the backoff starts again from its base. */
  settled(): void;
  /** Sleeps the owed pause, if one is owed (the backoff by count, jittered); a stop cuts it short. */
  pauseIfOwed(signal: AbortSignal): Promise<void>;
}

export function batchTrouble(pause: Backoff): BatchTrouble {
  let count = 0;
  let owed = false;
  return {
    get count() {
      return count;
    },
    failed() {
      count++;
      owed = true;
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
