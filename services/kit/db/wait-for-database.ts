/**
 * Waits, within a bound, for the service's database to accept its login: the server may still be starting (a
 * fresh RDS instance, a failover, the offline launcher's PostgreSQL), or its database and login role may not be
 * provisioned yet. Readiness says 503 meanwhile, and liveness stays green, so a slow database never gets a task
 * killed; past the bound the start fails, naming the last reason. Any other error fails at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../logger';
import { REFUSED_LOGIN } from './pool';

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

/** Resolves with how long it waited (0 when the first try worked). `login` names whose login it is, for the error. */
export async function waitForDatabase(pool: pg.Pool, waitMs: number, logger: Logger, login = 'this service\'s login'): Promise<number> {
  const started = Date.now();
  let pause = FIRST_PAUSE_MS;
  let told = false;
  for (;;) {
    try {
      (await pool.connect()).release();
      if (!told) return 0; // connecting is the caller's own work; only retries are waiting
      const waitedMs = Date.now() - started;
      logger.info({ waitedMs }, 'the database answers');
      return waitedMs;
    } catch (error) {
      if (!databaseNotYetThere(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      if (Date.now() - started + pause > waitMs) {
        throw new Error(`the database did not accept ${login} within DATABASE_WAIT_MS (${waitMs} ms): ${reason}`, { cause: error });
      }
      if (!told) logger.info({ reason, waitMs, login }, 'waiting for the database');
      told = true;
      await sleep(pause);
      pause = Math.min(LONGEST_PAUSE_MS, Math.round(pause * 1.5));
    }
  }
}
