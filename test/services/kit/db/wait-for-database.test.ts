import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../../../../services/kit/db/pool';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../../../../services/kit/db/provision';
import { waitForDatabase } from '../../../../services/kit/db/wait-for-database';
import { freePort } from '../../../../services/local/free-port';
import { createTestDatabase, dropAfterRun, testServerUrl, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';
import { eventually } from '../../../support/within';

const pools: pg.Pool[] = [];
const made: TestDatabase[] = [];
const poolOf = (url: string) => {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 2_000 });
  // As the kit's pool does: an idle client the server ends (a drop, its shutdown) must not crash the test worker
  // with an uncaught 57P01 (seen once in CI's embedded run).
  pool.on('error', () => {});
  pools.push(pool);
  return pool;
};
/** The kit's pool, as services and the migration step have it: a refused login is retried for about 4 s inside one connect. */
const kitPoolOf = (url: string) => {
  const pool = createPool({ connectionString: url, max: 1, password: { description: 'a test password', password: async () => 'pw', refresh: () => {} } }, testLogger);
  pools.push(pool);
  return pool;
};
/**
 * A TCP listener that takes each connection and never answers, as a host whose PostgreSQL is stuck or a half-dead
 * failover target does; `resetFirst` resets the first connection instead. `open` counts the connections still open.
 */
async function silentServer(resetFirst = false) {
  const sockets = new Set<Socket>();
  let taken = 0;
  const server = createServer((socket) => {
    if (resetFirst && taken++ === 0) return socket.resetAndDestroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // reads and drops what the client sends, so its end is seen: a paused socket never tells it
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `postgres://nobody:pw@127.0.0.1:${(server.address() as AddressInfo).port}/nothing`,
    open: () => sockets.size,
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
/** The bound of the tests below, and what a busy host may add to it (timers late, a connect refused late). */
const BOUND_MS = 300;
const MARGIN_MS = 700;

afterAll(async () => {
  await Promise.all(pools.filter((pool) => !pool.ending).map((pool) => pool.end()));
  await Promise.all(made.map((db) => db.drop()));
});

describe('waitForDatabase', { timeout: 30_000 }, () => {
  it('when the database and its role are provisioned only later, then it waits and resolves once they are', async () => {
    const serverUrl = await testServerUrl();
    const name = `t_wait_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const pool = poolOf(urlOfDatabase(serverUrl, name, { user: name, password }));

    const waiting = waitForDatabase(pool, 20_000, testLogger);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await provisionDatabases(adminFromUrl(serverUrl), [{ database: name, role: name, password }]);
    made.push({ drop: () => dropAfterRun({ databases: [name], roles: [name] }) } as TestDatabase);

    expect(await waiting).toBeGreaterThanOrEqual(350);
    const { rows } = await pool.query<{ me: string }>('SELECT current_user AS me');
    expect(rows[0]!.me).toBe(name);
  });

  it('when nothing listens within the bound, then it fails naming DATABASE_WAIT_MS and the last reason', async () => {
    const pool = poolOf(`postgres://nobody:pw@127.0.0.1:${await freePort()}/nothing`);
    const started = Date.now();
    await expect(waitForDatabase(pool, 300, testLogger)).rejects.toThrow(/DATABASE_WAIT_MS \(300 ms\): .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('when the server takes the connection and never answers, then it fails within the bound, not the pool\'s connect timeout, and the abandoned attempt leaves no socket open', async () => {
    const silent = await silentServer();
    try {
      // The kit pool waits 5 s (connectionTimeoutMillis) for the server's first answer.
      const pool = kitPoolOf(silent.url);
      const started = Date.now();
      await expect(waitForDatabase(pool, BOUND_MS, testLogger)).rejects.toThrow(/DATABASE_WAIT_MS \(300 ms\): no answer within \d+ ms$/);
      expect(Date.now() - started).toBeLessThan(BOUND_MS + MARGIN_MS);
      // Ending the pool, as a service that stops or the migration step does, waits out the abandoned connect.
      await pool.end();
      await eventually('the silent server\'s connections closed', () => silent.open() === 0);
    } finally {
      await silent.close();
    }
  });

  it('when an attempt is cut at the bound after an earlier one failed, then the error names the earlier one\'s reason', async () => {
    const silent = await silentServer(true);
    try {
      const started = Date.now();
      await expect(waitForDatabase(kitPoolOf(silent.url), BOUND_MS, testLogger)).rejects.toThrow(
        /DATABASE_WAIT_MS \(300 ms\): no answer within \d+ ms to its last attempt; the one before: .*(ECONNRESET|Connection terminated unexpectedly)/,
      );
      expect(Date.now() - started).toBeLessThan(BOUND_MS + MARGIN_MS);
    } finally {
      await silent.close();
    }
  });

  it('when the server refuses the login while the pool retries it, then it fails within the bound, naming the server\'s refusal', async () => {
    const role = `t_nobody_${randomBytes(4).toString('hex')}`;
    const pool = kitPoolOf(urlOfDatabase(await testServerUrl(), 'postgres', { user: role }));
    const started = Date.now();
    const failure = await waitForDatabase(pool, BOUND_MS, testLogger).catch((error: Error) => error);
    expect(Date.now() - started).toBeLessThan(BOUND_MS + MARGIN_MS);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(new RegExp(`DATABASE_WAIT_MS \\(300 ms\\): role "${role}" does not exist$`));
    expect((failure as Error).cause).toMatchObject({ code: '28000' });
    // The abandoned attempt's retries end with the pool, within their current pause: vitest fails the run on a
    // rejection nothing handles, so it must come while this file runs.
    await pool.end();
    await sleep(600);
  });

  it('when the server refuses for a reason waiting cannot fix, then it fails at once with that reason', async () => {
    const own = await createTestDatabase('wait_own');
    const other = await createTestDatabase('wait_other');
    made.push(own, other);
    // The role exists and logs in, but may not connect to another service's database: 42501, not "not yet".
    const pool = poolOf(urlOfDatabase(await testServerUrl(), new URL(other.url).pathname.slice(1), { user: own.role, password: own.password }));
    const started = Date.now();
    await expect(waitForDatabase(pool, 20_000, testLogger)).rejects.toMatchObject({ code: '42501' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('when the database answers at once, then it resolves without waiting', async () => {
    const db = await createTestDatabase('wait_ready');
    made.push(db);
    expect(await waitForDatabase(poolOf(db.url), 1_000, testLogger)).toBe(0);
  });
});
