/**
 * Bundles the service and gateway entry points with esbuild before `npm start` runs them. Plain Node then loads
 * one file per process instead of transpiling hundreds of modules through tsx at every start: on two cores that
 * is the larger part of a warm start. Dependencies stay external (resolved from node_modules as usual).
 */
import path from 'node:path';
import { build } from 'esbuild';

/** Inside node_modules, so the bundles resolve their dependencies from the project's node_modules. */
export const BUNDLE_DIR = path.join('node_modules', '.cache', 'platform-local');

/** `{ name: 'services/x/main.ts' }` → `{ name: '<BUNDLE_DIR>/name.mjs' }`. */
export async function bundleEntryPoints(entries: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  await build({
    entryPoints: entries,
    outdir: BUNDLE_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
  });
  return Object.fromEntries(Object.keys(entries).map((name) => [name, path.join(BUNDLE_DIR, `${name}.mjs`)]));
}
