// @ts-check
/**
 * The launcher as one ES module, built by esbuild in memory (28 ms when timed by hand; packages stay external) and kept in
 * `cacheDir` under the hash of its content, so launchers started at once share it. Plain JavaScript, for start.mjs.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/**
 * Each bundled module keeps its own `import.meta.url`, so what a module finds beside itself it still finds:
 * `define` turns the expression into an identifier, which binds to the constant this plugin puts at the top of
 * each module (esbuild renames the constants apart).
 */
const SOURCE_URL = '__moduleSourceUrl';
/** @type {import('esbuild').Plugin} */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    // Our own modules, TypeScript or JavaScript (packages stay external).
    build.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => ({
      contents: `const ${SOURCE_URL} = ${JSON.stringify(pathToFileURL(args.path).href)};\n${await readFile(args.path, 'utf8')}`,
      loader: args.path.endsWith('.ts') ? 'ts' : 'js',
    }));
  },
};

/**
 * Builds `entry` and returns the bundle's path.
 * @param {{ entry: string; cacheDir: string }} options
 * @returns {Promise<string>}
 */
export async function bundleLauncher({ entry, cacheDir }) {
  const esbuild = await import('esbuild');
  const { outputFiles } = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'inline',
    write: false,
    logLevel: 'error',
    define: { 'import.meta.url': SOURCE_URL },
    plugins: [ownImportMetaUrl],
  });
  // esbuild's own service process would otherwise live as long as the launcher, one more process to stop.
  await esbuild.stop();
  const [output] = outputFiles;
  if (!output) throw new Error('esbuild built no launcher bundle');
  const file = path.join(cacheDir, `main-${createHash('sha256').update(output.contents).digest('hex').slice(0, 16)}.mjs`);
  if (!(await access(file).then(() => true, () => false))) {
    await mkdir(cacheDir, { recursive: true });
    // Written aside, then renamed: a launcher starting meanwhile reads a whole file or none.
    const staging = `${file}.${process.pid}.tmp`;
    await writeFile(staging, output.contents);
    await rename(staging, file);
    await pruneOthers(cacheDir, file);
  }
  return file;
}

/**
 * Bundles of earlier code, and files left by a launcher killed between write and rename: a launcher no longer
 * needs its bundle once it has loaded it, so anything a minute old that is not this start's goes.
 * @param {string} dir
 * @param {string} keep
 */
async function pruneOthers(dir, keep) {
  const cutoff = Date.now() - 60_000;
  for (const name of await readdir(dir)) {
    const other = path.join(dir, name);
    if (other === keep) continue;
    const old = await stat(other).then((s) => s.mtimeMs < cutoff, () => false);
    if (old) await rm(other, { force: true });
  }
}
