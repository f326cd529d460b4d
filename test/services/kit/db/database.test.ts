import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, violatedUniqueConstraint, type Database } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { captureLogs } from '../../../support/bus/logs';
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
  await migrateWithLock(connect().pool, MIGRATIONS, 'fixture', testLogger);
});
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await testDb.drop();
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

describe('an idle connection that the server ends', () => {
  it('when the pool reports it, then the warning gives the reason and the SQLSTATE, not the client', async () => {
    const { logger, lines } = captureLogs();
    const database = createDatabase({ connectionString: testDb.url, schema: {}, logger });
    open.push(database);
    const { rows } = await database.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await connect().pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await vi.waitFor(() => expect(lines).toHaveLength(1), { timeout: 10_000 });
    expect(lines[0]).toMatchObject({ msg: 'idle database connection failed', reason: 'terminating connection due to administrator command', code: '57P01' });
    expect(JSON.stringify(lines[0])).not.toMatch(/client|_connecting|stream/i);
  });
});

describe('a connection in use that the server ends', () => {
  it('when it ends between two statements of its holder, then the process goes on, the failure is logged, and the next statement fails with the reason', async () => {
    const { logger, lines } = captureLogs();
    const database = createDatabase({ connectionString: testDb.url, schema: {}, logger });
    open.push(database);
    const client = await database.pool.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await connect().pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await vi.waitFor(() => expect(lines.map((line) => line.msg)).toContain('database connection in use failed'), { timeout: 10_000 });
      await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/);
    } finally {
      client.release(true);
    }
    expect(database.pool.totalCount).toBe(0);
    expect((await database.pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });
});
