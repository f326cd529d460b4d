/**
 * In a test file: puts a copy of the run's new PostgreSQL cluster (cluster-template.ts) at `databaseDir`, so an
 * embedded server started there (by the test or by `npm start`) comes up warm instead of running initdb first.
 * Without a template in the run (the global setup guessed it would not be needed), it copies nothing and the
 * server runs initdb itself: slower, same result.
 */
import { inject } from 'vitest';
import { copyCluster } from './cluster-template';
import { awaitReadyFile } from './ready-file';

export async function copyRunCluster(databaseDir: string): Promise<void> {
  const template = inject('clusterTemplateDir');
  const readyFile = inject('clusterTemplateReadyFile');
  if (!template || !readyFile) return;
  await awaitReadyFile(readyFile, 'the run\'s PostgreSQL cluster template');
  await copyCluster(template, databaseDir);
}
