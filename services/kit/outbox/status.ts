/** What an operator asks of an outbox: how much is waiting, since when, and why it is stuck if it is. */
import type pg from 'pg';

export interface OutboxStatus {
  /** Unsent rows the relay will still try to publish. */
  readonly pending: number;
  /** When the oldest pending row was written: what the backlog metric (OldestUnsentAge) measures. Failed rows wait for
   * an operator, not for the relay, so they are counted under `failed` and do not age the backlog. */
  readonly oldestPendingAt: Date | null;
  /** Pending rows that failed at least once. */
  readonly retrying: number;
  /** The newest retrying row's error. */
  readonly lastError: string | null;
  /** Rows the relay found it can never publish (failed_at): never retried, waiting for an operator's decision. */
  readonly failed: number;
  /** The newest failed row's seq and error, what the operator acts on. */
  readonly lastFailure: { readonly seq: string; readonly error: string | null } | null;
  readonly sent: number;
}

const STATUS = `
  SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL)::int AS pending,
         min(created_at) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS oldest_pending_at,
         count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL AND attempts > 0)::int AS retrying,
         count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NOT NULL)::int AS failed,
         count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
         (SELECT last_error FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND last_error IS NOT NULL ORDER BY seq DESC LIMIT 1) AS last_error,
         (SELECT json_build_object('seq', seq::text, 'error', last_error) FROM outbox
            WHERE sent_at IS NULL AND failed_at IS NOT NULL ORDER BY seq DESC LIMIT 1) AS last_failure
  FROM outbox`;

export async function outboxStatus(pool: pg.Pool | pg.Client): Promise<OutboxStatus> {
  const { rows } = await pool.query<{
    pending: number;
    oldest_pending_at: Date | null;
    retrying: number;
    failed: number;
    sent: number;
    last_error: string | null;
    last_failure: { seq: string; error: string | null } | null;
  }>(STATUS);
  const row = rows[0];
  return {
    pending: row?.pending ?? 0,
    oldestPendingAt: row?.oldest_pending_at ?? null,
    retrying: row?.retrying ?? 0,
    lastError: row?.last_error ?? null,
    failed: row?.failed ?? 0,
    lastFailure: row?.last_failure ?? null,
    sent: row?.sent ?? 0,
  };
}
