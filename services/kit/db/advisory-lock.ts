/**
 * Session-level advisory locks, taken by the migrations (one migrator per service) and the provisioning (one
 * provisioner per role): a bounded wait, and who holds the lock when it is not free.
 */
import type pg from 'pg';

/** PostgreSQL's SQLSTATE for a wait cut short by lock_timeout. */
export const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Takes the advisory lock `lockName`, waiting at most `waitMs` for it (lock_timeout bounds advisory locks too), then
 * failing with `<refusal> within <waitMs> ms: it is held by <holder>`. `onWait` hears of the holder once, when the
 * lock is not free at first.
 */
export async function takeAdvisoryLock(client: pg.ClientBase, lockName: string, waitMs: number, refusal: string, onWait?: (holder: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockName]);
  if (rows[0]?.locked) return;
  onWait?.(await lockHolder(client, lockName));
  // At least 1 ms: 0 would mean no limit at all.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.round(waitMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockName]);
  } catch (error) {
    if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
    throw new Error(`${refusal} within ${waitMs} ms: it is held by ${await lockHolder(client, lockName)}`, { cause: error });
  } finally {
    // Never in place of the refusal above: the session is being given up anyway when this fails.
    await client.query('RESET lock_timeout').catch(() => {});
  }
}

/**
 * Who holds the advisory lock in this database: pid, application, address and since when, from pg_locks and
 * pg_stat_activity. pg_locks lists every database's locks, and the same name is the same key in each: another
 * database's holder (another test's, another service's on a shared server) would be named instead.
 */
export async function lockHolder(client: pg.ClientBase, lockName: string): Promise<string> {
  const { rows } = await client.query<{ pid: number; app: string; addr: string | null; since: Date | null; state: string | null }>(
    `SELECT a.pid, a.application_name AS app, a.client_addr::text AS addr, a.backend_start AS since, a.state
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext($1)::bigint & 4294967295)::oid
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [lockName],
  );
  const holder = rows[0];
  if (!holder) return 'a session that has just let it go';
  const app = holder.app ? `"${holder.app}"` : 'an unnamed application';
  return `backend pid ${holder.pid} (${app}${holder.addr ? ` from ${holder.addr}` : ''}, connected since ${holder.since?.toISOString() ?? '?'}, ${holder.state ?? 'state unknown'})`;
}
