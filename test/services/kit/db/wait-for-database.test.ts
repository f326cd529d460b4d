import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../../../../services/kit/db/provision';
import { waitForDatabase } from '../../../../services/kit/db/wait-for-database';
import { freePort } from '../../../../services/local/free-port';
import { createTestDatabase, dropAfterRun, testServerUrl, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

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
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
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
