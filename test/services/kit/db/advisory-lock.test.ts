/** Who holds an advisory lock, as the migrations and the provisioning name it, on a real server with two databases. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockHolder } from '../../../../services/kit/db/advisory-lock';
import { createTestDatabase, type TestDatabase } from '../../../support/database';

let here: TestDatabase;
let elsewhere: TestDatabase;
beforeAll(async () => {
  [here, elsewhere] = await Promise.all([createTestDatabase('lock_here'), createTestDatabase('lock_elsewhere')]);
});
afterAll(async () => {
  await Promise.all([here?.drop(), elsewhere?.drop()]);
});

async function session(url: string, application_name: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name });
  await client.connect();
  return client;
}

describe('lockHolder', () => {
  it('when a session of another database holds the same name (the same key there), then it is not named as the holder here', async () => {
    const other = await session(elsewhere.url, 'other-database-migrating');
    const asker = await session(here.url, 'asker');
    try {
      await other.query("SELECT pg_advisory_lock(hashtext('billing'))");
      expect(await lockHolder(asker, 'billing')).toBe('a session that has just let it go');
      const holder = await session(here.url, 'billing-task-migrating');
      try {
        await holder.query("SELECT pg_advisory_lock(hashtext('billing'))");
        expect(await lockHolder(asker, 'billing')).toMatch(/^backend pid \d+ \("billing-task-migrating"/);
      } finally {
        await holder.end();
      }
    } finally {
      await Promise.all([other.end(), asker.end()]);
    }
  });
});
