/**
 * The run's PostgreSQL server, for the global setup: the one in TEST_DATABASE_URL, else an embedded PostgreSQL 16
 * in the run's temporary directory. The embedded one starts in the background (initdb takes seconds): its URL is
 * known at once, and test/support/database.ts waits for the ready file before using it.
 */
import path from 'node:path';
import pg from 'pg';
import { embeddedServerUrl, startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { errorText, writeReadyFile } from './ready-file';

export interface DatabaseServer {
  /** Without a database name. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A throwaway cluster need not wait for the disk at each commit (about 0.5 ms less per commit here, and the bus
 * and outbox tests commit thousands of times). Only on the embedded server: TEST_DATABASE_URL's is not ours.
 */
async function commitWithoutWaitingForDisk(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${url}/postgres` });
  await client.connect();
  try {
    await client.query('ALTER SYSTEM SET synchronous_commit = off');
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
}

export async function startDatabaseServer(dir: string, readyFile: string): Promise<DatabaseServer> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    writeReadyFile(readyFile, {});
    return { url: given.replace(/\/+$/, ''), stop: async () => {} };
  }
  const port = await freePort();
  const url = embeddedServerUrl(port);
  const starting = startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port });
  starting
    .then(async (server) => {
      if (server.serverUrl !== url) throw new Error(`the server is at ${server.serverUrl}, not at ${url}`);
      await commitWithoutWaitingForDisk(url);
    })
    .then(
      () => writeReadyFile(readyFile, {}),
      (error: unknown) => writeReadyFile(readyFile, { error: errorText(error) }),
    );
  return { url, stop: async () => (await starting.catch(() => undefined))?.stop() };
}
