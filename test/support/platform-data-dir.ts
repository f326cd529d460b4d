/**
 * A DATA_DIR for an end-to-end file's `npm start`, holding the run's new PostgreSQL cluster (new-cluster.ts) where
 * the launcher keeps its own (services/local/databases.ts), so the first start's PostgreSQL comes up warm instead
 * of running initdb.
 */
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { copyRunCluster } from './new-cluster';

export async function platformDataDir(prefix: string): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  await copyRunCluster(path.join(dataDir, 'postgres'));
  return dataDir;
}
