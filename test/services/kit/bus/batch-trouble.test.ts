/**
 * The poll loop's pauses after batches that were not handled and settled (batch-trouble.ts): how long, how they
 * grow, and what starts them again from the base. settle-failures.test.ts runs them in a consumer against SQS.
 */
import { describe, expect, it } from 'vitest';
import { batchTrouble } from '../../../../services/kit/bus/batch-trouble';
import { captureLogs } from '../../../support/bus/logs';

const PAUSE = { base: 200, max: 800 };

async function timed(pause: Promise<void>): Promise<number> {
  const began = performance.now();
  await pause;
  return performance.now() - began;
}

describe('the poll loop\'s pause after a batch that went wrong', () => {
  it('when batches keep failing, then each pause is at least half the doubled backoff, and a batch handled and settled starts it again from the base', async () => {
    const trouble = batchTrouble(PAUSE, { ...captureLogs(), name: 'notes' });
    const signal = new AbortController().signal;
    const waited: number[] = [];
    for (let failed = 0; failed < 3; failed++) {
      trouble.failed();
      waited.push(await timed(trouble.pauseIfOwed(signal)));
    }
    // 200, 400, 800 ms at most; at least half (a timer may fire a millisecond early).
    expect(waited.map((ms, index) => ms >= (PAUSE.base * 2 ** index) / 2 - 2)).toEqual([true, true, true]);
    trouble.settled();
    trouble.failed();
    expect(trouble.count).toBe(1);
    // Not reset, it would owe the fourth step (800 ms, at least 400): the bound sits there, not near the 200 ms a
    // loaded CI host's timers can overshoot.
    expect(await timed(trouble.pauseIfOwed(signal))).toBeLessThan(PAUSE.base * 2);
  });

  it('when a pause was taken, then the next receive owes none until another batch fails', async () => {
    const trouble = batchTrouble(PAUSE, { ...captureLogs(), name: 'notes' });
    const signal = new AbortController().signal;
    trouble.failed();
    await trouble.pauseIfOwed(signal);
    // A second pause would be at least half the base (100 ms): the bound sits there, not at a tight 50 ms.
    expect(await timed(trouble.pauseIfOwed(signal))).toBeLessThan(PAUSE.base / 2);
  });

  it('when a batch throws unexpectedly, then it is logged at error and counts as a failed batch', async () => {
    const logs = captureLogs();
    const trouble = batchTrouble(PAUSE, { logger: logs.logger, name: 'notes' });
    trouble.unexpected(new Error('a bug'), 3);
    expect(trouble.count).toBe(1);
    expect(logs.lines).toMatchObject([{ level: 50, consumer: 'notes', messages: 3, failures: 1, err: { message: 'a bug' }, msg: 'processing a batch failed unexpectedly; its messages will be redelivered' }]);
  });
});
