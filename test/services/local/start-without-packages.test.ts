/**
 * `npm start` before `npm ci` (or with node_modules behind package.json): start.mjs cannot load esbuild, which
 * bundles the launcher. Node's report of it was a stack trace of its module loader; it now says what failed and
 * what to do. A loader hook stands in for the missing package, so this checkout's node_modules stays as it is.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let hooks: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'start-without-packages-'));
  hooks = path.join(dir, 'no-esbuild.mjs');
  await writeFile(
    hooks,
    "import { registerHooks } from 'node:module';\n" +
      "registerHooks({ resolve: (specifier, context, next) => next(specifier === 'esbuild' ? 'esbuild-not-installed' : specifier, context) });\n",
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function start(logLevel: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, LOG_LEVEL: logLevel };
    const args = ['--import', pathToFileURL(hooks).href, 'services/local/start.mjs'];
    execFile(process.execPath, args, { env, timeout: 30_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('npm start without its packages installed', () => {
  it('when esbuild cannot be loaded, then it says so in a line and to run npm ci, starts nothing, and prints the stack trace only at LOG_LEVEL=debug', { timeout: 30_000 }, async () => {
    const ended = await start('info');
    expect(ended.code).toBe(1);
    expect(ended.stderr).toMatch(/^npm start: failed to start: Cannot find package 'esbuild-not-installed' imported from \S+launcher-bundle\.mjs\n/);
    expect(ended.stderr).toContain('\n  A package it needs is not installed: run npm ci, then npm start again.\n');
    expect(ended.stderr).not.toMatch(/^\s+at /m);
    expect(ended.stdout).toBe('');
    expect((await start('debug')).stderr).toMatch(/^\s+at /m);
  });
});
