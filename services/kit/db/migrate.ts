/**
 * Migrations that never race the health check and never wait without end.
 *
 * - One migrator at a time: replicas starting together take a session-level advisory lock; the first applies,
 *   the others wait, then find nothing left to do. The wait is bounded (`lockWaitMs`): past it the migration
 *   fails with a message naming who holds the lock, instead of hanging a deploy.
 * - Each statement waits at most `lockTimeoutMs` for a table lock (`lock_timeout`): a migration queued behind a
 *   long transaction would otherwise block every query queued behind it, i.e. the running service.
 * - `startMigrations` runs them after the server listens, so `/health/live` answers from the first second and
 *   `/health/ready` says 503 ("migrations are running") until they are done.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { tellLauncher } from '../launcher-env';
import type { Logger } from '../logger';
import { ConfigError } from '../config';
import { LOCK_NOT_AVAILABLE, takeAdvisoryLock } from './advisory-lock';
import { withoutSilenceLimit } from './pool';
import { migrationLogin, type MigrationLoginSettings } from './migration-login';
import { checkMigrationHistory } from './migration-history';
import { unusableParts } from './schema-check';
import { waitForDatabase } from './wait-for-database';

export interface MigrateOptions {
  /** How long to wait for another replica's migration lock. @default 300000 */
  readonly lockWaitMs?: number;
  /** How long one statement may wait for a table lock (PostgreSQL's lock_timeout). @default 10000 */
  readonly lockTimeoutMs?: number;
  /** Hears who holds the migration lock when it is not free at first (before the wait), and when it is taken. */
  readonly lockEvents?: { waiting(holder: string): void; taken(): void };
}

export async function migrateWithLock(pool: pg.Pool, migrationsFolder: string, lockName: string, logger: Logger, options: MigrateOptions = {}): Promise<void> {
  const client = await pool.connect();
  // A service's own pool gives up on a connection silent for 45 s; a migration may wait longer (pool.ts).
  const restoreSilenceLimit = withoutSilenceLimit(client);
  const started = Date.now();
  let lockKept: Error | undefined;
  try {
    await takeAdvisoryLock(client, lockName, options.lockWaitMs ?? 300_000, `migrations of "${lockName}" did not get their lock`, (holder) => {
      logger.info({ holder }, 'waiting for another migration to finish');
      options.lockEvents?.waiting(holder);
    });
    options.lockEvents?.taken();
    try {
      const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs ?? 10_000));
      await client.query(`SET lock_timeout = ${lockTimeoutMs}`);
      await migrate(drizzle(client), { migrationsFolder, migrationsSchema: 'drizzle' }).catch((error: unknown) => {
        throw new Error(`migrations of "${lockName}" failed: ${explain(error, lockTimeoutMs)}`, { cause: error });
      });
      await checkMigrationHistory(client, migrationsFolder, lockName, logger);
    } finally {
      await client.query('RESET lock_timeout').catch(() => {});
      // A session that could not let go of the lock must not go back to the pool holding it: it is discarded (which
      // ends it, and its lock), and the migration's own outcome stands.
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]).catch((error: unknown) => {
        lockKept = error instanceof Error ? error : new Error(String(error));
      });
    }
  } finally {
    restoreSilenceLimit();
    client.release(lockKept);
  }
  logger.info({ ms: Date.now() - started }, 'migrations applied');
}

/** drizzle wraps the driver's error ("Failed query: …"); the reason and SQLSTATE are on its cause. */
function explain(error: unknown, lockTimeoutMs: number): string {
  let root = error as { message?: string; code?: string; cause?: unknown };
  while (root.cause && typeof root.cause === 'object') root = root.cause as typeof root;
  if (root.code === LOCK_NOT_AVAILABLE) {
    return `a statement waited more than lock_timeout (${lockTimeoutMs} ms) for a table lock (${root.message}); ` +
      'a long transaction holds it: retry once it ends, or raise MIGRATION_LOCK_TIMEOUT_MS';
  }
  return `${root.message ?? String(error)}${root.code ? ` (SQLSTATE ${root.code})` : ''}`;
}

export interface Migrations {
  /** True once every migration is applied. */
  readonly done: () => boolean;
  /** What the health routes say until then: applying migrations, or checking what another step applied. */
  readonly whileRunning: string;
  /** Settles when they are applied; rejects with why they failed. */
  readonly finished: Promise<void>;
}

const APPLYING = 'Migrations are running.';
const CHECKING = 'The database schema is being checked (DATABASE_MIGRATIONS=check).';

/** Starts the migrations in the background; readiness checks `done()`. */
export function startMigrations(run: () => Promise<void>, whileRunning = APPLYING): Migrations {
  let done = false;
  const finished = run().then(() => {
    done = true;
  });
  finished.catch(() => {}); // the caller awaits `finished`; this only keeps an early failure from being unhandled
  return { done: () => done, whileRunning, finished };
}

export interface MigrationSettings {
  /** `check`: another step applied them; the service only checks that it can use its tables. @default apply */
  readonly DATABASE_MIGRATIONS?: 'apply' | 'check';
  readonly MIGRATIONS_DIR: string;
  readonly DATABASE_WAIT_MS: number;
  readonly MIGRATION_LOCK_WAIT_MS: number;
  readonly MIGRATION_LOCK_TIMEOUT_MS: number;
}

/**
 * A service's migrations from its config, started in the background (see startMigrations), once its database
 * accepts the migrations' login (wait-for-database.ts): the owner's where the config names one, else the service's
 * own pool (migration-login.ts). Under `npm start` the launcher is told how long that wait was: time that belongs
 * to PostgreSQL's start, not to this service's. With a login of their own, they are done only once the database
 * accepts the service's own login too: `/health/started` (the deployed balancer's check) must not pass a task
 * that could migrate but cannot serve (its app role missing, or not allowed to log in). A contradictory login
 * setting throws here, at startup. With `DATABASE_MIGRATIONS=check` (AWS), see checkInBackground.
 */
export function migrateInBackground(
  servicePool: pg.Pool,
  config: MigrationSettings & MigrationLoginSettings,
  lockName: string,
  logger: Logger,
  schema: Readonly<Record<string, unknown>>,
): Migrations {
  if (config.DATABASE_MIGRATIONS === 'check') return checkInBackground(servicePool, config, logger, schema);
  const options = { lockWaitMs: config.MIGRATION_LOCK_WAIT_MS, lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_MS };
  const login = migrationLogin(config, servicePool, logger);
  const separate = login.pool !== servicePool;
  return startMigrations(async () => {
    let waitedMs = 0;
    try {
      const who = separate ? 'the migrations\' login (the database owner)' : undefined;
      waitedMs = await waitForDatabase(login.pool, config.DATABASE_WAIT_MS, logger, who);
      tellLauncher({ waitedMs });
      await migrateWithLock(login.pool, config.MIGRATIONS_DIR, lockName, logger, options);
    } finally {
      await login.close();
    }
    // What is left of DATABASE_WAIT_MS: the two logins wait for the database within one bound, not two.
    const left = Math.max(1, config.DATABASE_WAIT_MS - waitedMs);
    if (separate) await waitForDatabase(servicePool, left, logger, 'this service\'s own login (its app role)');
  });
}

/**
 * For a service whose migrations another step applied (AWS: the deploy's migration step runs before CloudFormation
 * updates the service): it holds no owner login, waits for its own, and is done once its login can use every table
 * and column of `schema` (schema-check.ts). A release started on an older schema stops, naming what is missing, instead of passing
 * its health check and failing requests; ECS then rolls the deployment back.
 */
function checkInBackground(servicePool: pg.Pool, config: MigrationSettings & MigrationLoginSettings, logger: Logger, schema: Readonly<Record<string, unknown>>): Migrations {
  const owners = (['DATABASE_MIGRATION_URL', 'DATABASE_MIGRATION_USER'] as const).filter((name) => config[name]);
  if (owners.length > 0) {
    throw new ConfigError(owners.map((name) => `${name}: not with DATABASE_MIGRATIONS=check, which applies no migrations and needs no owner login`));
  }
  return startMigrations(async () => {
    tellLauncher({ waitedMs: await waitForDatabase(servicePool, config.DATABASE_WAIT_MS, logger) });
    const unusable = await unusableParts(servicePool, schema);
    if (unusable.length > 0) {
      throw new Error(
        `DATABASE_MIGRATIONS=check: this login cannot use ${unusable.length} part(s) of the schema this release needs (${unusable.slice(0, 10).join(', ')}` +
          `${unusable.length > 10 ? ', …' : ''}): apply the release's migrations first (in AWS, the deploy's migration step does), or grant the app role its rights`,
      );
    }
    logger.info('schema checked: this login can use every table, column and sequence this release names');
  }, CHECKING);
}
