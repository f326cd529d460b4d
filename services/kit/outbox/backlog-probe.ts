/**
 * Reports how long the oldest unsent outbox row has waited, as a metric (OUTBOX_BACKLOG_METRIC), every 30 s,
 * 0 included. A relay that cannot publish (SNS permissions broken by a deploy, throttling, a poison row, the relay
 * itself stuck) only logs and retries; this number grows meanwhile, and its alarm pages someone.
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
  /** One report: writes the metric line and returns the age, or logs a warning and returns undefined when the database did not answer. */
  report(): Promise<number | undefined>;
}

/**
 * The first unsent row in `seq` order, read from the partial index `outbox_unsent_idx` (seq WHERE sent_at IS NULL,
 * services/kit/outbox/schema.ts) that the relay claims from: one index entry, however long the backlog, where
 * min(created_at) would read every unsent row just when there are most. `seq` is the insert order and `created_at`
 * the inserting transaction's start, so this is the oldest row to within one transaction's length. A row SNS
 * rejected keeps its `seq` while it waits to be retried, and a row failed for good (`failed_at`: too big for SNS) is
 * still unsent, so either keeps the age growing, and its alarm on, until someone acts. Both times are the
 * database's clock, so no clock skew between task and database enters the age.
 */
export const OLDEST_UNSENT_AGE = `
  SELECT coalesce(
    (SELECT floor(extract(epoch FROM now() - created_at)) FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1),
    0)::float8 AS age_seconds`;

/** A hung database must not hold the service's shutdown, which waits for the report under way. */
const QUERY_TIMEOUT_MS = 5_000;

export function createOutboxBacklogProbe(options: OutboxBacklogProbeOptions): OutboxBacklogProbe {
  const intervalMs = options.intervalMs ?? OUTBOX_BACKLOG_METRIC.reportEverySeconds * 1_000;
  const write = options.write ?? writeToStdout;
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;

  async function report(): Promise<number | undefined> {
    try {
      const { rows } = await options.pool.query<{ age_seconds: number }>({ text: OLDEST_UNSENT_AGE, query_timeout: QUERY_TIMEOUT_MS } as pg.QueryConfig);
      const age = Math.max(0, rows[0]?.age_seconds ?? 0);
      write(metricLine(age));
      return age;
    } catch (error) {
      // No number rather than a made-up one: the minute stays empty, which the alarm counts too (docs/events.md).
      options.logger.warn({ reason: describeError(error) }, 'outbox backlog probe failed; will try again');
      return undefined;
    }
  }

  function metricLine(age: number): string {
    const { namespace, name, unit, dimensions } = OUTBOX_BACKLOG_METRIC;
    return emfLine({
      namespace,
      name,
      unit,
      value: age,
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
