/**
 * The run's PostgreSQL server, for the global setup: the one in TEST_DATABASE_URL, else an embedded PostgreSQL 16
 * in the run's temporary directory, on a copy of the run's new cluster (cluster-template.ts). The embedded one
 * starts in the background (initdb takes seconds): its URL is known at once, and test/support/database.ts waits
 * for the ready file before using it.
 */
import path from 'node:path';
import { embeddedServerUrl, startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { copyCluster } from './cluster-template';
import { errorText, writeReadyFile } from './ready-file';

export interface DatabaseServer {
  /** Without a database name. */
  readonly url: string;
  stop(): Promise<void>;
}

/** `template` is made when no server is given. */
export async function startDatabaseServer(dir: string, readyFile: string, template: () => { dir: string; made: Promise<void> }): Promise<DatabaseServer> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    writeReadyFile(readyFile, {});
    return { url: given.replace(/\/+$/, ''), stop: async () => {} };
  }
  const port = await freePort();
  const url = embeddedServerUrl(port);
  const dataDir = path.join(dir, 'pg');
  const cluster = template();
  const starting = cluster.made.then(() => copyCluster(cluster.dir, dataDir)).then(() => startEmbeddedPostgres({ dataDir, port }));
  starting.then(
    (server) => writeReadyFile(readyFile, server.serverUrl === url ? {} : { error: `the server is at ${server.serverUrl}, not at ${url}` }),
    (error: unknown) => writeReadyFile(readyFile, { error: errorText(error) }),
  );
  return { url, stop: async () => (await starting.catch(() => undefined))?.stop() };
}
