import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endOnceClosed } from '../../../../services/kit/db/pool-end';
import { createPool } from '../../../../services/kit/db/pool';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { startSlowGoodbyeProxy, type SlowGoodbyeProxy } from '../../../support/slow-goodbye-proxy';
import { testLogger } from '../../../support/silent-logger';

/**
 * How late the proxy passes each session's goodbye on to the server: a session the server lets go at once is gone
 * before a query on another connection can see it, however soon after pg-pool's end, so the test holds it this long.
 */
const GOODBYE_HOLD_MS = 300;

let testDb: TestDatabase;
let observer: pg.Client;
let proxy: SlowGoodbyeProxy;

beforeAll(async () => {
  testDb = await createTestDatabase('pool_end');
  observer = new pg.Client({ connectionString: testDb.adminUrl });
  await observer.connect();
  const server = new URL(testDb.url);
  proxy = await startSlowGoodbyeProxy({ host: server.hostname, port: Number(server.port || 5432) }, GOODBYE_HOLD_MS);
});
afterAll(async () => {
  await proxy?.close();
  await observer.end();
  await testDb.drop();
});

/** Sessions the server still holds under that application name, asked on a connection already open. */
const sessionsNamed = async (name: string) =>
  (await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name])).rows[0]!.n;

describe('a pool ended once its connections have closed', () => {
  /** A pool of three sessions through the proxy, named so that the server's view of them can be counted. */
  const threeSessions = async () => {
    const name = `pool_end_${randomBytes(4).toString('hex')}`;
    const url = new URL(testDb.url);
    url.port = String(proxy.port);
    url.searchParams.set('application_name', name);
    const pool = createPool({ connectionString: url.toString(), max: 3 }, testLogger, 'pool-end');
    const end = endOnceClosed(pool);
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    expect(await sessionsNamed(name)).toBe(3);
    return { name, end, clients };
  };

  // pg-pool's own end resolves as soon as it has asked its idle connections to close: the case that needs the wait.
  it('when every connection is idle or was released broken at its end, then once the end resolves the server holds none of its sessions', async () => {
    const { name, end, clients } = await threeSessions();
    clients[0]!.release();
    clients[1]!.release(new Error('broken'));
    clients[2]!.release();
    await end();
    expect(await sessionsNamed(name)).toBe(0);
  });

  it('when a connection is checked out at its end and released after, then once the end resolves the server holds none of its sessions', async () => {
    const { name, end, clients } = await threeSessions();
    clients[0]!.release();
    clients[1]!.release(new Error('broken'));
    const ending = end();
    clients[2]!.release();
    await ending;
    expect(await sessionsNamed(name)).toBe(0);
  });

  it('when the pool opened no connection, then its end resolves at once', async () => {
    const pool = createPool({ connectionString: testDb.url, max: 1 }, testLogger, 'pool-end');
    await endOnceClosed(pool)();
    expect(pool.ended).toBe(true);
  });
});
