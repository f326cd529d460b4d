/**
 * Waits, within a bound, for the service's database to accept its login: the server may still be starting (a
 * fresh RDS instance, a failover, the offline launcher's PostgreSQL), or its database and login role may not be
 * provisioned yet. Readiness says 503 meanwhile, and liveness stays green, so a slow database never gets a task
 * killed; past the bound the start fails, naming the last reason. Any other error fails at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../logger';
import { onLoginRefused, REFUSED_LOGIN } from './pool';

/** SQLSTATEs that mean "not yet": starting up, no such database yet, login refused (role or password not yet set). */
const NOT_YET_SQLSTATES: ReadonlySet<string> = new Set(['57P03', '3D000', ...REFUSED_LOGIN]);
/** Socket errors of a server that is not listening (yet) or not reachable (yet). */
const NOT_YET_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

const FIRST_PAUSE_MS = 25;
// Short: an attempt against a server that is not up fails at once, and each pause is latency once it is.
const LONGEST_PAUSE_MS = 100;

function databaseNotYetThere(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (NOT_YET_SQLSTATES.has(code) || NOT_YET_SOCKET_CODES.has(code))) return true;
  // node-postgres's own connection timeout carries no code.
  return error instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(error.message);
}

/** What an attempt cut at the bound resolves with. */
const NO_ANSWER = Symbol('no answer');

/**
 * pool.connect() within `ms`, so that one attempt cannot carry the wait past its bound: a silent server holds it
 * for the pool's connectionTimeoutMillis (5 s), and the kit pool's retries of a refused login (pool.ts) for about
 * 4 s. The connect still pending at the bound is not stopped (pg-pool has no way to): a client it gets later goes
 * back to the pool, its failure is dropped, and a silent server's socket is closed by the pool's own timeout.
 */
async function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient | typeof NO_ANSWER> {
  const connecting = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<typeof NO_ANSWER>((resolve) => (timer = setTimeout(resolve, ms, NO_ANSWER)));
  try {
    const first = await Promise.race([connecting, cut]);
    if (first === NO_ANSWER) connecting.then((client) => client.release(), () => {});
    return first;
  } finally {
    clearTimeout(timer);
  }
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Why an attempt cut at the bound failed, as specifically as known: the server's last refusal that the pool's
 * retries met, else the attempt before's failure (a silent server after a reset says more with it than without).
 */
function cutShort(ms: number, refusal: Error | undefined, previous: unknown): Error {
  if (refusal) return refusal;
  if (previous === undefined) return new Error(`no answer within ${ms} ms`);
  return new Error(`no answer within ${ms} ms to its last attempt; the one before: ${reasonOf(previous)}`, { cause: previous });
}

/** Resolves with how long it waited (0 when the first try worked). `login` names whose login it is, for the error. */
export async function waitForDatabase(pool: pg.Pool, waitMs: number, logger: Logger, login = 'this service\'s login'): Promise<number> {
  const started = Date.now();
  let pause = FIRST_PAUSE_MS;
  let told = false;
  let previous: unknown; // the last attempt's failure
  // An attempt cut inside the pool's retries names the server's last refusal, as one that ran its course would.
  let refusal: Error | undefined;
  const stopListening = onLoginRefused(pool, (seen) => (refusal = seen));
  try {
    for (;;) {
      refusal = undefined;
      const leftMs = Math.max(1, waitMs - (Date.now() - started));
      let failure: unknown;
      try {
        const client = await connectWithin(pool, leftMs);
        if (client === NO_ANSWER) {
          failure = cutShort(leftMs, refusal, previous);
        } else {
          client.release();
          if (!told) return 0; // connecting is the caller's own work; only retries are waiting
          const waitedMs = Date.now() - started;
          logger.info({ waitedMs }, 'the database answers');
          return waitedMs;
        }
      } catch (error) {
        if (!databaseNotYetThere(error)) throw error;
        failure = error;
      }
      const reason = reasonOf(failure);
      if (Date.now() - started + pause > waitMs) {
        throw new Error(`the database did not accept ${login} within DATABASE_WAIT_MS (${waitMs} ms): ${reason}`, { cause: failure });
      }
      if (!told) logger.info({ reason, waitMs, login }, 'waiting for the database');
      told = true;
      previous = failure;
      await sleep(pause);
      pause = Math.min(LONGEST_PAUSE_MS, Math.round(pause * 1.5));
    }
  } finally {
    stopListening();
  }
}
