import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';

export interface BenchDatabaseServer {
  readonly serverUrl: string;
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** BENCH_DATABASE_URL's server when set, else a throw-away embedded PostgreSQL 16. */
export async function benchDatabaseServer(): Promise<BenchDatabaseServer> {
  const given = process.env.BENCH_DATABASE_URL?.replace(/\/+$/, '');
  if (given) return { serverUrl: given, database: (name) => ensureDatabase(given, name), stop: async () => {} };
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-pg-'));
  await chmod(dir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  return {
    serverUrl: postgres.serverUrl,
    database: (name) => ensureDatabase(postgres.serverUrl, name),
    stop: async () => {
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
