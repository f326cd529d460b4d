import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { connect as connectTcp, createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANSWER_RESERVE_MS } from '../../../../services/kit/custom-resource';
import { type handler, migrateAndAnswer } from '../../../../services/kit/db/migrate-lambda';
import { migrationTargetOf } from '../../../../services/kit/db/migration-target';
import { unusableParts } from '../../../../services/kit/db/schema-check';
import { createDatabase } from '../../../../services/kit/db/database';
import * as billingSchema from '../../../../services/billing/data-access/schema';
import { createTestDatabase, queryRows, type TestDatabase } from '../../../support/database';
import { builtMigrationFunction } from '../../../lib/constructs/migration-bundle';
import { testLogger } from '../../../support/silent-logger';
import { eventually } from '../../../support/within';

/**
 * The migration step as CloudFormation calls it, against a real PostgreSQL: the owner logs in with a fixed
 * password instead of an IAM token (the one part of AWS that cannot run here), and CloudFormation's response URL is
 * a local HTTP server.
 */
const BILLING_MIGRATIONS = path.resolve('services/billing/data-access/migrations');
const STEPWISE_MIGRATIONS = path.join(import.meta.dirname, 'fixtures', 'stepwise-slow-migrations');

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
/** The digest the construct gives the function and its custom resource alike, for the release being deployed. */
const RELEASE_DIGEST = 'a1'.repeat(32);
const env = (overrides: Record<string, string | undefined> = {}) => ({
  DB_HOST: url().hostname,
  DB_PORT: url().port || '5432',
  DB_NAME: decodeURIComponent(url().pathname.slice(1)),
  DB_USER: testDb.role,
  DB_SSLMODE: 'disable', // the test server has no TLS; in AWS it is verify-full
  AWS_REGION: 'us-east-1',
  LOCK_NAME: 'billing',
  MIGRATIONS_DIR: BILLING_MIGRATIONS,
  MIGRATIONS_DIGEST: RELEASE_DIGEST,
  LOG_LEVEL: 'silent',
  ...overrides,
});
const fixedPassword = (password: () => string) => () => ({ description: 'the owner\'s test password', password: async () => password(), refresh: () => {} });
const ownerPassword = fixedPassword(() => testDb.password);
const event = (RequestType: 'Create' | 'Update' | 'Delete', migrations = RELEASE_DIGEST) => ({
  RequestType,
  ResponseURL: `http://127.0.0.1:${cfnPort}/cfn-response?signature=x`,
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/platform-dev/1',
  RequestId: `request-${answers.length}`,
  LogicalResourceId: 'BillingMigrationsRun',
  ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'BillingMigrationsRun-migrations' }),
  ResourceProperties: { Migrations: migrations },
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

/**
 * A database for the stepwise fixture (two one-second statements, then a probe and a table), with the probe's
 * sequence made beforehand: a statement sent after the deadline marks it even when its transaction rolls back.
 */
async function stepwiseDatabase(name: string) {
  const database = await createTestDatabase(name, { app: true });
  await queryRows(database.adminUrl, `CREATE SEQUENCE statements_after_deadline; GRANT USAGE, SELECT ON SEQUENCE statements_after_deadline TO "${database.role}"`);
  const settings = env({ DB_NAME: decodeURIComponent(new URL(database.url).pathname.slice(1)), DB_USER: database.role, MIGRATIONS_DIR: STEPWISE_MIGRATIONS, LOCK_NAME: 'slow' });
  const afterTheDeadline = async () => ({
    statementsSent: (await queryRows<{ called: boolean }>(database.adminUrl, 'SELECT is_called AS called FROM statements_after_deadline'))[0]!.called,
    table: (await queryRows(database.adminUrl, "SELECT 1 FROM pg_tables WHERE tablename = 'stepwise_items'")).length > 0,
    // drizzle makes its bookkeeping table before the migrations' transaction; no migration is recorded in it.
    recorded: await queryRows(database.url, 'SELECT hash FROM drizzle.__drizzle_migrations'),
  });
  return { ...database, settings, afterTheDeadline };
}

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
      expect(await unusableParts(app.pool, billingSchema)).toEqual([]);
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

  it('when CloudFormation rolls a failed update back (the step first, asking for the old release\'s migrations while the function holds the new ones), then SUCCESS is answered and nothing is applied', async () => {
    const fresh = await createTestDatabase('migrate_lambda_rollback', { app: true });
    try {
      const settings = env({ DB_NAME: decodeURIComponent(new URL(fresh.url).pathname.slice(1)), DB_USER: fresh.role });
      await migrateAndAnswer(event('Update', 'b2'.repeat(32)), lambdaContext(), settings, fixedPassword(() => fresh.password));
      expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringMatching(/a rollback to another release's, so nothing applied/) });
      expect(await queryRows(fresh.adminUrl, "SELECT nspname FROM pg_namespace WHERE nspname = 'drizzle'")).toEqual([]);
      expect(await queryRows(fresh.adminUrl, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
    } finally {
      await fresh.drop();
    }
  });

  it('when its settings are missing or wrong, then FAILED is answered naming them, so the deploy stops before the service changes', async () => {
    const logged = await quietly(async () => {
      await call('Update', env({ DB_USER: undefined, LOCK_NAME: undefined }));
      // One line naming each variable and what it got (the middle is zod's wording).
      expect(answers.at(-1)).toMatchObject({
        Status: 'FAILED',
        Reason: expect.stringMatching(/^the migration function's environment: DB_USER: [^;]+ \(it is not set\); LOCK_NAME: [^;]+ \(it is not set\)$/),
      });
      await call('Update', env({ DB_PORT: '5432x' }));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/^the migration function's environment: DB_PORT: [^;]+ \(got "5432x"\)$/) });
    });
    expect(logged).toEqual(['migrations failed', 'migrations failed']);
  });

  it('when the database refuses the login, then FAILED is answered with the server\'s reason', async () => {
    await quietly(() => call('Update', env({ DB_USER: `${testDb.role}_nobody`, DATABASE_WAIT_MS: '300' })));
    expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(new RegExp(`did not accept the database owner's login within DATABASE_WAIT_MS \\(300 ms\\): .*"${testDb.role}_nobody"`)) });
  });

  it('when a task of the previous release is migrating (it holds the lock) past the function\'s time, then FAILED is answered in time, naming that session', async () => {
    const holder = new pg.Client({ connectionString: testDb.url, application_name: 'billing-task-migrating' });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext('billing'))");
      // Five seconds to the deadline: the lock is refused a second before it, whatever connecting took on a busy host.
      // A host that stalls past that second answers at the deadline instead, naming the holder seen when the wait began.
      await quietly(() => call('Update', env(), lambdaContext(ANSWER_RESERVE_MS + 5_000)));
      expect(answers.at(-1)).toMatchObject({
        Status: 'FAILED',
        Reason: expect.stringMatching(/(did not get their lock within \d+ ms: it is held by|did not finish before the function's timeout; they were waiting for their lock, held by) .*billing-task-migrating/),
      });
    } finally {
      await holder.end();
    }
  });

  it('when the deadline comes before the lock\'s refusal is told (its holder\'s lookup hangs), then FAILED still names the session that held the lock', async () => {
    const holder = new pg.Client({ connectionString: testDb.url, application_name: 'billing-task-migrating' });
    const catalogue = new pg.Client({ connectionString: testDb.adminUrl });
    await Promise.all([holder.connect(), catalogue.connect()]);
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext('billing'))");
      const answering = quietly(() => call('Update', env(), lambdaContext(ANSWER_RESERVE_MS + 8_000)));
      await eventually('the step waiting for the migration lock', async () =>
        (await catalogue.query("SELECT 1 FROM pg_stat_activity WHERE wait_event = 'advisory' AND datname = current_database()")).rowCount === 1);
      // Looking up who holds the lock, once it is refused, now waits for this transaction: the deadline comes first.
      await catalogue.query('BEGIN');
      await catalogue.query('LOCK TABLE pg_catalog.pg_locks IN ACCESS EXCLUSIVE MODE');
      await answering;
      expect(answers.at(-1)).toMatchObject({
        Status: 'FAILED',
        Reason: expect.stringMatching(/did not finish before the function's timeout; they were waiting for their lock, held by .*billing-task-migrating/),
      });
    } finally {
      await catalogue.end();
      await holder.end();
    }
  });

  it('when a migration is still running at the function\'s deadline, then its session is ended before FAILED is answered: no later statement runs, nothing commits, no lock stays', async () => {
    const slow = await stepwiseDatabase('migrate_lambda_slow');
    try {
      // The deadline falls in the second of two one-second statements, which started with most of its
      // statement_timeout ahead of it; the table comes after both.
      await quietly(() => migrateAndAnswer(event('Update'), lambdaContext(ANSWER_RESERVE_MS + 1_500), slow.settings, fixedPassword(() => slow.password)));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not finish before the function's timeout/) });
      const sessions = await queryRows<{ n: number }>(slow.adminUrl, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${slow.role}'`);
      expect(sessions[0]!.n).toBe(0);
      await sleep(2_500); // past both statements' end, had they run on
      expect(await slow.afterTheDeadline()).toEqual({ statementsSent: false, table: false, recorded: [] });
    } finally {
      await slow.drop();
    }
  });

  it('when the host stalls across the deadline (the server\'s go-ahead for the next statement already waits to be read), then still no later statement is sent', async () => {
    const slow = await stepwiseDatabase('migrate_lambda_stall');
    // The deadline falls in the second one-second statement; the event loop is blocked from just before it until
    // well after that statement has ended, so the deadline and the server's answer both wait when it resumes.
    const stall = setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_800), 1_400);
    try {
      await quietly(() => migrateAndAnswer(event('Update'), lambdaContext(ANSWER_RESERVE_MS + 1_500), slow.settings, fixedPassword(() => slow.password)));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not finish before the function's timeout/) });
      await sleep(500); // a statement sent on resuming would have run by now
      expect(await slow.afterTheDeadline()).toEqual({ statementsSent: false, table: false, recorded: [] });
    } finally {
      clearTimeout(stall);
      await slow.drop();
    }
  });

  it('when the database takes no new login at the deadline, then FAILED is still answered leaving the answer its own 10 s of the reserve, and the closed client ends the session', async () => {
    const slow = await stepwiseDatabase('migrate_lambda_no_login');
    const server = new URL(slow.url);
    // The first connection (the migration's) reaches PostgreSQL; every later one is accepted and never answered.
    const silent: Socket[] = [];
    // Destroyed after the test: once the client side closes, the pipe stops reading the PostgreSQL side, which then
    // never sees its end and stays open in this worker (isolate: false) for the files after this one.
    const piped: Socket[] = [];
    let proxied = false;
    const proxy = createTcpServer((socket) => {
      if (proxied) return void silent.push(socket);
      proxied = true;
      const upstream = connectTcp(Number(server.port || 5432), server.hostname);
      piped.push(socket, upstream);
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const settings = { ...slow.settings, DB_HOST: '127.0.0.1', DB_PORT: String((proxy.address() as AddressInfo).port) };
      const deadline = Date.now() + 1_500;
      await quietly(() => migrateAndAnswer(event('Update'), lambdaContext(ANSWER_RESERVE_MS + 1_500), settings, fixedPassword(() => slow.password)));
      const answeredAfter = Date.now() - deadline;
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not finish before the function's timeout/) });
      expect(silent.length).toBeGreaterThan(0); // the step did try to end the session from a new login
      expect(answeredAfter, `answered ${answeredAfter} ms after the deadline`).toBeLessThan(ANSWER_RESERVE_MS - 10_000);
      await eventually('the migration session gone', async () =>
        (await queryRows<{ n: number }>(slow.adminUrl, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${slow.role}'`))[0]!.n === 0);
      expect(await slow.afterTheDeadline()).toEqual({ statementsSent: false, table: false, recorded: [] });
    } finally {
      for (const socket of [...silent, ...piped]) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
      await slow.drop();
    }
  });

  it('when the database does not answer yet (a reboot, a failover), then the step waits for it within DATABASE_WAIT_MS, then names the last reason', async () => {
    const rebooting = await passwordCapturingServer({ refuseFirst: 2 });
    try {
      await quietly(() => call('Update', env({ DB_HOST: '127.0.0.1', DB_PORT: String(rebooting.port), DATABASE_WAIT_MS: '1500' })));
      expect(rebooting.connections).toBeGreaterThanOrEqual(3);
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not accept the database owner's login within DATABASE_WAIT_MS \(1500 ms\): the token was captured/) });
    } finally {
      await rebooting.close();
    }
  });

  it('when Lambda runs it, then the migrations folder defaults to the one copied beside the handler, and the connection checks the certificate', () => {
    const target = migrationTargetOf({ ...env(), MIGRATIONS_DIR: undefined, DB_SSLMODE: undefined });
    expect(target.migrationsDir).toMatch(/services\/kit\/db\/migrations$/);
    expect(target.sslmode).toBe('verify-full');
    expect(target.waitMs).toBe(60_000);
    expect(() => migrationTargetOf({ ...env(), DATABASE_WAIT_MS: '1m' })).toThrow(/^the migration function's environment: DATABASE_WAIT_MS: .* \(got "1m"\)$/);
    expect(() => migrationTargetOf({ ...env(), DATABASE_WAIT_MS: '0' })).toThrow(/DATABASE_WAIT_MS: .* \(got "0"\)/);
    expect(() => migrationTargetOf({ ...env(), LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL: .* \(got "loud"\)/);
    expect(() => migrationTargetOf({ ...env(), DB_SSLMODE: 'strict' })).toThrow(/DB_SSLMODE: .* \(got "strict"\)/);
    expect(() => migrationTargetOf({ ...env(), MIGRATIONS_DIGEST: undefined })).toThrow(/MIGRATIONS_DIGEST: .* \(it is not set\)/);
  });

  describe('the very bundle CDK builds (esbuild, its migrations copied beside it)', () => {
    let bundle: ReturnType<typeof builtMigrationFunction>;
    let built: { handler: typeof handler; migrateAndAnswer: typeof migrateAndAnswer };
    beforeAll(() => {
      bundle = builtMigrationFunction(path.resolve('services/product/data-access/migrations'));
      built = createRequire(import.meta.url)(bundle.entry) as typeof built;
    }, 60_000);
    afterAll(() => bundle?.dispose());

    it('when it runs, then it applies the migrations from the folder beside it', async () => {
      const fresh = await createTestDatabase('migrate_lambda_bundle', { app: true });
      try {
        const freshUrl = new URL(fresh.url);
        const settings = env({ DB_NAME: decodeURIComponent(freshUrl.pathname.slice(1)), DB_USER: fresh.role, LOCK_NAME: 'product', MIGRATIONS_DIR: undefined });
        await built.migrateAndAnswer(event('Create'), lambdaContext(), settings, fixedPassword(() => fresh.password));
        expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS' });
        expect(await queryRows(fresh.adminUrl, "SELECT 1 FROM pg_tables WHERE tablename = 'products'")).toHaveLength(1);
      } finally {
        await fresh.drop();
      }
    });

    it('when Lambda calls its handler with the role\'s credentials in the environment, then it logs in as the owner with an IAM token it signs itself', async () => {
      const database = await passwordCapturingServer();
      const settings = { DB_HOST: '127.0.0.1', DB_PORT: String(database.port), DB_NAME: 'product', DB_USER: 'product_service', DB_SSLMODE: 'disable', AWS_REGION: 'eu-west-1', LOCK_NAME: 'product', MIGRATIONS_DIGEST: RELEASE_DIGEST, DATABASE_WAIT_MS: '300', LOG_LEVEL: 'silent' };
      // What Lambda puts in a function's environment: its role's temporary credentials, and the function's settings.
      for (const [name, value] of Object.entries({ ...settings, AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'secret-example', AWS_SESSION_TOKEN: 'session-example' })) vi.stubEnv(name, value);
      try {
        await quietly(() => built.handler(event('Update'), lambdaContext(ANSWER_RESERVE_MS + 10_000)));
      } finally {
        vi.unstubAllEnvs();
        await database.close();
      }
      expect(database.passwords[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1:${database.port}/\\?Action=connect&DBUser=product_service&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLEEXAMPLE00%2F\\d{8}%2Feu-west-1%2Frds-db%2Faws4_request&`));
      expect(database.passwords[0]).toContain('X-Amz-Security-Token=session-example');
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('the token was captured') });
    });
  });
});

/**
 * A server that speaks just enough of PostgreSQL's protocol to ask for a cleartext password, keep it, and refuse the
 * login: what a client sends as its password, without a server that checks IAM tokens.
 */
async function passwordCapturingServer(options: { refuseFirst?: number } = {}): Promise<{ port: number; passwords: string[]; readonly connections: number; close(): Promise<void> }> {
  const passwords: string[] = [];
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections += 1;
    // A server not up yet: the connection is closed at once, as a rebooting instance's port would.
    if (connections <= (options.refuseFirst ?? 0)) {
      socket.destroy();
      return;
    }
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 8 && buffer.readInt32BE(4) === 80877103) {
        socket.write('N'); // SSLRequest: no TLS here
        buffer = buffer.subarray(8);
        return;
      }
      if (buffer[0] === 0x70 /* 'p' */ && buffer.length >= 5 && buffer.length >= 1 + buffer.readInt32BE(1)) {
        passwords.push(buffer.subarray(5, buffer.readInt32BE(1)).toString('utf8'));
        const fields = Buffer.from('SFATAL\0C28000\0Mthe token was captured\0\0');
        const error = Buffer.alloc(5);
        error.write('E');
        error.writeInt32BE(4 + fields.length, 1);
        socket.end(Buffer.concat([error, fields]));
        return;
      }
      if (buffer.length >= 8 && buffer.length >= buffer.readInt32BE(0) && buffer[0] !== 0x70) {
        buffer = buffer.subarray(buffer.readInt32BE(0)); // the startup message
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    passwords,
    get connections() {
      return connections;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
