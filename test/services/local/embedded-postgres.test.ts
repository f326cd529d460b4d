import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript, type BundledScript } from '../../support/bundled-script';

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
