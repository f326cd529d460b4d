/**
 * Reports how long the oldest pending outbox row has waited, and how many rows failed for good, as metrics
 * (OUTBOX_BACKLOG_METRIC), every 30 s, 0 included. A relay that cannot publish (SNS permissions broken by a deploy,
 * throttling, a rejected row, the relay itself stuck) only logs and retries; the age grows meanwhile, and its alarm
 * pages someone. A row the relay will never send (failed_at) pages once through its own count instead.
 */
import type pg from 'pg';
import { OUTBOX_BACKLOG_METRIC } from '../../contracts/outbox-backlog';
import { sleep } from '../bus/backoff';
import { describeError } from '../bus/describe-error';
import type { Logger } from '../logger';
import { emfLine, writeToStdout } from '../metrics/emf';

export interface OutboxBacklogProbeOptions {
  /** The relay's pool: one short query every 30 s needs no connection of its own. */
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** The metric's Service dimension: the service's name, as in SERVICES. */
  readonly service: string;
  /** The metric's BusPrefix dimension: the service's BUS_PREFIX. */
  readonly busPrefix: string;
  /** @default OUTBOX_BACKLOG_METRIC.reportEverySeconds, in ms */
  readonly intervalMs?: number;
  /** Where the metric lines go. @default stdout, which the task's log driver sends to CloudWatch Logs */
  readonly write?: (line: string) => void;
}

export interface OutboxBacklogProbe {
  /** Reports at once, then every interval, until stop(). */
  start(): void;
  /** Ends the wait; a report under way finishes first, so the pool can be closed after. */
  stop(): Promise<void>;
  /** One report: writes the metric line and returns what it says, or logs a warning and returns undefined when the database did not answer. */
  report(): Promise<OutboxBacklog | undefined>;
}

export interface OutboxBacklog {
  /** Seconds since the oldest pending row (unsent, not failed) was written; 0 when none. */
  readonly ageSeconds: number;
  /** Unsent rows failed for good (failed_at). */
  readonly failed: number;
}

/**
 * Both figures in one round trip, each read from a partial index (services/kit/outbox/schema.ts), never the table.
 *
 * The age: the first pending row in `seq` order, from `outbox_unsent_idx` (seq WHERE sent_at IS NULL), which the
 * relay claims from too: one index entry, however long the backlog, where min(created_at) would read every unsent
 * row just when there are most. A failed row on the way is read and passed over: enqueue() keeps such rows from
 * being written, so there are none but a producer's bug's, and a narrower index would leave the previous release's
 * claim with none during a rolling deploy (schema.ts). `seq` is the insert order and `created_at` the inserting
 * transaction's start, so this is the oldest row to within one transaction's length. A row SNS rejected keeps its
 * `seq` while it waits to be retried, so it keeps the age growing, and its alarm on, until it goes out. A row failed
 * for good does not: the relay will never send it, so it would hold the alarm on for ever, and while that alarm is on
 * a new outage of the relay cannot page. Both times are the database's clock, so no clock skew enters the age.
 *
 * The count: the entries of `outbox_failed_idx` (WHERE failed_at IS NOT NULL AND sent_at IS NULL), empty but for a
 * producer's bug, so counting them costs nothing.
 */
export const OUTBOX_BACKLOG = `
  SELECT coalesce(
    (SELECT floor(extract(epoch FROM now() - created_at)) FROM outbox
      WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY seq LIMIT 1),
    0)::float8 AS age_seconds,
    (SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL AND sent_at IS NULL)::float8 AS failed`;

/** A hung database must not hold the service's shutdown, which waits for the report under way. */
const QUERY_TIMEOUT_MS = 5_000;

export function createOutboxBacklogProbe(options: OutboxBacklogProbeOptions): OutboxBacklogProbe {
  const intervalMs = options.intervalMs ?? OUTBOX_BACKLOG_METRIC.reportEverySeconds * 1_000;
  const write = options.write ?? writeToStdout;
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;

  async function report(): Promise<OutboxBacklog | undefined> {
    try {
      const { rows } = await options.pool.query<{ age_seconds: number; failed: number }>({ text: OUTBOX_BACKLOG, query_timeout: QUERY_TIMEOUT_MS } as pg.QueryConfig);
      const backlog = { ageSeconds: Math.max(0, rows[0]?.age_seconds ?? 0), failed: rows[0]?.failed ?? 0 };
      write(metricLine(backlog));
      return backlog;
    } catch (error) {
      // No number rather than a made-up one: the minute stays empty, which the age's alarm counts too (docs/events.md).
      options.logger.warn({ reason: describeError(error) }, 'outbox backlog probe failed; will try again');
      return undefined;
    }
  }

  function metricLine({ ageSeconds, failed }: OutboxBacklog): string {
    const { namespace, name, unit, failed: failedMetric, dimensions } = OUTBOX_BACKLOG_METRIC;
    return emfLine({
      namespace,
      // One line, so the two are never out of step: a minute has both or neither.
      metrics: [{ name, unit, value: ageSeconds }, { ...failedMetric, value: failed }],
      dimensions: { [dimensions.service]: options.service, [dimensions.busPrefix]: options.busPrefix },
      fields: { service: options.service, msg: 'outbox backlog' },
    });
  }

  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await report();
      await sleep(intervalMs, signal);
    }
  }

  return {
    report,
    start() {
      if (loop) return;
      stopping = new AbortController();
      loop = run(stopping.signal);
    },
    async stop() {
      stopping?.abort();
      await loop;
      loop = undefined;
    },
  };
}
