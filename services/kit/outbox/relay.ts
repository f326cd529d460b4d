/**
 * The outbox relay: publishes committed outbox rows and marks them sent. Woken right after a transaction of
 * this process wrote outbox rows (signal.ts), with a periodic sweep as a backstop for everything else. While SNS is unreachable it retries with
 * capped backoff; the rows simply wait, so nothing is lost. Sent rows are pruned after a retention period.
 */
import type pg from 'pg';
import type { Logger } from '../logger';
import { backoffDelay, sleep, type Backoff } from '../bus/backoff';
import { describeError } from '../bus/describe-error';
import type { Publisher } from '../bus/publisher';
import { OUTBOX_PRUNE_RUN_MAX, pruneOutbox } from './prune';
import { publishPending } from './publish-pending';
import { onOutboxWritten } from './signal';

export interface OutboxRelayOptions {
  /** Best its own small pool (2 connections), so it never waits behind the service's request traffic. */
  readonly pool: pg.Pool;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** Rows claimed per transaction. */
  readonly batchSize?: number;
  /** The backstop (rows of other processes, missed signals): how often to look without being woken. */
  readonly sweepIntervalMs?: number;
  /** Pause after a failed publish call or database error, in ms. */
  readonly retryMs?: Backoff;
  readonly retentionMs?: number;
  readonly pruneIntervalMs?: number;
  /**
   * The pause after a pruning run that deleted its maximum (OUTBOX_PRUNE_RUN_MAX, 100,000 rows) and so left more
   * behind: at 500 events/s, 1.8 million rows pass the retention each hour, and one run an hour would let the table
   * grow for ever. @default 60000
   */
  readonly pruneCatchUpMs?: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Finishes the step in progress, then stops. */
  stop(): Promise<void>;
  /** Publish now; enqueue() does this by itself after the commit. */
  wake(): void;
}

/** Steps per wake-up before the loop yields to the sweep timer; bounds one drain. */
const MAX_STEPS_PER_DRAIN = 1_000;

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 100;
  const retryMs = options.retryMs ?? { base: 100, max: 30_000 };
  const retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
  let running = false;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  let stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let nextPruneAt = 0;

  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  /** Publishes until a step comes back short; returns the failure of a step, if one failed. */
  async function drain(): Promise<unknown> {
    for (let step = 0; step < MAX_STEPS_PER_DRAIN && running; step++) {
      const result = await publishPending(options.pool, options.publisher, batchSize, retryMs);
      // An event its consumers will never see unless someone acts: error, once, where a retry would warn every 30 s.
      // Before a failed call's return: such a row is marked failed even then, and never claimed (so named) again.
      if (result.abandoned.length > 0) options.logger.error({ abandoned: result.abandoned }, 'outbox events can never be published; marked failed, not retried');
      if (result.callError !== undefined) return result.callError;
      if (result.rejected.length > 0) options.logger.warn({ failed: result.failed, rejected: result.rejected }, 'SNS rejected some outbox events; they will be retried');
      if (result.claimed < batchSize) return undefined;
    }
    woken = true; // more to do: go round again without waiting for the sweep
    return undefined;
  }

  async function run(): Promise<void> {
    for (let failures = 0; running; ) {
      woken = false;
      const failure = await drain().catch((error: unknown) => error);
      if (failure !== undefined) {
        failures++;
        const pauseMs = backoffDelay(retryMs, failures);
        options.logger.warn({ reason: describeError(failure), failures, pauseMs }, 'outbox relay cannot publish; retrying');
        await sleep(pauseMs, stopping.signal);
        continue;
      }
      failures = 0;
      await pruneWhenDue();
      if (!woken) await waitForWake();
    }
  }

  async function pruneWhenDue(): Promise<void> {
    if (Date.now() < nextPruneAt) return;
    nextPruneAt = Date.now() + (options.pruneIntervalMs ?? 3_600_000);
    const pruned = await pruneOutbox(options.pool, retentionMs).catch((error: unknown) => {
      options.logger.warn({ reason: describeError(error) }, 'pruning the outbox failed');
      return 0;
    });
    if (pruned > 0) options.logger.info({ pruned }, 'pruned sent outbox rows');
    if (pruned >= OUTBOX_PRUNE_RUN_MAX) nextPruneAt = Date.now() + (options.pruneCatchUpMs ?? 60_000);
  }

  function waitForWake(): Promise<void> {
    const woke = new AbortController();
    wakeUp = () => woke.abort();
    return sleep(options.sweepIntervalMs ?? 1_000, AbortSignal.any([woke.signal, stopping.signal])).finally(() => {
      wakeUp = undefined;
    });
  }

  return {
    wake,
    async start() {
      if (running) return;
      running = true;
      stopping = new AbortController();
      unsubscribe = onOutboxWritten(wake);
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      stopping.abort();
      unsubscribe?.();
      await loop;
    },
  };
}
