/**
 * One relay step: claim a batch of unsent rows, publish them, mark what SNS accepted, all in one transaction.
 * `FOR UPDATE SKIP LOCKED` lets replicas work side by side on different rows; a row is never published by two
 * of them at once. A crash after publishing and before commit publishes those rows again later: the consumers'
 * inbox absorbs that (at-least-once).
 */
import type pg from 'pg';
import type { Backoff } from '../bus/backoff';
import type { OutgoingMessage, PublishOutcome, Publisher } from '../bus/publisher';

export interface StepResult {
  readonly claimed: number;
  readonly published: number;
  readonly failed: number;
  /** The first few rows SNS rejected one by one, and why, for the relay's line: the seq is what an operator acts on. */
  readonly rejected: readonly Rejection[];
  /** Of `failed`, the rows that can never be published (too long), now marked failed for good; the first few of them. */
  readonly abandoned: readonly Rejection[];
  /** A whole publish call failed (SNS unreachable): the relay backs off before the next step. */
  readonly callError?: unknown;
}

export interface Rejection {
  readonly seq: string;
  readonly type: string;
  readonly reason: string;
}

interface Row {
  readonly seq: string;
  readonly type: string;
  readonly payload: unknown;
  readonly request_id: string | null;
  readonly traceparent: string | null;
}

// Simple-protocol statements joined into one round trip each: claim = BEGIN + SELECT, finish = UPDATE + COMMIT.
// Losing a "sent" mark in a crash only means publishing those rows again, which consumers absorb; so the commit
// need not wait for the WAL flush, and the relay adds no fsync per event.
const claim = (limit: number) => `
  BEGIN; SET LOCAL synchronous_commit TO OFF;
  SELECT seq, type, payload, request_id, traceparent FROM outbox
  WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
  ORDER BY seq LIMIT ${Math.floor(limit)}
  FOR UPDATE SKIP LOCKED`;

// The keys are the bigint seqs read above, checked to be digits before they are inlined.
const markSentAndCommit = (seqs: readonly string[]) => {
  if (!seqs.every((seq) => /^\d+$/.test(seq))) throw new Error(`unexpected outbox keys: ${seqs.join(', ')}`);
  return `UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL
    WHERE seq = ANY('{${seqs.join(',')}}'::bigint[]); COMMIT`;
};

// A rejected row waits base·2^attempts ms (capped) so it cannot hold back the rows behind it. An unreachable SNS
// does not push rows back: the relay as a whole backs off instead, and resumes in order when SNS returns. A row
// that can never be published (permanent) gets failed_at and is never claimed again: retried, it would fail every
// 30 s for ever.
const MARK_FAILED = `
  UPDATE outbox AS o SET attempts = o.attempts + 1, last_error = f.reason,
    failed_at = CASE WHEN f.permanent THEN now() END,
    next_attempt_at = CASE WHEN $3 THEN now()
      ELSE now() + least($5::float8, $4::float8 * power(2, least(o.attempts, 30))) * interval '1 millisecond' END
  FROM unnest($1::bigint[], $2::text[], $6::boolean[]) AS f(seq, reason, permanent)
  WHERE o.seq = f.seq`;

/** Enough to act on, few enough that the line stays far below the log driver's 16 KB. */
const REJECTIONS_NAMED = 5;

export async function publishPending(pool: pg.Pool, publisher: Publisher, batchSize: number, retryMs: Backoff): Promise<StepResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    const claimed = (await client.query(claim(batchSize))) as unknown as Array<pg.QueryResult<Row>>;
    const rows = claimed.at(-1)?.rows ?? [];
    if (rows.length === 0) {
      await client.query('COMMIT');
      return { claimed: 0, published: 0, failed: 0, rejected: [], abandoned: [] };
    }
    const outcome = await publisher.publish(rows.map(toMessage));
    if (outcome.failed.length > 0) {
      const seqs = outcome.failed.map((failure) => failure.key);
      const reasons = outcome.failed.map((failure) => failure.reason.slice(0, 1_000));
      const permanent = outcome.failed.map((failure) => failure.permanent === true);
      await client.query(MARK_FAILED, [seqs, reasons, outcome.callError !== undefined, retryMs.base, retryMs.max, permanent]);
    }
    await client.query(outcome.published.length > 0 ? markSentAndCommit(outcome.published) : 'COMMIT');
    const typeOf = new Map(rows.map((row) => [row.seq, row.type]));
    const named = (failures: PublishOutcome['failed']) =>
      failures.slice(0, REJECTIONS_NAMED).map(({ key, reason }) => ({ seq: key, type: typeOf.get(key) ?? '', reason: reason.slice(0, 300) }));
    return {
      claimed: rows.length,
      published: outcome.published.length,
      failed: outcome.failed.length,
      rejected: named(outcome.failed.filter((failure) => !failure.permanent)),
      abandoned: named(outcome.failed.filter((failure) => failure.permanent)),
      ...(outcome.callError === undefined ? {} : { callError: outcome.callError }),
    };
  } catch (error) {
    // A failed ROLLBACK means the connection itself is gone: discard it rather than return it to the pool.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}

function toMessage(row: Row): OutgoingMessage {
  return {
    key: row.seq,
    type: row.type,
    body: JSON.stringify(row.payload),
    correlation: {
      ...(row.request_id ? { requestId: row.request_id } : {}),
      ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    },
  };
}
