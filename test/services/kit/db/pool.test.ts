import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { filePasswordSource } from '../../../../services/kit/db/password-source-file';
import { REFUSED_LOGIN_RETRIES_MS } from '../../../../services/kit/db/pool';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../../../../services/kit/db/provision';
import { captureLogs } from '../../../support/bus/logs';
import { passwordCheckingServer, type PasswordCheckingServer } from '../../../support/database-passwords';
import { queryRows } from '../../../support/database';
import { changePhases } from '../../../support/change-phases';

const name = `t_rotate_${randomBytes(4).toString('hex')}`;
const FIRST = `first-${randomBytes(6).toString('hex')}`;
const SECOND = `second-${randomBytes(6).toString('hex')}`;

let server: PasswordCheckingServer;
let dir: string;
let passwordFile: string;
const open: Database<Record<string, never>>[] = [];

const asAdmin = <R extends pg.QueryResultRow>(text: string): Promise<R[]> => queryRows<R>(urlOfDatabase(server.url, 'postgres'), text);
/** A connection of its own with the given password: the current_user, or the SQLSTATE it was refused with. */
async function loginWith(password: string): Promise<string> {
  const client = new pg.Client({ connectionString: urlOfDatabase(server.url, name, { user: name, password }) });
  try {
    await client.connect();
    return (await client.query<{ me: string }>('SELECT current_user AS me')).rows[0]!.me;
  } catch (error) {
    return `refused ${(error as { code?: string }).code}`;
  } finally {
    await client.end().catch(() => {});
  }
}
/** The role's pool as a service has it: no password in the URL, the file source for each new connection. */
function servicePool(logger = captureLogs().logger): Database<Record<string, never>> {
  const database = createDatabase({
    connectionString: urlOfDatabase(server.url, name, { user: name }),
    password: filePasswordSource(passwordFile),
    // Short-lived connections, so that new ones open all through the change, as they do at any time in a busy task.
    maxLifetimeSeconds: 0.2,
    poolMax: 4,
    schema: {},
    logger,
  });
  open.push(database);
  return database;
}

beforeAll(async () => {
  server = await passwordCheckingServer();
  dir = await mkdtemp(path.join(tmpdir(), 'rotate-'));
  passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, `${FIRST}\n`);
  await provisionDatabases(adminFromUrl(server.url), [{ database: name, role: name, password: FIRST }]);
}, 60_000);
afterAll(async () => {
  await Promise.all(open.map((database) => database.close()));
  await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await asAdmin(`DROP ROLE IF EXISTS "${name}"`);
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('credentials that change under a running pool', () => {
  it('when the role\'s password changes under steady load and the source catches up later, then no query fails and new connections use the new password', { timeout: 30_000 }, async () => {
    expect(await loginWith('certainly-wrong')).toBe('refused 28P01'); // the server checks passwords, or this proves nothing
    const { logger, lines } = captureLogs();
    const database = servicePool(logger);
    let stopping = false;
    let answered = 0;
    const phases = changePhases();
    const failures: string[] = [];
    const worker = async () => {
      for (let i = 0; i < 10_000 && !stopping; i += 1) {
        phases.start();
        await database.pool.query('SELECT 1').then(() => (answered += 1), (error: Error) => failures.push(error.message));
        await sleep(5);
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));

    await sleep(500);
    // As rotation does it: the new password is set on the role, so the old one stops working at once; the place
    // the service reads it from is updated a moment later (Secrets Manager's AWSCURRENT label moves last).
    await asAdmin(`ALTER ROLE "${name}" PASSWORD '${SECOND}'`);
    phases.enter('during');
    await sleep(400);
    await writeFile(passwordFile, `${SECOND}\n`);
    phases.enter('after');
    const [{ switched }] = await asAdmin<{ switched: Date }>('SELECT clock_timestamp() AS switched') as [{ switched: Date }];
    // The pool's connections made after the switch log in with the new password. How soon depends on where each
    // connection attempt was in its pauses after a refusal (up to 2 s on a busy host), so it is waited for.
    const freshLogins = () => asAdmin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${name}' AND backend_start > '${switched.toISOString()}'`);
    const fresh = await vi.waitFor(async () => {
      const rows = await freshLogins();
      if (rows[0]!.n === 0) throw new Error('no connection since the switch yet');
      return rows;
    }, { timeout: 10_000, interval: 100 }).catch(() => freshLogins());
    await sleep(500); // load goes on after the first new connection, so a failure after it would show too
    stopping = true;
    await load;

    expect(failures).toEqual([]);
    expect(phases.spanned(), `queries started: ${JSON.stringify(phases.started)}`).toBe(true);
    expect(answered).toBe(phases.total());
    expect(lines.filter((line) => line.msg === 'database refused the credentials: refreshing them').length).toBeGreaterThan(0);
    expect(fresh[0]!.n).toBeGreaterThan(0); // the pool's connections made after the switch logged in with the new password
    expect(await loginWith(SECOND)).toBe(name);
    expect(await loginWith(FIRST)).toBe('refused 28P01');
  });

  it('when the source never gets a password the server accepts, then a request fails after the bounded retries with the server\'s reason', { timeout: 30_000 }, async () => {
    await writeFile(passwordFile, 'not-the-password\n');
    const { logger, lines } = captureLogs();
    const started = Date.now();
    const error = await servicePool(logger).pool.query('SELECT 1').then(() => undefined, (e: { code?: string }) => e);
    expect(error).toMatchObject({ code: '28P01' });
    expect(lines.filter((line) => line.msg === 'database refused the credentials: refreshing them')).toHaveLength(REFUSED_LOGIN_RETRIES_MS.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REFUSED_LOGIN_RETRIES_MS.reduce((sum, ms) => sum + ms, 0));
  });
});
