/**
 * Whether an error says the database cannot serve right now (down, restarting, failing over, unreachable, out of
 * connections, or a statement stopped at its time limit) rather than a fault in the request or the code: the
 * first is a 503 (UNAVAILABLE over gRPC) that a client may retry, the second a 500. Only the database's own errors
 * count: a server's SQLSTATE (a pg.DatabaseError), node-postgres' words for a connection it lost, or a connection
 * the pool could not open (marked by pool.ts). A network error of another dependency (Cognito, SQS) does not.
 */
import pg from 'pg';

/**
 * Set by the pool on the error of a connection that failed it: one it could not open (refused, timed out,
 * unreachable), or one it gave up on in use (silent for too long: pool.ts).
 */
const DATABASE_CONNECT_FAILED = Symbol.for('platform.database.connect-failed');

/**
 * admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, query_canceled (statement_timeout),
 * and the connection exceptions but protocol_violation (08P01), which a statement with the wrong number of
 * parameters also raises: a bug, not an outage.
 */
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '53300', '57014', '08000', '08001', '08003', '08004', '08006']);
/** node-postgres' own words for a connection it lost, or one a closed pool can no longer give. */
const PG_CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Cannot use a pool after calling end on the pool)/;

/** The error and its causes (drizzle wraps the driver's error in `cause`), a few levels deep. */
function* causeChain(error: unknown): Generator<object> {
  let at = error;
  for (let depth = 0; depth <= 4 && typeof at === 'object' && at !== null; depth += 1) {
    yield at;
    at = (at as { cause?: unknown }).cause;
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const link of causeChain(error)) {
    // The server's own error decides; nothing under it is another outage.
    if (link instanceof pg.DatabaseError) return link.code !== undefined && UNAVAILABLE_SQLSTATES.has(link.code);
    if ((link as Record<symbol, unknown>)[DATABASE_CONNECT_FAILED] === true) return true;
    const { message } = link as { message?: unknown };
    if (typeof message === 'string' && PG_CONNECTION_LOST.test(message)) return true;
  }
  return false;
}

/** Marks `error` as the pool's failure to open a connection; returns it. */
export function markConnectFailed<E>(error: E): E {
  if (typeof error === 'object' && error !== null) Object.defineProperty(error, DATABASE_CONNECT_FAILED, { value: true });
  return error;
}

/** Marks `error` as a connection the pool gave up on while in use (pool.ts, silentConnectionMs): no database answer. */
export const markConnectionLost = markConnectFailed;

/**
 * A statement stopped at the app role's statement_timeout (57014): answered 503 like an outage, yet more often a
 * release's slow query than the database's trouble, so the deployment alarm counts it (services/contracts/server-faults.ts).
 */
export function isStatementTimeout(error: unknown): boolean {
  const server = [...causeChain(error)].find((link) => link instanceof pg.DatabaseError);
  return (server as pg.DatabaseError | undefined)?.code === '57014';
}
