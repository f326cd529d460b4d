/**
 * The run's PostgreSQL server, for the global setup: the one in TEST_DATABASE_URL, else an embedded PostgreSQL 16
 * in the run's temporary directory. The embedded one starts in the background (initdb takes seconds): its URL is
 * known at once, and test/support/database.ts waits for the ready file before using it.
 */
import path from 'node:path';
import { embeddedServerUrl, startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { errorText, writeReadyFile } from './ready-file';

export interface DatabaseServer {
  /** Without a database name. */
  readonly url: string;
  stop(): Promise<void>;
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
  starting.then(
    (server) => writeReadyFile(readyFile, server.serverUrl === url ? {} : { error: `the server is at ${server.serverUrl}, not at ${url}` }),
    (error: unknown) => writeReadyFile(readyFile, { error: errorText(error) }),
  );
  return { url, stop: async () => (await starting.catch(() => undefined))?.stop() };
}
