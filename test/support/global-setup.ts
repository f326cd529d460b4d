/**
 * Starts what the tests share, once per run: a PostgreSQL server (the one in TEST_DATABASE_URL, else an
 * embedded PostgreSQL 16 in a temporary directory) and a seeded cognito-local. Each test file then makes its
 * own database on the server and its own users in the pool.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { setupCognitoForTests } from './cognito';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL without a database name. */
    databaseServerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const teardown: Array<() => Promise<void>> = [];
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('databaseServerUrl', given.replace(/\/+$/, ''));
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), 'platform-test-pg-'));
    // mkdtemp makes it private; as root, PostgreSQL runs as the postgres user and must reach its data.
    await chmod(dir, 0o755);
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
    project.provide('databaseServerUrl', postgres.serverUrl);
    teardown.push(() => postgres.stop(), () => rm(dir, { recursive: true, force: true }));
  }
  const cognito = await setupCognitoForTests();
  project.provide('cognito', cognito.env);
  teardown.push(() => cognito.stop());
  return async () => {
    for (const step of teardown) await step();
  };
}
