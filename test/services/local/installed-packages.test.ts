/**
 * `npm start` after a `git pull` without `npm ci`: node_modules still holds the older release's packages. It
 * started PostgreSQL, then failed on a missing module without naming npm ci; it now refuses first, saying so.
 * start.mjs runs from a copy of its own files in a folder whose package-lock.json and node_modules disagree, so
 * this checkout's node_modules stays as it is.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { packagesBehindLock } from '../../../services/local/installed-packages.mjs';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A repository root whose lock wants `locked` and whose node_modules holds `installed` (absent: not installed). */
async function checkout(locked: Record<string, string>, installed: Record<string, string>): Promise<string> {
  root = await mkdtemp(path.join(tmpdir(), 'installed-packages-'));
  const dependencies = Object.fromEntries(Object.entries(locked).map(([name, version]) => [name, `^${version}`]));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'platform', dependencies }));
  const packages = { '': { dependencies }, ...Object.fromEntries(Object.entries(locked).map(([name, version]) => [`node_modules/${name}`, { version }])) };
  await writeFile(path.join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
  for (const [name, version] of Object.entries(installed)) {
    await mkdir(path.join(root, 'node_modules', name), { recursive: true });
    await writeFile(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  return root;
}

it('when node_modules holds the locked version of every dependency, then none is behind', async () => {
  expect(packagesBehindLock(await checkout({ fauxqs: '2.4.1', '@connectrpc/connect': '2.3.0' }, { fauxqs: '2.4.1', '@connectrpc/connect': '2.3.0' }))).toEqual([]);
});

it('when node_modules is an older release\'s (a git pull without npm ci), then npm start refuses before starting anything, naming the packages and npm ci', { timeout: 30_000 }, async () => {
  const dir = await checkout({ fauxqs: '2.4.1', '@connectrpc/connect': '2.3.0', pg: '8.23.1' }, { fauxqs: '1.9.2', pg: '8.23.1' });
  // start.mjs and the plain-JavaScript files it loads before the launcher, at their places under the copy's root.
  for (const file of ['services/local/start.mjs', 'services/local/early-stop.mjs', 'services/local/node-version.mjs', 'services/local/installed-packages.mjs', 'services/kit/start-failure.mjs']) {
    await cp(file, path.join(dir, file));
  }
  const ended = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [path.join(dir, 'services/local/start.mjs')], { timeout: 20_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
  expect(ended).toEqual({
    code: 1,
    stdout: '',
    stderr:
      'npm start: cannot start. node_modules does not match package-lock.json (fauxqs 2.4.1 locked, 1.9.2 installed; ' +
      '@connectrpc/connect 2.3.0 locked, not installed). After a git pull, the release may need other packages: ' +
      'run npm ci, then npm start again. DATA_DIR is untouched.\n',
  });
});
