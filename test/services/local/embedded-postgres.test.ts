import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
const modulePath = (name: string) => JSON.stringify(path.resolve('services/local', name));

/** A process that owns an embedded server, stops it, sets its own exit code and lets its event loop empty. */
const OWNER = `
import { startEmbeddedPostgres } from ${modulePath('embedded-postgres')};
import { freePort } from ${modulePath('free-port')};
const postgres = await startEmbeddedPostgres({ dataDir: process.env.DATA_DIR, port: await freePort() });
await postgres.stop();
process.exitCode = 3;
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(process.cwd(), '.test-embedded-pg-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
  await writeFile(path.join(dir, 'owner.ts'), OWNER);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function exitCodeOf(script: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

describe('startEmbeddedPostgres', () => {
  it('when its owner sets an exit code and ends, then the process exits with that code, not the library\'s 0', { timeout: 60_000 }, async () => {
    // async-exit-hook, inside embedded-postgres, used to exit 0 on beforeExit: a failing test run passed.
    expect(await exitCodeOf(path.join(dir, 'owner.ts'), { DATA_DIR: path.join(dir, 'pg') })).toBe(3);
  });
});
