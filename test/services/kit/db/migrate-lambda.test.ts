import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANSWER_RESERVE_MS } from '../../../../services/kit/custom-resource';
import { migrateAndAnswer, migrationTargetOf } from '../../../../services/kit/db/migrate-lambda';
import { missingColumns } from '../../../../services/kit/db/schema-check';
import { createDatabase } from '../../../../services/kit/db/database';
import * as billingSchema from '../../../../services/billing/data-access/schema';
import { createTestDatabase, queryRows, type TestDatabase } from '../../../support/database';
import { builtMigrationFunction } from '../../../lib/constructs/migration-bundle';
import { testLogger } from '../../../support/silent-logger';

/**
 * The migration step as CloudFormation calls it, against a real PostgreSQL: the owner logs in with a fixed
 * password instead of an IAM token (the one part of AWS that cannot run here), and CloudFormation's response URL is
 * a local HTTP server.
 */
const BILLING_MIGRATIONS = path.resolve('services/billing/data-access/migrations');
const SLOW_MIGRATIONS = path.join(import.meta.dirname, 'fixtures', 'slow-migrations');

let testDb: TestDatabase;
let cfn: Server;
let cfnPort: number;
const answers: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  testDb = await createTestDatabase('migrate_lambda', { app: true });
  cfn = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      answers.push({ method: request.method, ...(JSON.parse(body) as Record<string, unknown>) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => cfn.listen(0, '127.0.0.1', resolve));
  cfnPort = (cfn.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => cfn.close(resolve));
  await testDb.drop();
});

const url = () => new URL(testDb.url);
const env = (overrides: Record<string, string | undefined> = {}) => ({
  DB_HOST: url().hostname,
  DB_PORT: url().port || '5432',
  DB_NAME: decodeURIComponent(url().pathname.slice(1)),
  DB_USER: testDb.role,
  DB_SSLMODE: 'disable', // the test server has no TLS; in AWS it is verify-full
  AWS_REGION: 'us-east-1',
  LOCK_NAME: 'billing',
  MIGRATIONS_DIR: BILLING_MIGRATIONS,
  ...overrides,
});
const fixedPassword = (password: () => string) => () => ({ description: 'the owner\'s test password', password: async () => password(), refresh: () => {} });
const ownerPassword = fixedPassword(() => testDb.password);
const event = (RequestType: 'Create' | 'Update' | 'Delete') => ({
  RequestType,
  ResponseURL: `http://127.0.0.1:${cfnPort}/cfn-response?signature=x`,
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/platform-dev/1',
  RequestId: `request-${answers.length}`,
  LogicalResourceId: 'BillingMigrationsRun',
  ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'BillingMigrationsRun-migrations' }),
  ResourceProperties: {},
});
/** Lambda's context, with `ms` left before the function's timeout (15 minutes in AWS). */
const lambdaContext = (ms = 900_000) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};
const call = (type: 'Create' | 'Update' | 'Delete', settings: Record<string, string | undefined> = env(), context = lambdaContext()) => migrateAndAnswer(event(type), context, settings, ownerPassword);
const quietly = async <T>(work: () => Promise<T>): Promise<string[]> => {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await work();
    return logged.mock.calls.map(([line]) => JSON.parse(String(line)).msg as string);
  } finally {
    logged.mockRestore();
  }
};
const appliedCount = async () => (await queryRows<{ n: number }>(testDb.url, 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations'))[0]!.n;

describe('the migration step', () => {
  it('when CloudFormation creates it, then the owner applies the service\'s migrations, keeps no session, the app role can use every table, and SUCCESS is answered', async () => {
    await call('Create');
    expect(answers.at(-1)).toMatchObject({ method: 'PUT', Status: 'SUCCESS', Reason: `migrations of database "${env().DB_NAME}" applied`, PhysicalResourceId: 'BillingMigrationsRun-migrations' });
    const owners = await queryRows<{ owner: string }>(testDb.adminUrl, "SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname IN ('public', 'drizzle')");
    expect(owners).toEqual([{ owner: testDb.role }]);
    const sessions = await queryRows<{ n: number }>(testDb.adminUrl, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${testDb.role}'`);
    expect(sessions[0]!.n).toBe(0);
    const app = createDatabase({ connectionString: testDb.appUrl!, schema: {}, logger: testLogger });
    try {
      expect(await missingColumns(app.pool, billingSchema)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('when a redeploy updates it, then nothing is applied twice; when it is deleted, then the schema stays and nothing runs', async () => {
    const applied = await appliedCount();
    await call('Update');
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS' });
    expect(await appliedCount()).toBe(applied);
    await call('Delete', {});
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', Reason: 'the schema stays with its database' });
    expect(await appliedCount()).toBe(applied);
  });

  it('when its settings are missing or wrong, then FAILED is answered naming them, so the deploy stops before the service changes', async () => {
    const logged = await quietly(async () => {
      await call('Update', env({ DB_USER: undefined, LOCK_NAME: undefined }));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: 'DB_USER, LOCK_NAME must be set in the migration function\'s environment' });
      await call('Update', env({ DB_PORT: '5432x' }));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: 'DB_PORT must be a port number; got "5432x"' });
    });
    expect(logged).toEqual(['migrations failed', 'migrations failed']);
  });

  it('when the database refuses the login, then FAILED is answered with the server\'s reason', async () => {
    await quietly(() => call('Update', env({ DB_USER: `${testDb.role}_nobody` })));
    expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`"${testDb.role}_nobody"`) });
  });

  it('when a task of the previous release is migrating (it holds the lock) past the function\'s time, then FAILED is answered in time, naming that session', async () => {
    const holder = new pg.Client({ connectionString: testDb.url, application_name: 'billing-task-migrating' });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext('billing'))");
      await quietly(() => call('Update', env(), lambdaContext(ANSWER_RESERVE_MS + 500)));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not get their lock within \d+ ms: it is held by .*billing-task-migrating/) });
    } finally {
      await holder.end();
    }
  });

  it('when a migration is still running at the function\'s deadline, then FAILED is answered at once, and the server stops the statement and rolls it back', async () => {
    const slow = await createTestDatabase('migrate_lambda_slow', { app: true });
    try {
      const slowUrl = new URL(slow.url);
      const settings = env({ DB_NAME: decodeURIComponent(slowUrl.pathname.slice(1)), DB_USER: slow.role, MIGRATIONS_DIR: SLOW_MIGRATIONS, LOCK_NAME: 'slow' });
      const started = Date.now();
      await quietly(() => migrateAndAnswer(event('Update'), lambdaContext(ANSWER_RESERVE_MS + 400), settings, fixedPassword(() => slow.password)));
      expect(Date.now() - started).toBeLessThan(1_400); // the migration sleeps 1.5 s
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not finish before the function's timeout|statement timeout/) });
      await vi.waitFor(async () => {
        const sessions = await queryRows<{ n: number }>(slow.adminUrl, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${slow.role}'`);
        expect(sessions[0]!.n).toBe(0);
      }, { timeout: 5_000, interval: 100 });
      expect(await queryRows(slow.adminUrl, "SELECT 1 FROM pg_tables WHERE tablename = 'slow_items'")).toEqual([]);
    } finally {
      await slow.drop();
    }
  });

  it('when Lambda runs it, then the migrations folder defaults to the one copied beside the handler, and the connection checks the certificate', () => {
    const target = migrationTargetOf({ ...env(), MIGRATIONS_DIR: undefined, DB_SSLMODE: undefined });
    expect(target.migrationsDir).toMatch(/services\/kit\/db\/migrations$/);
    expect(target.sslmode).toBe('verify-full');
  });

  it('when the function CDK builds runs (bundled, its migrations copied beside it), then it applies them from there', async () => {
    const fresh = await createTestDatabase('migrate_lambda_bundle', { app: true });
    const bundle = builtMigrationFunction(path.resolve('services/product/data-access/migrations'));
    try {
      const built = createRequire(import.meta.url)(bundle.entry) as { migrateAndAnswer: typeof migrateAndAnswer };
      const freshUrl = new URL(fresh.url);
      const settings = env({ DB_NAME: decodeURIComponent(freshUrl.pathname.slice(1)), DB_USER: fresh.role, LOCK_NAME: 'product', MIGRATIONS_DIR: undefined });
      await built.migrateAndAnswer(event('Create'), lambdaContext(), settings, fixedPassword(() => fresh.password));
      expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS' });
      expect(await queryRows(fresh.adminUrl, "SELECT 1 FROM pg_tables WHERE tablename = 'products'")).toHaveLength(1);
    } finally {
      bundle.dispose();
      await fresh.drop();
    }
  });
});
