import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase } from '../../services/kit/db/database';
import { migrateWithLock } from '../../services/kit/db/migrate';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../../services/kit/db/provision';
import { dropNow, endSessionsOf, listForDrop, type DropEntry } from './database-drops';
import { testLogger } from './silent-logger';
import { awaitReadyFile } from './ready-file';

export interface TestDatabase {
  /** As the database's own login role, the way a service connects: it owns the database and nothing else. */
  readonly url: string;
  /** As the server's admin, for what only the admin may do (another role's sessions, roles, passwords). */
  readonly adminUrl: string;
  /** The login role that owns the database (named like it). */
  readonly role: string;
  /** That role's password; the URLs carry it. */
  readonly password: string;
  /** With `{ app: true }`: as a second login role that may only read and write rows, as the services run in npm start and AWS. */
  readonly appUrl?: string;
  drop(): Promise<void>;
}

let serverReady: Promise<void> | undefined;

/** The global setup starts the embedded server without waiting for it (global-setup.ts); once up, it stays up. */
function waitForServer(): Promise<void> {
  const file = inject('databaseReadyFile') as string | undefined;
  return (serverReady ??= file ? awaitReadyFile(file, 'the tests\' PostgreSQL server') : Promise.resolve());
}

/** The run's server, without a database name, as its admin. */
export async function testServerUrl(): Promise<string> {
  await waitForServer();
  return inject('databaseServerUrl');
}

/** The run's server as its admin, in its `postgres` database. */
const adminUrl = async () => urlOfDatabase(await testServerUrl(), 'postgres');

/**
 * A fresh, empty database on the shared test server, owned by a login role of its own made by the same code that
 * provisions the services' roles offline and in AWS (services/kit/db/provision.ts). One per test file keeps files
 * independent; drop() says the file is done with it, and the role and the database go together later.
 */
export async function createTestDatabase(label = 'test', options: { readonly app?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${label.replace(/\W/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const password = randomBytes(12).toString('hex');
  const app = options.app ? { role: appRoleOf(name), password: randomBytes(12).toString('hex') } : undefined;
  const serverUrl = await testServerUrl();
  await provisionDatabases(adminFromUrl(serverUrl), [{ database: name, role: name, password, ...(app ? { app } : {}) }]);
  return {
    url: urlOfDatabase(serverUrl, name, { user: name, password }),
    ...(app ? { appUrl: urlOfDatabase(serverUrl, name, { user: app.role, password: app.password }) } : {}),
    adminUrl: urlOfDatabase(serverUrl, name),
    role: name,
    password,
    drop: () => dropAfterRun({ databases: [name], roles: [name, appRoleOf(name)] }),
  };
}

const appRoleOf = (name: string) => `${name}_app`;

/**
 * A file is done with databases and roles it made: their sessions end now, and the global setup drops them with
 * other files' in a batch (database-drops.ts says why). Without the global setup's list, they are dropped at once.
 */
export async function dropAfterRun(entry: DropEntry): Promise<void> {
  const list = inject('databasesToDropFile');
  if (!list) return dropNow(await adminUrl(), entry);
  await endSessionsOf(await adminUrl(), entry.databases);
  listForDrop(list, entry);
}

/** The rows of one statement, on a connection of its own that is closed after: a test's look at the server as some login. */
export async function queryRows<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A service's database as it runs in npm start and AWS: migrated by its owner (on a pool closed after), used by its
 * rows-only app role, whose URL this returns. A service harness built on it fails any test whose code path needs
 * more than rows.
 */
export async function migratedForAppRole(label: string, migrationsFolder: string): Promise<TestDatabase & { readonly appUrl: string }> {
  const testDb = await createTestDatabase(label, { app: true });
  const owner = createDatabase({ connectionString: testDb.url, schema: {}, logger: testLogger });
  try {
    await migrateWithLock(owner.pool, migrationsFolder, label, testLogger);
  } finally {
    await owner.close();
  }
  return { ...testDb, appUrl: testDb.appUrl! };
}
