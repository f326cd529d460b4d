// @ts-check
/**
 * `npm start`'s entry point, in plain JavaScript so that bare `node` runs it: it checks the Node.js version first,
 * bundles the launcher (services/local/main.ts and the repository's modules it imports; packages stay external)
 * with esbuild in memory, and runs the bundle. Loaded through tsx instead, the launcher spent about 0.1 s more
 * before it could start anything, on every start; the build takes about 30 ms, and the bundle is kept under
 * node_modules/.cache by the hash of its content, so launchers started at once share it.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { unsupportedNode } from './node-version.mjs';

const tooOld = unsupportedNode(process.version);
if (tooOld) {
  process.stderr.write(`npm start: cannot start. ${tooOld}\n`);
  process.exit(1);
}

const root = fileURLToPath(new URL('../..', import.meta.url));

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
    build.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: `const ${SOURCE_URL} = ${JSON.stringify(pathToFileURL(args.path).href)};\n${await readFile(args.path, 'utf8')}`,
      loader: 'ts',
    }));
  },
};

/** The launcher as one ES module, under a name that is the hash of its content. */
async function bundleLauncher() {
  const esbuild = await import('esbuild');
  const { outputFiles } = await esbuild.build({
    entryPoints: [path.join(root, 'services', 'local', 'main.ts')],
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
  const code = output.contents;
  const dir = path.join(root, 'node_modules', '.cache', 'platform-local', 'launcher');
  const file = path.join(dir, `main-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!(await access(file).then(() => true, () => false))) {
    await mkdir(dir, { recursive: true });
    // Written aside, then renamed: a launcher starting meanwhile reads a whole file or none.
    const staging = `${file}.${process.pid}.tmp`;
    await writeFile(staging, code);
    await rename(staging, file);
  }
  return file;
}

process.setSourceMapsEnabled(true);
await import(pathToFileURL(await bundleLauncher()).href);
