import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endOnceClosed } from '../../../../services/kit/db/pool-end';
import { createPool } from '../../../../services/kit/db/pool';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

let testDb: TestDatabase;
let observer: pg.Client;

beforeAll(async () => {
  testDb = await createTestDatabase('pool_end');
  observer = new pg.Client({ connectionString: testDb.adminUrl });
  await observer.connect();
});
afterAll(async () => {
  await observer.end();
  await testDb.drop();
});

/** Sessions the server still holds under that application name, asked on a connection already open. */
const sessionsNamed = async (name: string) =>
  (await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name])).rows[0]!.n;

const TEMP_TABLES = "DO $$ BEGIN FOR i IN 1..100 LOOP EXECUTE format('CREATE TEMP TABLE t%s (x int)', i); END LOOP; END $$";

describe('a pool ended once its connections have closed', () => {
  it('when its end resolves, then the server holds none of its sessions, idle or checked out and released', async () => {
    for (let round = 0; round < 5; round += 1) {
      const name = `pool_end_${randomBytes(4).toString('hex')}`;
      const url = new URL(testDb.url);
      url.searchParams.set('application_name', name);
      const pool = createPool({ connectionString: url.toString(), max: 3 }, testLogger, 'pool-end');
      const end = endOnceClosed(pool);
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
      // Temporary tables make a session's exit take a while (it drops them before it leaves pg_stat_activity).
      await Promise.all(clients.map((client) => client.query(TEMP_TABLES)));
      clients[0]!.release();
      clients[1]!.release(new Error('broken'));
      const ending = end();
      clients[2]!.release();
      await ending;
      expect(await sessionsNamed(name)).toBe(0);
    }
  });

  it('when the pool opened no connection, then its end resolves at once', async () => {
    const pool = createPool({ connectionString: testDb.url, max: 1 }, testLogger, 'pool-end');
    await endOnceClosed(pool)();
    expect(pool.ended).toBe(true);
  });
});
