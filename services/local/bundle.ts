/**
 * Bundles the service and gateway entry points with esbuild before `npm start` runs them, dependencies included,
 * as the container image does. Plain Node then loads one file per process instead of hundreds of modules from
 * node_modules (drizzle-orm alone is several hundred files). Timed once by hand here (not by `npm run bench`),
 * loading Identity's bundle went from about 0.8 s to 0.3 s of wall time and from 0.8 s to 0.25 s of CPU, which is
 * what four processes starting at once on two cores wait for; bench/startup.ts measures the whole start. The bundles are rebuilt only when one of their inputs changed (see bundle-cache.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { build, version, type BuildOptions } from 'esbuild';
import { keepOwnMappingsInFile } from '../kit/bundle/own-source-map.mjs';
import { bundleIsFresh, rememberBundle } from './bundle-cache';

/**
 * Inside node_modules, so what stays external (below) resolves from the project's node_modules; one folder per
 * checkout, because another checkout sharing node_modules (a git worktree, a mutation-testing sandbox) builds
 * other sources, and must neither use nor overwrite these.
 */
export const BUNDLE_DIR = path.join('node_modules', '.cache', 'platform-local', createHash('sha256').update(process.cwd()).digest('hex').slice(0, 12));

/**
 * pg-native is an optional driver node-postgres never loads here. swagger-ui-dist is found on disk by path
 * (the gateway serves its files), so it must stay a package.
 */
const EXTERNAL = ['pg-native', 'swagger-ui-dist'];
/** Bundled CommonJS dependencies still call require(), which an ES module lacks. */
const REQUIRE_SHIM = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export interface Bundles {
  /** `{ name: 'services/x/main.ts' }` → `{ name: '<outdir>/name.mjs' }`. */
  readonly entries: Record<string, string>;
  /** False when the bundles on disk were up to date. */
  readonly rebuilt: boolean;
}

/** How the bundles are built; part of what makes them fresh (see bundle-cache.ts), with the entry points. */
const OPTIONS = {
  outExtension: { '.js': '.mjs' },
  bundle: true,
  external: EXTERNAL,
  banner: { js: REQUIRE_SHIM },
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  metafile: true,
  logLevel: 'error',
} as const satisfies BuildOptions;

/**
 * The maps keep our own code's mappings only (kit/bundle/own-source-map.mjs), as the images' do; a change to that
 * module makes the bundles stale like a change to their sources.
 */
const MAP_CUTTER_HASH = createHash('sha256')
  .update(readFileSync(new URL('../kit/bundle/own-source-map.mjs', import.meta.url)))
  .digest('hex')
  .slice(0, 16);

export async function bundleEntryPoints(entries: Readonly<Record<string, string>>, outdir = BUNDLE_DIR): Promise<Bundles> {
  const outputs = Object.fromEntries(Object.keys(entries).map((name) => [name, path.join(outdir, `${name}.mjs`)]));
  const recipe = { entries, options: OPTIONS, mapCutter: MAP_CUTTER_HASH, esbuild: version, cwd: process.cwd() };
  if (await bundleIsFresh(outdir, recipe, Object.keys(entries))) return { entries: outputs, rebuilt: false };
  // Built aside, then each file renamed into place: a launcher starting meanwhile (tests start several) reads a
  // whole old file or a whole new one, never one being written.
  const parent = path.dirname(path.resolve(outdir));
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(outdir)}-`));
  try {
    const result = await build({ ...OPTIONS, entryPoints: entries, outdir: staging });
    // About 0.8 s of CPU for the four maps, paid when they are rebuilt; each start then saves about 0.5 s per service
    // (both timed by hand; `npm run bench startup` measures the whole start).
    await Promise.all(Object.keys(entries).map((name) => keepOwnMappingsInFile(path.join(staging, `${name}.mjs.map`))));
    await mkdir(outdir, { recursive: true });
    for (const file of await readdir(staging)) await rename(path.join(staging, file), path.join(outdir, file));
    await rememberBundle(outdir, recipe, Object.keys(result.metafile.inputs));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { entries: outputs, rebuilt: true };
}
