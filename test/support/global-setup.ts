/**
 * Starts what the tests share, once per run: a PostgreSQL server (the one in TEST_DATABASE_URL, else an
 * embedded PostgreSQL 16 in a temporary directory), a seeded cognito-local and the CDK stages' synthesis. Each test
 * file then makes its own database on the server and its own users in the pool. The three start side by side:
 * nothing runs before this is done, and the synthesis is not even waited for (stage-synthesis.ts).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { setupCognitoForTests } from './cognito';
import { startStageSynthesis } from './stage-synthesis';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL without a database name. */
    databaseServerUrl: string;
  }
}

interface Started<T> {
  readonly value: T;
  stop(): Promise<void>;
}

async function startDatabaseServer(): Promise<Started<string>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) return { value: given.replace(/\/+$/, ''), stop: async () => {} };
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-test-pg-'));
  // mkdtemp makes it private; as root, PostgreSQL runs as the postgres user and must reach its data.
  await chmod(dir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  return {
    value: postgres.serverUrl,
    stop: async () => {
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stages = startStageSynthesis();
  project.provide('cdkStagesDir', stages.dir);
  const starting = [startDatabaseServer(), setupCognitoForTests().then((cognito) => ({ value: cognito.env, stop: cognito.stop }))] as const;
  const settled = await Promise.allSettled(starting);
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const teardown = async () => {
    for (const part of [...started, stages].reverse()) await part.stop();
  };
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    // Whatever did start must not outlive the failed setup.
    await teardown();
    throw failed.reason;
  }
  const [database, cognito] = await Promise.all(starting);
  project.provide('databaseServerUrl', database.value);
  project.provide('cognito', cognito.value);
  return teardown;
}
