/**
 * Where a service has no login of its own for its migrations (its login owns its database, migration-login.ts),
 * they run on its own pool, the one that gives up on a connection silent for SILENT_CONNECTION_MS. A migration may
 * legitimately be silent for longer: it waits up to MIGRATION_LOCK_WAIT_MS (5 minutes) for another replica's lock,
 * and a statement of the owner's has no statement_timeout (a backfill, a CREATE INDEX). Here the limit is 300 ms.
 */
import path from 'node:path';
import type { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

const SILENCE_MS = 300;
const fixtures = (name: string) => path.join(import.meta.dirname, 'fixtures', name);

let testDb: TestDatabase;
let database: Database<Record<string, never>>;
let holder: pg.Client;

beforeAll(async () => {
  testDb = await createTestDatabase('silent_migration');
  database = createDatabase({ connectionString: testDb.url, schema: {}, logger: testLogger, poolMax: 1, silentConnectionMs: SILENCE_MS });
  holder = new pg.Client({ connectionString: testDb.url });
  await holder.connect();
});
afterAll(async () => {
  await holder.end();
  await database.close();
  await testDb.drop();
});

/** Holds the session lock `key` for `ms`, then lets it go. */
async function holdFor(key: number, ms: number): Promise<void> {
  await holder.query('SELECT pg_advisory_lock($1)', [key]);
  setTimeout(() => void holder.query('SELECT pg_advisory_unlock($1)', [key]), ms);
}

describe('migrations on a service\'s own pool', () => {
  it('when another replica holds the migration lock longer than the silence limit, then they wait for it and are applied', async () => {
    const { rows } = await holder.query<{ key: number }>("SELECT hashtext('waited') AS key");
    await holdFor(rows[0]!.key, SILENCE_MS * 4);
    await expect(migrateWithLock(database.pool, fixtures('migrations'), 'waited', testLogger)).resolves.toBeUndefined();
  });

  it('when a migration statement runs longer than the silence limit, then it is applied, and the connection has its limit again afterwards', async () => {
    await holdFor(424242, SILENCE_MS * 4); // what 0000_slow.sql waits for
    await expect(migrateWithLock(database.pool, fixtures('slow-migrations'), 'slow', testLogger)).resolves.toBeUndefined();
    const client = await database.pool.connect();
    try {
      expect((client as unknown as { connection: { stream: Socket } }).connection.stream.timeout).toBe(SILENCE_MS);
    } finally {
      client.release();
    }
  });
});
