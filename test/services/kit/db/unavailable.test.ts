/** Which database errors are "cannot serve right now" (503, UNAVAILABLE), told apart from faults (500), on a real server. */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../../services/kit/db/database';
import { isDatabaseUnavailable } from '../../../../services/kit/db/unavailable';
import { freePort } from '../../../../services/local/free-port';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase('unavailable');
});
afterAll(() => testDb.drop());

/** What a query on a connection of its own throws, after `before` ran on it (with the session's pid). */
async function errorOf(query: string, before?: (pid: number) => Promise<void>): Promise<unknown> {
  const client = new pg.Client({ connectionString: testDb.url });
  client.on('error', () => {}); // a terminated session also emits it
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await before?.(rows[0]!.pid);
    await client.query(query);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('isDatabaseUnavailable', () => {
  it('when nothing listens at the server\'s address, then the failed connection counts, through drizzle too', async () => {
    const database = createDatabase({ connectionString: `postgres://nobody@127.0.0.1:${await freePort()}/none`, schema: {}, logger: testLogger });
    try {
      const error = await database.db.execute(sql`SELECT 1`).then(() => undefined, (e: unknown) => e);
      expect(error).toBeDefined();
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('when the server ends the session (a restart, a failover), then it counts', async () => {
    const admin = new pg.Client({ connectionString: testDb.adminUrl });
    await admin.connect();
    try {
      // Awaited before the admin's connection ends: the ended session's error can reach us before the admin's own
      // answer does, and ending the admin then failed its query outside any test ('Connection terminated').
      let terminating: Promise<unknown> = Promise.resolve();
      const error = await errorOf('SELECT pg_sleep(5)', async (pid) => {
        setTimeout(() => (terminating = admin.query('SELECT pg_terminate_backend($1)', [pid])), 100);
      });
      await terminating;
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await admin.end();
    }
  });

  it('when a statement runs past statement_timeout, then it counts', async () => {
    const timedOut = await errorOf('SET statement_timeout = 50; SELECT pg_sleep(2)');
    expect((timedOut as { code?: string }).code).toBe('57014');
    expect(isDatabaseUnavailable(timedOut)).toBe(true);
  });

  it('when the statement is wrong or breaks a rule (a bug, a conflict), then it does not count', async () => {
    for (const query of ['SELEC 1', 'SELECT 1/0', 'SELECT * FROM no_such_table']) expect(isDatabaseUnavailable(await errorOf(query))).toBe(false);
    // Too many parameters for the statement: the server says protocol_violation (class 08), yet the connection is fine.
    const client = new pg.Client({ connectionString: testDb.url });
    await client.connect();
    try {
      const wrongParameters = await client.query('SELECT $1::int AS n', [1, 2]).then(() => undefined, (e: unknown) => e);
      expect((wrongParameters as { code?: string }).code).toBe('08P01');
      expect(isDatabaseUnavailable(wrongParameters)).toBe(false);
      expect((await client.query('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    // Another dependency out of reach (Cognito, SQS): the same network error, not the database's.
    const elsewhere = await fetch(`http://127.0.0.1:${await freePort()}/`).then(() => undefined, (e: unknown) => e);
    expect(JSON.stringify((elsewhere as { cause?: { code?: string } }).cause?.code)).toBe('"ECONNREFUSED"');
    expect(isDatabaseUnavailable(elsewhere)).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
