import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntryPoints } from '../../../services/local/bundle';

describe('the local bundles', () => {
  let dir: string;
  let entry: string;
  let helper: string;
  // Two levels below the test's folder, as the per-checkout folder sits below a cache folder a fresh clone lacks.
  const outdir = () => path.join(dir, 'cache', 'out');
  const built = async () => (await stat(path.join(outdir(), 'main.mjs'))).mtimeMs;
  beforeAll(async () => {
    // Inside the project, so its imports resolve from the project's node_modules as the services' do.
    await mkdir(path.join('node_modules', '.cache'), { recursive: true });
    dir = path.resolve(await mkdtemp(path.join('node_modules', '.cache', 'bundle-test-')));
    entry = path.join(dir, 'main.ts');
    helper = path.join(dir, 'helper.ts');
    await writeFile(helper, "export const word: string = 'one';\n");
    // A dependency from node_modules that the bundle must carry, and a CommonJS one that calls require().
    await writeFile(entry, "import { z } from 'zod';\nimport pg from 'pg';\nimport { word } from './helper';\nconsole.log(z.string().parse(word), typeof pg.Pool);\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('when bundled, then the bundle runs on its own, dependencies included', async () => {
    const { entries: { main } } = await bundleEntryPoints({ main: entry }, outdir());
    expect(execFileSync(process.execPath, [main!], { encoding: 'utf8', cwd: tmpdir() }).trim()).toBe('one function');
  });

  it("when bundled, then its source map carries our sources only, not the dependencies' (kit/bundle/own-source-map.mjs)", async () => {
    const { entries: { main } } = await bundleEntryPoints({ main: entry }, outdir());
    const map = JSON.parse(await readFile(`${main}.map`, 'utf8')) as { sources: string[]; sourcesContent: (string | null)[] };
    const withText = map.sources.filter((_, index) => map.sourcesContent[index] !== null).map((source) => path.basename(source));
    expect(withText.sort()).toEqual(['helper.ts', 'main.ts']);
    // zod is still named (stack frames in it keep the bundle's position), only without its text and mappings.
    expect(map.sources.some((source) => path.resolve(path.dirname(main!), source).includes(`${path.sep}node_modules${path.sep}zod${path.sep}`))).toBe(true);
  });

  it('when nothing changed, then the bundle is not built again', async () => {
    const before = await built();
    expect((await bundleEntryPoints({ main: entry }, outdir())).rebuilt).toBe(false);
    expect(await built()).toBe(before);
  });

  it('when an input changed, then the bundle is built again with the change', async () => {
    const before = await built();
    await writeFile(helper, "export const word: string = 'two';\n");
    const later = new Date(Date.now() + 5_000);
    await utimes(helper, later, later); // a change within the same millisecond still counts
    const { entries: { main } } = await bundleEntryPoints({ main: entry }, outdir());
    expect(await built()).not.toBe(before);
    expect(execFileSync(process.execPath, [main!], { encoding: 'utf8', cwd: tmpdir() }).trim()).toBe('two function');
  });

  it('when another checkout (another working directory) built into the same folder, then the bundle is built again from ours', async () => {
    const before = await built();
    const elsewhere = process.cwd();
    process.chdir(tmpdir());
    try {
      // The same paths, seen from another directory: a worktree or a sandbox sharing node_modules.
      expect((await bundleEntryPoints({ main: entry }, outdir())).rebuilt).toBe(true);
    } finally {
      process.chdir(elsewhere);
    }
    expect((await bundleEntryPoints({ main: entry }, outdir())).rebuilt).toBe(true);
    expect(await built()).not.toBe(before);
  });
});
