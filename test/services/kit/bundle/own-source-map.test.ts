import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = path.resolve('services/kit/bundle/own-source-map.mjs');

/** The first "at" line of a printed stack. */
const topFrame = (stack: string) => stack.split('\n').find((line) => line.trim().startsWith('at '))!;

/**
 * A project in miniature: our module `early.ts` is bundled before a dependency (`lib`, in node_modules), then
 * `main.ts`, which prints the stacks of an error thrown in our code and of one thrown in the dependency.
 */
describe('a bundle whose source map keeps our own code only', () => {
  let dir: string;
  let stacks: { ours: string; theirs: string };
  let map: { sources: string[]; sourcesContent: (string | null)[] };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'own-source-map-'));
    await mkdir(path.join(dir, 'node_modules', 'lib'), { recursive: true });
    await writeFile(path.join(dir, 'node_modules', 'lib', 'package.json'), JSON.stringify({ name: 'lib', type: 'module', main: 'index.js' }));
    await writeFile(path.join(dir, 'node_modules', 'lib', 'index.js'), 'export function fail() {\n  throw new Error("theirs");\n}\n');
    await writeFile(path.join(dir, 'early.ts'), 'export const early: number = 1;\nexport function alsoEarly(): number {\n  return early + 1;\n}\n');
    await writeFile(
      path.join(dir, 'main.ts'),
      [
        "import { alsoEarly } from './early';",
        "import { fail } from 'lib';",
        'function ours(): never {',
        "  throw new Error('ours');",
        '}',
        'const stackOf = (run: () => unknown): string => { try { run(); return ""; } catch (error) { return (error as Error).stack ?? ""; } };',
        'console.log(JSON.stringify({ ours: stackOf(ours), theirs: stackOf(fail), early: alsoEarly() }));',
      ].join('\n'),
    );
    const outfile = path.join(dir, 'dist', 'main.mjs');
    await build({ entryPoints: [path.join(dir, 'main.ts')], bundle: true, platform: 'node', format: 'esm', sourcemap: true, outfile, logLevel: 'error' });
    execFileSync(process.execPath, [CLI, `${outfile}.map`]);
    stacks = JSON.parse(execFileSync(process.execPath, ['--enable-source-maps', outfile], { encoding: 'utf8' }));
    map = JSON.parse(await readFile(`${outfile}.map`, 'utf8'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('when our code throws, then its stack names our TypeScript file and line', () => {
    expect(topFrame(stacks.ours)).toMatch(/main\.ts:4:\d+\)?$/);
  });

  it("when a dependency throws, then its frame keeps the bundle's position, not another file's line", () => {
    // Without the cut, it names node_modules/lib/index.js; with a cut that left no marker, early.ts, the last of
    // our code before it.
    expect(topFrame(stacks.theirs)).toMatch(/dist\/main\.mjs:\d+:\d+\)?$/);
    // The caller, ours, is still mapped.
    expect(stacks.theirs.split('\n').filter((line) => line.trim().startsWith('at '))[1]).toMatch(/main\.ts:6:\d+/);
  });

  it("when cut, then the map carries our sources' text only", () => {
    const content = (ending: string) => map.sourcesContent[map.sources.findIndex((source) => source.endsWith(ending))];
    expect(content('lib/index.js')).toBeNull();
    expect(content('main.ts')).toContain("throw new Error('ours')");
  });

  it('when run without a file, then it says how to use it', () => {
    expect(() => execFileSync(process.execPath, [CLI], { stdio: 'pipe' })).toThrow(/usage: node services\/kit\/bundle\/own-source-map\.mjs <file\.map>/);
  });
});
