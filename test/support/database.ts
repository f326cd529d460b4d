import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { awaitReadyFile } from './ready-file';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

let serverReady: Promise<void> | undefined;

/** The global setup starts the embedded server without waiting for it (global-setup.ts); once up, it stays up. */
function waitForServer(): Promise<void> {
  const file = inject('databaseReadyFile') as string | undefined;
  return (serverReady ??= file ? awaitReadyFile(file, 'the tests\' PostgreSQL server') : Promise.resolve());
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  await waitForServer();
  const client = new pg.Client({ connectionString: `${inject('databaseServerUrl')}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the shared test server; one per test file keeps files independent. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `t_${label.replace(/\W/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  return {
    url: `${inject('databaseServerUrl')}/${name}`,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`)).then(() => {}),
  };
}
