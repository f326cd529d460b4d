/** What an operator asks of an outbox: how much is waiting, since when, and why it is stuck if it is. */
import type pg from 'pg';

export interface OutboxStatus {
  readonly pending: number;
  readonly oldestUnsentAt: Date | null;
  /** Unsent rows that failed at least once. */
  readonly retrying: number;
  readonly lastError: string | null;
  readonly sent: number;
}

const STATUS = `
  SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS pending,
         min(created_at) FILTER (WHERE sent_at IS NULL) AS oldest_unsent_at,
         count(*) FILTER (WHERE sent_at IS NULL AND attempts > 0)::int AS retrying,
         count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
         (SELECT last_error FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL ORDER BY seq DESC LIMIT 1) AS last_error
  FROM outbox`;

export async function outboxStatus(pool: pg.Pool | pg.Client): Promise<OutboxStatus> {
  const { rows } = await pool.query<{
    pending: number;
    oldest_unsent_at: Date | null;
    retrying: number;
    sent: number;
    last_error: string | null;
  }>(STATUS);
  const row = rows[0];
  return {
    pending: row?.pending ?? 0,
    oldestUnsentAt: row?.oldest_unsent_at ?? null,
    retrying: row?.retrying ?? 0,
    lastError: row?.last_error ?? null,
    sent: row?.sent ?? 0,
  };
}
