/**
 * `node <repository>/services/local/start.mjs` typed in another folder: it must run in the repository, as `npm
 * start` does wherever it is typed. Before, the launcher looked for the services' sources in the current folder,
 * started PostgreSQL and the emulators, then failed on esbuild's "Could not resolve" with a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const elsewhere = mkdtempSync(path.join(tmpdir(), 'start-elsewhere-'));
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

/** Every port the same, so that a launcher that got past DATA_DIR stops at the port check, starting nothing. */
const samePorts = Object.fromEntries(
  ['GATEWAY', 'IDENTITY', 'PRODUCT', 'BILLING', 'PRODUCT_GRPC', 'COGNITO', 'FAUXQS', 'POSTGRES'].map((name) => [`${name}_PORT`, '1']),
);

describe('npm start run by its path from another folder', () => {
  it('when DATA_DIR is relative, then it is read from the repository, as npm start reads it', { timeout: 90_000 }, async () => {
    // package.json is a file in the repository and nothing in the other folder: only a launcher working in the
    // repository refuses it as a DATA_DIR.
    const ended = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const options = { cwd: elsewhere, env: { ...process.env, ...samePorts, DATA_DIR: 'package.json' }, timeout: 60_000, killSignal: 'SIGKILL' as const };
      execFile(process.execPath, [path.join(root, 'services', 'local', 'start.mjs')], options, (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
      });
    });
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain(`DATA_DIR: ${path.join(root, 'package.json')} cannot hold the platform's data: it is a file, not a folder`);
  });
});
