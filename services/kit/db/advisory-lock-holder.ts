import type pg from 'pg';

/** Who holds the advisory lock: pid, application, address and since when, from pg_locks and pg_stat_activity. */
export async function lockHolder(client: pg.ClientBase, lockName: string): Promise<string> {
  const { rows } = await client.query<{ pid: number; app: string; addr: string | null; since: Date | null; state: string | null }>(
    `SELECT a.pid, a.application_name AS app, a.client_addr::text AS addr, a.backend_start AS since, a.state
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext($1)::bigint & 4294967295)::oid`,
    [lockName],
  );
  const holder = rows[0];
  if (!holder) return 'a session that has just let it go';
  const app = holder.app ? `"${holder.app}"` : 'an unnamed application';
  return `backend pid ${holder.pid} (${app}${holder.addr ? ` from ${holder.addr}` : ''}, connected since ${holder.since?.toISOString() ?? '?'}, ${holder.state ?? 'state unknown'})`;
}
