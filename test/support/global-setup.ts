/**
 * Starts what the tests share, once per run: a PostgreSQL server (the one in TEST_DATABASE_URL, else an
 * embedded PostgreSQL 16 in a temporary directory), a seeded cognito-local and the CDK stages' synthesis. Each test
 * file then makes its own database on the server and its own users in the pool. No test starts before this
 * returns, so only Cognito (whose pool id the files need up front) is waited for here: the embedded server's
 * initdb and the synthesis take seconds, and the files that use them wait for their ready files instead.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { embeddedServerUrl, startEmbeddedPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { setupCognitoForTests } from './cognito';
import { errorText, writeReadyFile } from './ready-file';
import { startStageSynthesis } from './stage-synthesis';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL without a database name. */
    databaseServerUrl: string;
    /** test/support/database.ts waits for this before using the server (ready-file.ts). */
    databaseReadyFile: string;
  }
}

interface DatabaseServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Returns the URL at once; the file at `readyFile` says when the server answers there. */
async function startDatabaseServer(dir: string, readyFile: string): Promise<DatabaseServer> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    writeReadyFile(readyFile, {});
    return { url: given.replace(/\/+$/, ''), stop: async () => {} };
  }
  const port = await freePort();
  const url = embeddedServerUrl(port);
  const starting = startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port });
  starting.then(
    (server) => writeReadyFile(readyFile, server.serverUrl === url ? {} : { error: `the server is at ${server.serverUrl}, not at ${url}` }),
    (error: unknown) => writeReadyFile(readyFile, { error: errorText(error) }),
  );
  return { url, stop: async () => (await starting.catch(() => undefined))?.stop() };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-test-'));
  // mkdtemp makes it private; as root, PostgreSQL runs as the postgres user and must reach its data.
  await chmod(dir, 0o755);
  const stages = startStageSynthesis();
  const readyFile = path.join(dir, 'database-ready.json');
  const database = await startDatabaseServer(dir, readyFile);
  const teardown = [stages.stop, database.stop, () => rm(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const step of teardown.splice(0)) await step();
  };
  try {
    const cognito = await setupCognitoForTests();
    teardown.unshift(cognito.stop);
    project.provide('cdkStagesDir', stages.dir);
    project.provide('databaseServerUrl', database.url);
    project.provide('databaseReadyFile', readyFile);
    project.provide('cognito', cognito.env);
  } catch (error) {
    // Whatever did start must not outlive the failed setup.
    await stopAll();
    throw error;
  }
  return stopAll;
}
