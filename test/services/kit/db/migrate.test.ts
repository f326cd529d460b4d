import path from 'node:path';
import express from 'express';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { migrateWithLock, startMigrations } from '../../../../services/kit/db/migrate';
import { errorHandler } from '../../../../services/kit/http/error-handler';
import { healthRoutes, readyAfter, startedAfter } from '../../../../services/kit/http/health';
import { serve, type RunningServer } from '../../../../services/kit/http/serve';
import { requestId } from '../../../../services/kit/http/request-id';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';
import { eventually } from '../../../support/within';

const fixtures = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
const MIGRATIONS = fixtures('migrations');

let testDb: TestDatabase;
const open: Database<Record<string, never>>[] = [];
const connect = (url = testDb.url) => {
  const database = createDatabase({ connectionString: url, schema: {}, logger: testLogger });
  open.push(database);
  return database;
};
/** A plain session of its own, named so that a lock it holds can be told apart. */
async function session(url: string, name: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: name });
  await client.connect();
  return client;
}

beforeAll(async () => {
  testDb = await createTestDatabase('platform_migrate');
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
    const columns = await replicas[0]!.pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY column_name");
    expect(columns.rows.map((r) => r.column_name)).toEqual(['code', 'id', 'note']);
  });

  it('when migrations already ran, then running them again changes nothing', async () => {
    const database = connect();
    await migrateWithLock(database.pool, MIGRATIONS, 'fixture', testLogger);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows[0].n).toBe(2);
  });

  it('when another session holds the migration lock past the wait, then it fails naming that session', async () => {
    const holder = await session(testDb.url, 'stuck-migrator');
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext('held'))");
      const failed = migrateWithLock(connect().pool, MIGRATIONS, 'held', testLogger, { lockWaitMs: 300 });
      await expect(failed).rejects.toThrow(/migrations of "held" did not get their lock within 300 ms: it is held by backend pid \d+ \("stuck-migrator"/);
    } finally {
      await holder.end();
    }
  });

  it('when the lock is held at first, then the caller hears who holds it before the wait, and hears when it is taken', async () => {
    const holder = await session(testDb.url, 'finishing-migrator');
    const heard: string[] = [];
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext('released'))");
      const lockEvents = { waiting: (by: string) => heard.push(`waiting for ${by}`), taken: () => heard.push('taken') };
      const migrating = migrateWithLock(connect().pool, MIGRATIONS, 'released', testLogger, { lockEvents });
      await eventually('the wait heard of', () => heard.length > 0, 10_000);
      expect(heard).toEqual([expect.stringMatching(/^waiting for backend pid \d+ \("finishing-migrator"/)]);
      await holder.query("SELECT pg_advisory_unlock(hashtext('released'))");
      await migrating;
      expect(heard.at(-1)).toBe('taken');
      expect(heard).toHaveLength(2);
    } finally {
      await holder.end();
    }
  });

  it('when the session ends under a migration, then its own failure is told (not the lock\'s release that failed after it), and the dead session is not pooled again', async () => {
    const database = connect();
    const failed = migrateWithLock(database.pool, fixtures('session-ending-migrations'), 'ending', testLogger);
    await expect(failed).rejects.toThrow(/^migrations of "ending" failed: .*(terminating connection|Connection terminated)/);
    expect(database.pool.totalCount).toBe(0);
    await expect(database.pool.query('SELECT 1 AS ok')).resolves.toMatchObject({ rows: [{ ok: 1 }] });
  });

  it('when a statement waits on a table lock past lock_timeout, then the migration fails instead of blocking the service', async () => {
    const db = await createTestDatabase('platform_lock_timeout');
    const reader = await session(db.url, 'long-transaction');
    try {
      await reader.query('CREATE TABLE gadgets (id serial PRIMARY KEY)');
      await reader.query('BEGIN');
      await reader.query('SELECT * FROM gadgets'); // holds ACCESS SHARE until the transaction ends
      const failed = migrateWithLock(connect(db.url).pool, fixtures('alter-migrations'), 'alter', testLogger, { lockTimeoutMs: 200 });
      await expect(failed).rejects.toThrow(/migrations of "alter" failed: a statement waited more than lock_timeout \(200 ms\) for a table lock/);
    } finally {
      await reader.end();
      await db.drop();
    }
  });
});

describe('migrations beside a listening service', () => {
  let server: RunningServer | undefined;
  afterAll(() => server?.close());

  it('when migrations are slow, then /health/live answers at once, /health/started and /health/ready say 503 until they are done, then 200', async () => {
    const db = await createTestDatabase('platform_slow_migration');
    let gate: pg.PoolClient | undefined;
    try {
      const database = connect(db.url);
      // The migration waits for this lock: it runs until the checks below are done, however slow the host.
      gate = await database.pool.connect();
      await gate.query('SELECT pg_advisory_lock(424242)');
      // A lock_timeout longer than the test: the gate, not a timer, decides when the migration goes on.
      const migrations = startMigrations(() => migrateWithLock(database.pool, fixtures('slow-migrations'), 'slow', testLogger, { lockTimeoutMs: 120_000 }));
      const app = express().use(requestId).use(healthRoutes(readyAfter(migrations, database.ping), startedAfter(migrations))).use(errorHandler(testLogger));
      server = await serve(app, { port: 0, host: '127.0.0.1', logger: testLogger });
      const get = (route: string) => fetch(`${server!.url}${route}`);
      expect((await get('/health/live')).status).toBe(200);
      const notReady = await get('/health/ready');
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ detail: 'Migrations are running.' });
      const notStarted = await get('/health/started');
      expect(notStarted.status).toBe(503);
      expect(await notStarted.json()).toMatchObject({ detail: 'Migrations are running.' });
      expect(migrations.done()).toBe(false);
      gate.release(true); // its session ends, and the lock with it
      gate = undefined;
      await migrations.finished;
      expect(migrations.done()).toBe(true);
      await vi.waitFor(async () => expect((await get('/health/ready')).status).toBe(200), { timeout: 10_000 });
      expect((await get('/health/started')).status).toBe(200);
    } finally {
      gate?.release(true);
      await server?.close();
      server = undefined;
      await db.drop();
    }
  });

  it('when migrations fail, then `finished` rejects with why and the service never says ready', async () => {
    const migrations = startMigrations(() => Promise.reject(new Error('boom')));
    await expect(migrations.finished).rejects.toThrow('boom');
    expect(migrations.done()).toBe(false);
    await expect(readyAfter(migrations, async () => true)()).rejects.toThrow('Migrations are running.');
  });
});
