import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Logger } from '../logger';
import type { PasswordSource } from './password-source';
import { createPool } from './pool';

export { poolErrorFields } from './pool';

export interface DatabaseOptions<S extends Record<string, unknown>> {
  /** A full URL; when absent node-postgres reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE. */
  readonly connectionString?: string;
  /** Where new connections get their password (IAM tokens, a file); absent, the URL's or PGPASSWORD's. */
  readonly password?: PasswordSource;
  readonly schema: S;
  readonly poolMax?: number;
  /** See PoolSettings.maxLifetimeSeconds. @default 900 */
  readonly maxLifetimeSeconds?: number;
  /** See PoolSettings.silentConnectionMs. @default SILENT_CONNECTION_MS */
  readonly silentConnectionMs?: number;
  readonly logger: Logger;
}

export interface Database<S extends Record<string, unknown>> {
  readonly db: NodePgDatabase<S>;
  readonly pool: pg.Pool;
  /** True when a trivial query answers within two seconds. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A running service's statements end within the app role's 20 s statement_timeout (provision.ts) and its pool closes
 * a connection idle for 30 s, so a connection silent for 45 s has lost its server. A service that logs in as its
 * database's owner (no app role: a DATABASE_URL of your own) has no statement_timeout: one of its statements that
 * runs silent past 45 s is given up here too, which a web request should never need. Its migrations lift the limit.
 */
export const SILENT_CONNECTION_MS = 45_000;

export function createDatabase<S extends Record<string, unknown>>(options: DatabaseOptions<S>): Database<S> {
  const pool = createPool(
    {
      ...(options.connectionString ? { connectionString: options.connectionString } : {}),
      ...(options.password ? { password: options.password } : {}),
      ...(options.maxLifetimeSeconds === undefined ? {} : { maxLifetimeSeconds: options.maxLifetimeSeconds }),
      max: options.poolMax ?? 10,
      silentConnectionMs: options.silentConnectionMs ?? SILENT_CONNECTION_MS,
    },
    options.logger,
  );
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
