import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, postgresRunningOn, startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';

export interface BenchDatabaseServer {
  readonly serverUrl: string;
  /** The embedded server's postmaster, to read its CPU; undefined for BENCH_DATABASE_URL's server. */
  readonly pid?: number;
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** BENCH_DATABASE_URL's server when set, else a throw-away embedded PostgreSQL 16. */
export async function benchDatabaseServer(): Promise<BenchDatabaseServer> {
  const given = process.env.BENCH_DATABASE_URL?.replace(/\/+$/, '');
  if (given) return { serverUrl: given, database: (name) => ensureDatabase(given, name), stop: async () => {} };
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-pg-'));
  await chmod(dir, 0o755);
  const dataDir = path.join(dir, 'pg');
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const running = await postgresRunningOn(dataDir);
  return {
    serverUrl: postgres.serverUrl,
    ...(running ? { pid: running.pid } : {}),
    database: (name) => ensureDatabase(postgres.serverUrl, name),
    stop: async () => {
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
