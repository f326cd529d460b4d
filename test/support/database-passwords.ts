/**
 * A PostgreSQL server that checks passwords, for tests of credential changes: the run's server, unless it lets
 * every local login in (a `trust` pg_hba.conf, as on CI's machine), where a changed password could not be refused
 * and such a test would prove nothing. Then an embedded PostgreSQL 16 of the file's own, which checks
 * scram-sha-256 passwords as RDS does.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { urlOfDatabase } from '../../services/kit/db/provision';
import { testServerUrl } from './database';
import { copyRunCluster } from './new-cluster';

export interface PasswordCheckingServer {
  /** Server URL without a database, as its admin. */
  readonly url: string;
  /** True when the run's server trusted every login and this one was started for the caller. */
  readonly ownEmbedded: boolean;
  stop(): Promise<void>;
}

export async function passwordCheckingServer(): Promise<PasswordCheckingServer> {
  const run = await testServerUrl();
  if (!(await acceptsAnyPassword(run))) return { url: run, ownEmbedded: false, stop: async () => {} };
  const dir = await mkdtemp(path.join(tmpdir(), 'pg-passwords-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
  await copyRunCluster(path.join(dir, 'pg')); // a copy of the run's new cluster starts without an initdb
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  return {
    url: server.serverUrl,
    ownEmbedded: true,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether the server lets its admin in with a password that cannot be right. */
export async function acceptsAnyPassword(serverUrl: string): Promise<boolean> {
  const wrong = new URL(urlOfDatabase(serverUrl, 'postgres'));
  wrong.password = 'certainly-not-the-password';
  const client = new pg.Client({ connectionString: wrong.toString() });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false; // invalid_password: it checks them
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
