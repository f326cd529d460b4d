import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrateWithLock, violatedUniqueConstraint, type Database } from '../../../../services/platform/db/database';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

const MIGRATIONS = path.join(import.meta.dirname, 'fixtures', 'migrations');

let testDb: TestDatabase;
const open: Database<Record<string, never>>[] = [];
const connect = () => {
  const database = createDatabase({ connectionString: testDb.url, schema: {}, logger: testLogger });
  open.push(database);
  return database;
};

beforeAll(async () => {
  testDb = await createTestDatabase('platform_db');
});
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await testDb.drop();
});

describe('migrateWithLock', () => {
  it('when three replicas migrate at once, then every one succeeds and each migration is applied once', async () => {
    const replicas = [connect(), connect(), connect()];
    await Promise.all(replicas.map((r) => migrateWithLock(r.pool, MIGRATIONS, 'fixture', testLogger)));
    const { rows } = await replicas[0]!.pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows[0].n).toBe(2);
    const columns = await replicas[0]!.pool.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY column_name",
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(['code', 'id', 'note']);
  });

  it('when migrations already ran, then running them again changes nothing', async () => {
    const database = connect();
    await migrateWithLock(database.pool, MIGRATIONS, 'fixture', testLogger);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows[0].n).toBe(2);
  });
});

describe('violatedUniqueConstraint', () => {
  it('when an insert breaks a unique constraint, then its name is reported', async () => {
    const database = connect();
    await database.pool.query("INSERT INTO items (code) VALUES ('dup')");
    const error = await database.pool.query("INSERT INTO items (code) VALUES ('dup')").catch((e: unknown) => e);
    expect(violatedUniqueConstraint(error)).toBe('items_code_unique');
    expect(violatedUniqueConstraint(new Error('other'))).toBeUndefined();
  });
});

describe('ping', () => {
  it('when the server answers, then ping is true', async () => {
    expect(await connect().ping()).toBe(true);
  });

  it('when nothing listens at the address, then ping rejects instead of hanging', async () => {
    const nowhere = createDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/x', schema: {}, logger: testLogger });
    open.push(nowhere);
    await expect(nowhere.ping()).rejects.toThrow();
  });
});
