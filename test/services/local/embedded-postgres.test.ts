import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMBEDDED_POSTGRES_MAJOR,
  IncompatibleClusterError,
  postgresRunningOn,
  startEmbeddedPostgres,
} from '../../../services/local/embedded-postgres';
import { freePort } from '../../../services/local/free-port';
import { postgresBinary } from '../../../services/local/postgres-process';
import { bundleScript, type BundledScript } from '../../support/bundled-script';
import { copyRunCluster } from '../../support/new-cluster';

let dir: string;
let owner: BundledScript;
const modulePath = (name: string) => JSON.stringify(path.resolve('services/local', name));

/** A process that owns an embedded server, stops it, sets its exit code if told to, and lets its event loop empty. */
const OWNER = `
import { startEmbeddedPostgres } from ${modulePath('embedded-postgres')};
import { freePort } from ${modulePath('free-port')};
const postgres = await startEmbeddedPostgres({ dataDir: process.env.DATA_DIR, port: await freePort() });
await postgres.stop();
if (process.env.EXIT_CODE) process.exitCode = Number(process.env.EXIT_CODE);
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(process.cwd(), '.test-embedded-pg-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
  await writeFile(path.join(dir, 'owner.ts'), OWNER);
  owner = await bundleScript(path.join(dir, 'owner.ts')); // run by bare node: tsx would cost a second of CPU each
});
afterAll(() => Promise.all([rm(dir, { recursive: true, force: true }), owner?.remove()]));

function exitCodeOf(script: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

describe('startEmbeddedPostgres', () => {
  // async-exit-hook, inside embedded-postgres, exited 0 on beforeExit (a failing test run passed) and threw on
  // exit (a passing one failed).
  it('when its owner sets exit code 3 and ends, then the process exits 3', { timeout: 60_000 }, async () => {
    expect(await exitCodeOf(owner.file, { DATA_DIR: path.join(dir, 'pg-3'), EXIT_CODE: '3' })).toBe(3);
  });

  it('when its owner just ends, then the process exits 0', { timeout: 60_000 }, async () => {
    expect(await exitCodeOf(owner.file, { DATA_DIR: path.join(dir, 'pg-0') })).toBe(0);
  });
});

describe('startEmbeddedPostgres, when it cannot start', () => {
  it('when asked, then the binary embedded-postgres ships is the major version the platform names', async () => {
    const { stdout } = await promisify(execFile)(await postgresBinary(), ['--version']);
    expect(stdout).toMatch(new RegExp(`\\(PostgreSQL\\) ${EMBEDDED_POSTGRES_MAJOR}\\.`));
  });

  it('when its data directory holds another major version\'s cluster, then it refuses naming both versions and leaves the data as it was', { timeout: 60_000 }, async () => {
    const dataDir = path.join(dir, 'pg-15');
    await copyRunCluster(dataDir);
    // The refusal reads PG_VERSION alone: a run without the cluster template (the global setup guessed it unneeded)
    // copies nothing, and the file must be written all the same.
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'PG_VERSION'), '15\n');
    const starting = startEmbeddedPostgres({ dataDir, port: await freePort() });
    await expect(starting).rejects.toBeInstanceOf(IncompatibleClusterError);
    await expect(starting).rejects.toThrow(`${dataDir} holds a PostgreSQL 15 cluster, which the embedded PostgreSQL ${EMBEDDED_POSTGRES_MAJOR} cannot open`);
    expect(await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).toBe('15\n');
    expect(await postgresRunningOn(dataDir)).toBeUndefined();
  });

  it('when its port is taken, then the error carries the server\'s own words for it', { timeout: 60_000 }, async () => {
    const dataDir = path.join(dir, 'pg-port');
    await copyRunCluster(dataDir);
    const squatter = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startEmbeddedPostgres({ dataDir, port })).rejects.toThrow(
        new RegExp(`embedded PostgreSQL did not start on 127\\.0\\.0\\.1:${port} with data in .*could not bind IPv4 address "127\\.0\\.0\\.1": Address already in use`, 's'),
      );
    } finally {
      squatter.close();
    }
  });
});
