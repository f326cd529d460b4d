/**
 * Where the migration step (migrate-lambda.ts) applies the migrations, read from its function's environment: the
 * construct (lib/constructs/database-migrations.ts) sets it, and it is checked here all the same, so a mistake
 * fails the deploy naming the variable.
 */
import path from 'node:path';
import type { LevelWithSilent } from 'pino';
import { z } from 'zod';
import { databaseServerEnv, env, loadStepConfig } from '../config';

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
  /**
   * The digest of the migrations bundled beside the handler, which the construct also sends as the custom
   * resource's `Migrations` property: an Update that asks for other migrations is CloudFormation rolling back.
   */
  readonly migrationsDigest: string;
  /** @default verify-full (RDS's certificate, trusted through NODE_EXTRA_CA_CERTS) */
  readonly sslmode: z.infer<typeof databaseServerEnv.DB_SSLMODE>;
  /**
   * How long the owner's login is waited for: an instance rebooting or failing over, or an IAM policy made in this
   * very deploy that has not reached RDS yet (refused tokens). @default 60000, as a task's DATABASE_WAIT_MS
   */
  readonly waitMs: number;
  /** The step's log level. @default info */
  readonly logLevel: LevelWithSilent;
}

/** The function's environment; the kit's loadConfig names each variable that is missing or wrong. */
const targetSchema = z.object({
  ...databaseServerEnv,
  DB_NAME: z.string().min(1),
  DB_USER: z.string().min(1),
  AWS_REGION: z.string().min(1),
  LOCK_NAME: z.string().min(1),
  MIGRATIONS_DIR: z.string().min(1).optional(),
  MIGRATIONS_DIGEST: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hexadecimal digits (the digest of the bundled migrations)'),
  DATABASE_WAIT_MS: env.positiveInt(60_000),
  LOG_LEVEL: env.logLevel(),
});

export function migrationTargetOf(environment: Env): MigrationTarget {
  const config = loadStepConfig(targetSchema, environment, 'the migration function\'s environment');
  return {
    host: config.DB_HOST,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    region: config.AWS_REGION,
    lockName: config.LOCK_NAME,
    // The construct copies the service's migrations folder beside the bundled handler.
    migrationsDir: config.MIGRATIONS_DIR ?? path.join(__dirname, 'migrations'),
    migrationsDigest: config.MIGRATIONS_DIGEST,
    sslmode: config.DB_SSLMODE,
    waitMs: config.DATABASE_WAIT_MS,
    logLevel: config.LOG_LEVEL,
  };
}
