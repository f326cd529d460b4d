/**
 * Whether the bundles in a folder were built from exactly the files on disk now: a stamp beside them lists every
 * input esbuild read (sources and node_modules files, from its metafile) with its size and modification time.
 * Checking a few thousand stats takes tens of milliseconds; rebuilding takes one to two seconds.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const STAMP = 'inputs.json';

interface Stamp {
  /** Everything else the bundles depend on: entry points, build options, esbuild's version, where they were built. */
  readonly recipe: unknown;
  /** Input path → `size:mtimeMs`. */
  readonly inputs: Readonly<Record<string, string>>;
}

async function fingerprint(file: string): Promise<string | undefined> {
  const info = await stat(file).catch(() => undefined);
  return info ? `${info.size}:${info.mtimeMs}` : undefined;
}

async function fingerprints(files: readonly string[]): Promise<Record<string, string | undefined>> {
  const prints = await Promise.all(files.map(fingerprint));
  return Object.fromEntries(files.map((file, index) => [file, prints[index]]));
}

export async function bundleIsFresh(outdir: string, recipe: unknown, names: readonly string[]): Promise<boolean> {
  const stamp = await readFile(path.join(outdir, STAMP), 'utf8').then((text) => JSON.parse(text) as Stamp, () => undefined);
  if (!stamp || JSON.stringify(stamp.recipe) !== JSON.stringify(recipe)) return false;
  const outputs = names.map((name) => path.join(outdir, `${name}.mjs`));
  if ((await Promise.all(outputs.map(fingerprint))).includes(undefined)) return false;
  const now = await fingerprints(Object.keys(stamp.inputs));
  return Object.entries(stamp.inputs).every(([file, print]) => now[file] === print);
}

export async function rememberBundle(outdir: string, recipe: unknown, inputs: readonly string[]): Promise<void> {
  const stamp: Stamp = { recipe, inputs: (await fingerprints(inputs)) as Record<string, string> };
  await writeFile(path.join(outdir, STAMP), JSON.stringify(stamp));
}
