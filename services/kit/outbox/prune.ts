/** Deletes sent outbox rows older than the retention, in bounded chunks so no statement runs long. */
import type pg from 'pg';

const CHUNK = 1_000;
const MAX_CHUNKS = 100;
/** The most one call deletes; a call that deleted this many left more behind. */
export const OUTBOX_PRUNE_RUN_MAX = CHUNK * MAX_CHUNKS;

const PRUNE = `
  DELETE FROM outbox WHERE seq IN (
    SELECT seq FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - $1::float8 * interval '1 millisecond'
    ORDER BY sent_at LIMIT ${CHUNK})`;

/** Returns how many rows it deleted. */
export async function pruneOutbox(pool: pg.Pool, retentionMs: number): Promise<number> {
  let total = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const { rowCount } = await pool.query(PRUNE, [retentionMs]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < CHUNK) break;
  }
  return total;
}
