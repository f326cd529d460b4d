/**
 * A service's migrations as a step of the deploy in AWS: a CloudFormation custom resource
 * (lib/constructs/database-migrations.ts) whose function, in the VPC, applies them as the database's owner before
 * CloudFormation touches the service. The service's tasks therefore never hold the owner's login: they run as the
 * app role, which may only read and write rows (services/contracts/database-roles.ts). A migration that fails fails
 * the deploy before any task changes, and a slow one holds the deploy, not a health check.
 *
 * It runs the same migrateWithLock as a service that migrates itself (npm start, the tests), under the service's
 * lock name, so it never races a task that migrates (a task of a release from before this step). The owner logs
 * in with an IAM token signed with the function's role; signing is local, so only CloudFormation's answer leaves
 * the VPC.
 */
import path from 'node:path';
import { answerCustomResource, beforeDeadline, type CustomResourceEvent, type LambdaContext } from '../custom-resource';
import { createLogger } from '../logger';
import { migrateWithLock } from './migrate';
import type { PasswordSource } from './password-source';
import { iamPasswordSource } from './password-source-iam';
import { createPool } from './pool';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the migrations go, from the function's environment (set by the construct, checked here all the same). */
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
}

const REQUIRED = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'AWS_REGION', 'LOCK_NAME'] as const;

/**
 * A session the function can no longer answer for (it timed out, or Lambda froze it) must not keep its locks: the
 * server ends it after this long idle inside a transaction.
 */
const IDLE_IN_TRANSACTION_MS = 30_000;
/** Kept from the lock wait: a held lock is reported (naming its holder) before the deadline answers for it. */
const LOCK_REPORT_MS = 1_000;

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
  };
}

/** Lambda's entry point: the owner logs in with IAM tokens. */
export async function handler(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  await migrateAndAnswer(event, context, process.env, (target) =>
    iamPasswordSource({ hostname: target.host, port: target.port, username: target.user, region: target.region }),
  );
}

export async function migrateAndAnswer(event: CustomResourceEvent, context: LambdaContext, env: Env, passwordFor: (target: MigrationTarget) => PasswordSource): Promise<void> {
  await answerCustomResource(event, context, {
    physicalIdSuffix: 'migrations',
    run: async (deadline) => {
      const target = migrationTargetOf(env);
      await migrateBy(target, passwordFor(target), deadline);
      return `migrations of database "${target.database}" applied`;
    },
    // Deleting the step keeps the schema: it goes with its database, or stays with its snapshot.
    onDelete: 'the schema stays with its database',
    failed: 'migrations failed',
  });
}

async function migrateBy(target: MigrationTarget, password: PasswordSource, deadline: number): Promise<void> {
  const logger = createLogger({ service: `${target.lockName}-migrations` });
  const url = new URL(`postgres://${target.host}:${target.port}`);
  url.pathname = `/${encodeURIComponent(target.database)}`;
  url.username = encodeURIComponent(target.user);
  url.searchParams.set('sslmode', target.sslmode);
  const pool = createPool({ connectionString: url.toString(), password, max: 1 }, logger, 'migration');
  // No statement outlives the function's answer; the server stops it and rolls the migrations back.
  const statementMs = () => Math.max(1, Math.round(deadline - Date.now()));
  pool.on('connect', (client) => {
    client.query(`SET statement_timeout = ${statementMs()}; SET idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_MS}`).catch(() => {});
  });
  // A second short of the deadline, so that a lock held too long is reported as such, naming its holder.
  const lockWaitMs = Math.max(0, deadline - Date.now() - LOCK_REPORT_MS);
  const applying = migrateWithLock(pool, target.migrationsDir, target.lockName, logger, { lockWaitMs }).finally(() => pool.end());
  try {
    await beforeDeadline(applying, deadline, () => `the migrations of database "${target.database}" did not finish before the function's timeout`);
  } catch (error) {
    // Answer now: the statement ends at the deadline (statement_timeout), and the pool closes once it has.
    applying.catch(() => {});
    throw error;
  }
}
