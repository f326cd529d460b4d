import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../services/kit/config';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { migrateInBackground } from '../../../../services/kit/db/migrate';
import { migrationLogin } from '../../../../services/kit/db/migration-login';
import { createTestDatabase, queryRows, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

const MIGRATIONS = path.join(import.meta.dirname, 'fixtures', 'migrations');
const SETTINGS = { MIGRATIONS_DIR: MIGRATIONS, DATABASE_WAIT_MS: 10_000, MIGRATION_LOCK_WAIT_MS: 10_000, MIGRATION_LOCK_TIMEOUT_MS: 5_000, DATABASE_IAM_AUTH: false, PGPORT: 5432 };

let testDb: TestDatabase;
let service: Database<Record<string, never>>;

const asAdmin = <R extends pg.QueryResultRow>(text: string): Promise<R[]> => queryRows<R>(testDb.adminUrl, text);

beforeAll(async () => {
  testDb = await createTestDatabase('migration_login', { app: true });
  service = createDatabase({ connectionString: testDb.appUrl!, schema: {}, logger: testLogger });
});
afterAll(async () => {
  await service.close();
  await testDb.drop();
});

describe('who migrations log in as', () => {
  it('when the service runs as its app role and DATABASE_MIGRATION_URL names the owner, then the owner migrates, keeps no session, and the service uses the tables', async () => {
    const migrations = migrateInBackground(service.pool, { ...SETTINGS, DATABASE_MIGRATION_URL: testDb.url }, 'fixture', testLogger, {});
    await migrations.finished;
    const owners = await asAdmin<{ owner: string }>("SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname IN ('public', 'drizzle')");
    expect(owners.map((r) => r.owner)).toEqual([testDb.role]);
    const ownerSessions = await asAdmin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${testDb.role}'`);
    expect(ownerSessions[0]!.n).toBe(0);
    await service.pool.query("INSERT INTO items (code) VALUES ('from-the-app')");
    expect((await service.pool.query('SELECT current_user AS me')).rows[0]).toEqual({ me: `${testDb.role}_app` });
    await expect(service.pool.query('DROP TABLE items')).rejects.toMatchObject({ code: '42501' });
  });

  it('when the app role would migrate itself (no migration login set), then the migrations fail for want of rights, not silently', async () => {
    const fresh = await createTestDatabase('migration_login_none', { app: true });
    const appOnly = createDatabase({ connectionString: fresh.appUrl!, schema: {}, logger: testLogger });
    try {
      const migrations = migrateInBackground(appOnly.pool, SETTINGS, 'fixture', testLogger, {});
      await expect(migrations.finished).rejects.toThrow(/migrations of "fixture" failed: permission denied/);
    } finally {
      await appOnly.close();
      await fresh.drop();
    }
  });

  it('when the owner may migrate but the service\'s own login is refused, then the migrations are applied but never done, and the start fails naming that login', async () => {
    // A login no server accepts, trusting or not: a role that does not exist (yet).
    const wrong = new URL(testDb.appUrl!);
    wrong.username = `${testDb.role}_nobody`;
    const refused = createDatabase({ connectionString: wrong.toString(), schema: {}, logger: testLogger });
    try {
      const migrations = migrateInBackground(refused.pool, { ...SETTINGS, DATABASE_WAIT_MS: 300, DATABASE_MIGRATION_URL: testDb.url }, 'fixture', testLogger, {});
      await expect(migrations.finished).rejects.toThrow(/did not accept this service's own login \(its app role\) within DATABASE_WAIT_MS \(\d+ ms\): .*"t_migration_login_\w+_nobody"/);
      expect(migrations.done()).toBe(false);
    } finally {
      await refused.close();
    }
  });

  it('when no migration login is set, then the migrations use the service\'s own pool', () => {
    const login = migrationLogin(SETTINGS, service.pool, testLogger);
    expect(login.pool).toBe(service.pool);
  });

  it.each([
    [{ DATABASE_MIGRATION_URL: 'postgres://o@h/d', DATABASE_MIGRATION_USER: 'o' }, /DATABASE_MIGRATION_URL and DATABASE_MIGRATION_USER: set one of them, not both/],
    [{ DATABASE_MIGRATION_USER: 'owner' }, /DATABASE_MIGRATION_USER: logs in with IAM tokens, so it needs DATABASE_IAM_AUTH=true/],
    [{ DATABASE_MIGRATION_USER: 'owner', DATABASE_IAM_AUTH: true }, /PGHOST: required with DATABASE_MIGRATION_USER[\s\S]*AWS_REGION: required with DATABASE_MIGRATION_USER/],
    [{ DATABASE_MIGRATION_USER: 'owner', DATABASE_IAM_AUTH: true, DATABASE_URL: 'postgres://a@h/d' }, /DATABASE_MIGRATION_USER: goes with the libpq variables .*not with DATABASE_URL; with a URL, set DATABASE_MIGRATION_URL instead/],
  ])('when the migration login is set inconsistently (%o), then startup stops naming the variables', (settings, message) => {
    const start = () => migrateInBackground(service.pool, { ...SETTINGS, ...settings }, 'fixture', testLogger, {});
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(message);
  });

  it('when DATABASE_MIGRATION_USER is set with IAM in AWS, then its pool logs in as that user on the service\'s server', () => {
    const login = migrationLogin({ ...SETTINGS, DATABASE_IAM_AUTH: true, DATABASE_MIGRATION_USER: 'billing_service', PGHOST: 'db.example', AWS_REGION: 'us-east-1' }, service.pool, testLogger);
    expect(login.pool).not.toBe(service.pool);
    expect((login.pool as unknown as { options: { user?: string; max: number } }).options).toMatchObject({ user: 'billing_service', max: 1 });
    return login.close();
  });
});
