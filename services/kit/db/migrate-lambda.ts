/**
 * A service's migrations as a step of the deploy in AWS: a CloudFormation custom resource
 * (lib/constructs/database-migrations.ts) whose function, in the VPC, applies them as the database's owner before
 * CloudFormation touches the service. The service's tasks therefore never hold the owner's login: they run as the
 * app role, which may only read and write rows (services/contracts/database-roles.ts). A migration that fails fails
 * the deploy before its service's tasks change, and a slow one holds the deploy, not a health check.
 *
 * It runs the same migrateWithLock as a service that migrates itself (npm start, the tests), under the service's
 * lock name, so it never races a task that migrates (a task of a release from before this step). The owner logs
 * in with an IAM token signed with the function's role; signing is local, so only CloudFormation's answer leaves
 * the VPC.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { answerCustomResource, type CustomResourceEvent, type LambdaContext } from '../custom-resource';
import { beforeDeadline } from '../deadline';
import { createLogger, type Logger } from '../logger';
import { migrateWithLock } from './migrate';
import type { PasswordSource } from './password-source';
import { iamPasswordSource } from './password-source-iam';
import { migrationTargetOf, type MigrationTarget } from './migration-target';
import { createPool } from './pool';
import { endOnceClosed } from './pool-end';
import { urlOfDatabase } from './provision';
import { waitForDatabase } from './wait-for-database';

type Env = Readonly<Record<string, string | undefined>>;

/** A session the function no longer answers for (Lambda froze it) ends after this long idle, and frees its locks. */
const IDLE_MS = 30_000;
/** Kept from the lock wait: a held lock is reported (naming its holder) before the deadline answers for it. */
const LOCK_REPORT_MS = 1_000;
/**
 * What ending the sessions may take after the deadline, and the pool's end after it: together well inside
 * ANSWER_RESERVE_MS less the answer's own 10 s, whatever the database does (a new login it no longer answers).
 */
const END_SESSIONS_MS = 2_000;
/** How long pg_terminate_backend waits for each session to be gone. */
const TERMINATE_WAIT_MS = 1_500;
/** The pool's end waits for its session to be given back; after a termination that is not waited for long. */
const POOL_END_MS = 1_000;

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
      if (isRollback(event, target)) {
        return `migrations of database "${target.database}": a rollback to another release's, so nothing applied (migrations are never undone)`;
      }
      await migrateBy(target, passwordFor(target), deadline);
      return `migrations of database "${target.database}" applied`;
    },
    // Deleting the step keeps the schema: it goes with its database, or stays with its snapshot.
    onDelete: 'the schema stays with its database',
    failed: 'migrations failed',
  });
}

/**
 * CloudFormation rolls a failed update back in reverse order: this step first, with the old release's properties,
 * while its function still holds the new release's code and migrations. Applying those would fail again the same
 * way (and the rollback with it: UPDATE_ROLLBACK_FAILED), or apply them under the old release. Forward, the function
 * is always updated first, so its migrations are the ones asked for.
 */
function isRollback(event: CustomResourceEvent, target: MigrationTarget): boolean {
  return event.RequestType === 'Update' && event.ResourceProperties['Migrations'] !== target.migrationsDigest;
}

async function migrateBy(target: MigrationTarget, password: PasswordSource, deadline: number): Promise<void> {
  const logger = createLogger({ service: `${target.lockName}-migrations`, level: target.logLevel });
  const url = sessionUrl(target, deadline);
  const pool = createPool({ connectionString: url, password, max: 1 }, logger, 'migration');
  const endPool = endOnceClosed(pool);
  // Who held the lock while the wait lasted: the answer names them even if the deadline comes before the refusal.
  let waitedFor: string | undefined;
  const lockEvents = { waiting: (holder: string) => (waitedFor = holder), taken: () => (waitedFor = undefined) };
  const clients = new Set<pg.Client>();
  const late = () => `the migrations of database "${target.database}" did not finish before the function's timeout` +
    (waitedFor ? `; they were waiting for their lock, held by ${waitedFor}` : '');
  pool.on('connect', (client) => {
    clients.add(client);
    refuseStatementsAfter(client, deadline);
    client.once('end', () => clients.delete(client)); // its pid may be another session's by the time of the catch
  });
  try {
    // A database rebooting or failing over, or a login IAM does not let in yet, is waited for within the time left.
    const waitMs = Math.max(1, Math.min(target.waitMs, deadline - Date.now() - LOCK_REPORT_MS));
    await beforeDeadline(waitForDatabase(pool, waitMs, logger, 'the database owner\'s login'), deadline, late);
    // A second short of the deadline, so that a lock held too long is reported as such, naming its holder.
    const lockWaitMs = Math.max(0, deadline - Date.now() - LOCK_REPORT_MS);
    const applying = migrateWithLock(pool, target.migrationsDir, target.lockName, logger, { lockWaitMs, lockEvents });
    applying.catch(() => {}); // awaited below; this only keeps a rejection after the deadline from going unhandled
    await beforeDeadline(applying, deadline, late);
  } catch (error) {
    // Nothing may go on after the answer: a statement still running would commit later or hold its locks while the
    // release still serving waits. Each client is closed (no statement could leave it anyway), then each session is
    // ended (and rolled back) on the server before FAILED is sent.
    const pids = [...clients].map((client) => (client as unknown as { processID: number }).processID);
    for (const client of clients) client.end().catch(() => {});
    await endSessions(url, password, pids, logger);
    // Past the deadline, whatever ended the work (the timer, or a statement refused above), the answer is the same.
    throw Date.now() >= deadline ? new Error(late(), { cause: error }) : error;
  } finally {
    await Promise.race([endPool(), sleep(POOL_END_MS)]);
  }
}

/**
 * No statement leaves the client once the deadline has passed. A host that stalled across it may read the server's
 * answer to one statement before its timer fires, and would send the next one (a COMMIT, say) on the spot. Past the
 * deadline the client is closed first, so pg itself refuses the statement, in whichever of its forms it was asked.
 */
function refuseStatementsAfter(client: pg.Client, deadline: number): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const guarded = (...args: unknown[]) => {
    if (Date.now() >= deadline) client.end().catch(() => {});
    return query(...args);
  };
  Object.assign(client, { query: guarded });
}

/**
 * The owner's session settings: no statement runs past the deadline, and a session Lambda froze (the function
 * answered, then was frozen mid-work) ends by itself, releasing its locks, inside a transaction or not.
 */
function sessionUrl(target: MigrationTarget, deadline: number): string {
  const server = new URL(`postgres://${target.host}:${target.port}`);
  server.searchParams.set('sslmode', target.sslmode);
  const statementMs = Math.max(1, Math.round(deadline - Date.now()));
  server.searchParams.set('options', `-c statement_timeout=${statementMs} -c idle_in_transaction_session_timeout=${IDLE_MS} -c idle_session_timeout=${IDLE_MS}`);
  return urlOfDatabase(server.toString(), target.database, { user: target.user });
}

/**
 * Terminates the step's own sessions from a new one (the owner may end its own), waiting until each has gone. Through
 * the kit's pool, which asks the password source (an IAM token) for its login as the migrations' pool does.
 */
async function endSessions(url: string, password: PasswordSource, pids: readonly number[], logger: Logger): Promise<void> {
  if (pids.length === 0) return;
  const pool = createPool({ connectionString: url, password, max: 1 }, logger, 'migration-end');
  const endPool = endOnceClosed(pool);
  // This session too is gone before the answer: it is the owner's, as the ones it ended were.
  const ending = pool.query('SELECT pg_terminate_backend(pid, $2) FROM unnest($1::int[]) AS pid', [pids, TERMINATE_WAIT_MS])
    .finally(() => endPool().catch(() => {}));
  ending.catch(() => {}); // awaited below; this only keeps a rejection after the budget from going unhandled
  try {
    await beforeDeadline(ending, Date.now() + END_SESSIONS_MS, () => `the database did not end them within ${END_SESSIONS_MS} ms`);
  } catch (error) {
    logger.error({ err: error, pids }, 'the migration sessions could not be ended; the server\'s timeouts will end them');
  }
}
