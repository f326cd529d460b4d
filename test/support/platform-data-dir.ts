/**
 * A DATA_DIR for an end-to-end file's `npm start`, holding the run's new PostgreSQL cluster (cluster-template.ts)
 * where the launcher keeps its own (services/local/databases.ts), so the first start's PostgreSQL comes up warm
 * instead of running initdb. Without a template in the run, the launcher runs initdb itself: slower, same result.
 */
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { copyCluster } from './cluster-template';
import { awaitReadyFile } from './ready-file';

export async function platformDataDir(prefix: string): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  const template = inject('clusterTemplateDir');
  const readyFile = inject('clusterTemplateReadyFile');
  if (template && readyFile) {
    await awaitReadyFile(readyFile, 'the run\'s PostgreSQL cluster template');
    await copyCluster(template, path.join(dataDir, 'postgres'));
  }
  return dataDir;
}
