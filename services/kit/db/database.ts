import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from '../logger';

export interface DatabaseOptions<S extends Record<string, unknown>> {
  /** A full URL; when absent node-postgres reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE. */
  readonly connectionString?: string;
  readonly schema: S;
  readonly poolMax?: number;
  readonly logger: Logger;
}

export interface Database<S extends Record<string, unknown>> {
  readonly db: NodePgDatabase<S>;
  readonly pool: pg.Pool;
  /** True when a trivial query answers within two seconds. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createDatabase<S extends Record<string, unknown>>(options: DatabaseOptions<S>): Database<S> {
  const pool = new pg.Pool({
    ...(options.connectionString ? { connectionString: options.connectionString } : {}),
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on('error', (error) => options.logger.warn(poolErrorFields(error), 'idle database connection failed'));
  const db = drizzle(pool, { schema: options.schema });
  let closed = false;
  return {
    db,
    pool,
    ping: async () => {
      const client = await pool.connect();
      try {
        await client.query({ text: 'SELECT 1', query_timeout: 2_000 } as pg.QueryConfig);
        return true;
      } finally {
        client.release();
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * What to log of a pool's 'error' event: the reason and the SQLSTATE. The error also carries the client it came
 * from (pg-pool sets `err.client`), which logged whole made a 3.6 KB line of connection internals.
 */
export function poolErrorFields(error: Error): { reason: string; code?: string } {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? { reason: error.message, code } : { reason: error.message };
}

/** PostgreSQL's SQLSTATE for a unique violation. */
export const UNIQUE_VIOLATION = '23505';

/** The unique constraint a failed statement violated, if that is why it failed. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  // drizzle wraps driver errors; the SQLSTATE sits on the cause.
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    const candidate = current as { code?: unknown; constraint?: unknown };
    if (candidate.code === UNIQUE_VIOLATION) return typeof candidate.constraint === 'string' ? candidate.constraint : '';
  }
  return undefined;
}
