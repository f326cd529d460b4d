/**
 * pg-pool's end() resolves once it has asked each connection to close, not once they have: the server still holds
 * their sessions for a moment. A step that promises no session is left (a migration answering CloudFormation, the
 * sessions it terminated) waits for them to be gone.
 */
import type pg from 'pg';

/** Returns the pool's end, resolving once every connection it opened has closed and the server has let it go. */
export function endOnceClosed(pool: pg.Pool): () => Promise<void> {
  const open = new Set<pg.Client>();
  // 'remove' comes after the client's own end has seen its socket close, so after the server ended the session.
  pool.on('connect', (client) => open.add(client));
  pool.on('remove', (client) => open.delete(client));
  // Registered after the delete above, so it sees the set as that removal left it.
  const allClosed = new Promise<void>((resolve) => pool.on('remove', () => open.size === 0 && resolve()));
  return async () => {
    await pool.end();
    if (open.size > 0) await allClosed;
  };
}
