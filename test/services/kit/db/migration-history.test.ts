import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { captureLogs } from '../../../support/bus/logs';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

const fixtures = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
const OLDER_RELEASE = fixtures('older-release-migrations'); // the first of MIGRATIONS' two
const NEWER_RELEASE = fixtures('migrations');

let testDb: TestDatabase;
let database: Database<Record<string, never>>;
const applied = async () => (await database.pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n as number;
const warnings = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line.level === 40);

beforeAll(async () => {
  testDb = await createTestDatabase('platform_newer_migrations');
  database = createDatabase({ connectionString: testDb.url, schema: {}, logger: testLogger });
});
afterAll(async () => {
  await database.close();
  await testDb.drop();
});

// In order: an older release's data, upgraded, then the older release started again on it (a rollback).
describe('a database kept across releases', () => {
  it('when a newer release starts on an older release\'s data, then it applies only its new migrations, keeps every row and warns of nothing', async () => {
    await migrateWithLock(database.pool, OLDER_RELEASE, 'releases', testLogger);
    await database.pool.query("INSERT INTO items (code) VALUES ('kept-1'), ('kept-2')");
    const { logger, lines } = captureLogs();
    await migrateWithLock(database.pool, NEWER_RELEASE, 'releases', logger);
    expect(await applied()).toBe(2);
    const { rows } = await database.pool.query('SELECT code FROM items ORDER BY code');
    expect(rows.map((row) => row.code)).toEqual(['kept-1', 'kept-2']);
    expect(warnings(lines)).toEqual([]);
  });

  it('when the older release starts again on that data, then it undoes nothing and warns that the schema is newer than its own', async () => {
    const { logger, lines } = captureLogs();
    await migrateWithLock(database.pool, OLDER_RELEASE, 'releases', logger);
    expect(await applied()).toBe(2);
    expect(warnings(lines)).toEqual([
      expect.objectContaining({ newerMigrations: 1, msg: expect.stringMatching(/holds 1 migration\(s\) newer than this release's/) }),
    ]);
  });
});

describe('a migration merged after a later-dated one was applied', () => {
  it('when the release that has it starts, then it fails naming the migration drizzle would skip for ever', async () => {
    const db = await createTestDatabase('platform_skipped_migration');
    const pulled = createDatabase({ connectionString: db.url, schema: {}, logger: testLogger });
    try {
      await migrateWithLock(pulled.pool, fixtures('merged-before'), 'merged', testLogger);
      const failed = migrateWithLock(pulled.pool, fixtures('merged-after'), 'merged', testLogger);
      await expect(failed).rejects.toThrow(/^migrations of "merged" skipped 0001_extra: dated before a migration already applied/);
    } finally {
      await pulled.close();
      await db.drop();
    }
  });
});
