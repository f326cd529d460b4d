/**
 * A consuming service's inbox pruning: entries past the retention are deleted every hour, and again a minute after
 * a run that deleted its maximum (INBOX_PRUNE_RUN_MAX, 100,000 entries), which left more behind. Once an hour alone,
 * a service handling more than about 28 events/s (the bus sustains 1,000) would add more entries each hour than a
 * run deletes, and its inbox would grow for ever.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { INBOX_RETENTION_DAYS } from '../../contracts/bus-topology';
import type { Logger } from '../logger';
import { INBOX_PRUNE_RUN_MAX, pruneInbox } from './handle-once';

/**
 * Handled event ids outlive any copy of their event: a dead letter's stay and its redriven copy's stay, each up to
 * the queues' retention (INBOX_RETENTION_DAYS says why, next to that retention).
 */
export const INBOX_RETENTION_MS = INBOX_RETENTION_DAYS * 24 * 3_600_000;

export interface InboxPruning {
  /** @default 3600000 */
  readonly intervalMs?: number;
  /** After a run that deleted its maximum. @default 60000 */
  readonly catchUpMs?: number;
}

/**
 * Starts pruning, the first run at once, as the outbox relay's: a service whose tasks are replaced more often than
 * hourly (deploys, scaling) would otherwise never prune. Returns the stop, which waits for a run under way, so the
 * pool can be closed after it.
 */
export function startInboxPruner(pool: pg.Pool, logger: Logger, timing: InboxPruning = {}): () => Promise<void> {
  const intervalMs = timing.intervalMs ?? 3_600_000;
  const catchUpMs = timing.catchUpMs ?? 60_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const after = (ms: number) => {
    if (!stopped) timer = setTimeout(() => (running = run()), ms).unref();
  };
  const run = async () => after((await pruneOldInbox(pool, logger)) >= INBOX_PRUNE_RUN_MAX ? catchUpMs : intervalMs);
  after(0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

/** How many entries it deleted; 0 when it failed (logged), to be tried again at the next interval. */
async function pruneOldInbox(pool: pg.Pool, logger: Logger): Promise<number> {
  try {
    const pruned = await pruneInbox(drizzle(pool), new Date(Date.now() - INBOX_RETENTION_MS));
    if (pruned > 0) logger.info({ pruned }, 'pruned handled event ids from the inbox');
    return pruned;
  } catch (error) {
    logger.warn({ err: error }, 'pruning the inbox failed; will try again');
    return 0;
  }
}
