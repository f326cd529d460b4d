import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLauncher } from '../../../services/local/launcher-bundle.mjs';

const entry = path.resolve('services/local/main.ts');
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'launcher-bundle-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('the launcher bundle', { timeout: 30_000 }, () => {
  it('when built twice from the same code, then it is the same file, named by its content', async () => {
    const first = await bundleLauncher({ entry, cacheDir });
    const second = await bundleLauncher({ entry, cacheDir });
    expect(second).toBe(first);
    expect(path.basename(first)).toMatch(/^main-[0-9a-f]{16}\.mjs$/);
  });

  it('when a bundled module resolves a file beside itself, then it does so from its own source, not from the bundle', async () => {
    const code = await readFile(await bundleLauncher({ entry, cacheDir }), 'utf8');
    // fauxqs.ts finds its server script with new URL('./fauxqs-server.mjs', import.meta.url).
    const source = JSON.stringify(pathToFileURL(path.resolve('services/local/emulators/fauxqs.ts')).href);
    const constant = new RegExp(`var (__moduleSourceUrl\\d*) = ${source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')};`).exec(code)?.[1];
    expect(constant).toBeDefined();
    expect(code).toContain(`new URL("./fauxqs-server.mjs", ${constant})`);
  });

  it('when a bundled JavaScript module of ours reads import.meta.url, then it gets its own file, as a TypeScript one does', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'launcher-entry-'));
    try {
      await writeFile(path.join(dir, 'beside.mjs'), 'export const where = import.meta.url;\n');
      await writeFile(path.join(dir, 'entry.ts'), "import { where } from './beside.mjs';\nconsole.log(where);\n");
      const bundle = await bundleLauncher({ entry: path.join(dir, 'entry.ts'), cacheDir: path.join(dir, 'cache') });
      expect(execFileSync(process.execPath, [bundle], { encoding: 'utf8' }).trim()).toBe(pathToFileURL(path.join(dir, 'beside.mjs')).href);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('when a new bundle is written, then bundles and leftovers older than a minute go, and recent ones stay', async () => {
    for (const name of await readdir(cacheDir)) await rm(path.join(cacheDir, name));
    const old = path.join(cacheDir, 'main-0000000000000000.mjs');
    const leftover = path.join(cacheDir, 'main-1111111111111111.mjs.123.tmp');
    const recent = path.join(cacheDir, 'main-2222222222222222.mjs');
    for (const file of [old, leftover, recent]) await writeFile(file, '');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(old, twoMinutesAgo, twoMinutesAgo);
    await utimes(leftover, twoMinutesAgo, twoMinutesAgo);

    const current = await bundleLauncher({ entry, cacheDir });
    expect((await readdir(cacheDir)).sort()).toEqual([path.basename(current), path.basename(recent)].sort());
  });
});
