/**
 * Where the migration step (migrate-lambda.ts) applies the migrations, read from its function's environment: the
 * construct (lib/constructs/database-migrations.ts) sets it, and it is checked here all the same, so a mistake
 * fails the deploy naming the variable.
 */
import path from 'node:path';
import type { LevelWithSilent } from 'pino';

type Env = Readonly<Record<string, string | undefined>>;

export interface MigrationTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The database's owner: the only login that may change its schema. */
  readonly user: string;
  readonly region: string;
  /** The advisory lock the service's own migrations take (its name): one migrator at a time. */
  readonly lockName: string;
  readonly migrationsDir: string;
  /** @default verify-full (RDS's certificate, trusted through NODE_EXTRA_CA_CERTS) */
  readonly sslmode: string;
  /**
   * How long the owner's login is waited for: an instance rebooting or failing over, or an IAM policy made in this
   * very deploy that has not reached RDS yet (refused tokens). @default 60000, as a task's DATABASE_WAIT_MS
   */
  readonly waitMs: number;
  /** The step's log level. @default info */
  readonly logLevel: LevelWithSilent;
}

const REQUIRED = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'AWS_REGION', 'LOCK_NAME'] as const;

export function migrationTargetOf(env: Env): MigrationTarget {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} must be set in the migration function's environment`);
  const port = Number(env.DB_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`DB_PORT must be a port number; got "${env.DB_PORT}"`);
  return {
    host: env.DB_HOST!,
    port,
    database: env.DB_NAME!,
    user: env.DB_USER!,
    region: env.AWS_REGION!,
    lockName: env.LOCK_NAME!,
    // The construct copies the service's migrations folder beside the bundled handler.
    migrationsDir: env.MIGRATIONS_DIR ?? path.join(__dirname, 'migrations'),
    sslmode: env.DB_SSLMODE ?? 'verify-full',
    waitMs: positiveMs(env.DATABASE_WAIT_MS, 'DATABASE_WAIT_MS') ?? 60_000,
    logLevel: logLevelOf(env.LOG_LEVEL),
  };
}

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevelOf(value: string | undefined): LevelWithSilent {
  if (value === undefined) return 'info';
  const level = LEVELS.find((candidate) => candidate === value);
  if (!level) throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')}; got "${value}"`);
  return level;
}

function positiveMs(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1) throw new Error(`${name} must be a positive number of milliseconds; got "${value}"`);
  return ms;
}
