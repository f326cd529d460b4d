// @ts-check
/**
 * A bundle's source map cut down to the project's own code: positions in bundled dependencies (installed packages)
 * map nowhere, so their stack frames keep the bundle's file and line while ours show the TypeScript source.
 *
 * Why: with `--enable-source-maps`, the first stack trace a process builds makes Node parse the whole map, and
 * pino builds one in every `pino()` call (it asks `util.getCallSites()` who called it). A service's full map is
 * 7-10 MB, almost all of it the AWS SDK, drizzle and Express, and parsing it cost each service about half a second
 * of CPU at start-up, on a laptop and on a Fargate task alike: a warm `npm start` took 5.2 s to ready and 10 s of
 * CPU with full maps, 3.7 s and 7.2 s with these (the same bundles, maps swapped in turn, timed by hand).
 *
 * `node services/kit/bundle/own-source-map.mjs <file.map>...` rewrites maps in place (the image build uses it);
 * services/local/bundle.ts calls `keepOwnMappingsInFile` on the bundles `npm start` runs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { decode, encode } from '@jridgewell/sourcemap-codec';

/**
 * @typedef {{ version: number; sources: string[]; sourcesContent?: (string | null)[]; mappings: string; sourceRoot?: string; names?: string[] }} SourceMapJson
 */

/**
 * Whether the file is inside an installed package: a node_modules folder, then a package's folder. npm names never
 * start with a dot, so what lives in node_modules/.cache (where `npm start`'s bundles and their tests' sources go)
 * is not one.
 * @param {string} file
 */
function inPackage(file) {
  const segments = file.split(path.sep);
  return segments.some((segment, index) => segment === 'node_modules' && !(segments[index + 1] ?? '.').startsWith('.'));
}

/**
 * The map with only the segments whose source is ours. Where a run of dependency code starts, one segment with no
 * source remains: a position inside that run would otherwise take the mapping of the last segment of our code
 * before it, and name a wrong line of ours.
 * @param {SourceMapJson} map
 * @param {string} mapDir the folder the map's relative `sources` start from (the map file's own)
 * @returns {SourceMapJson}
 */
export function keepOwnMappings(map, mapDir) {
  const own = map.sources.map((source) => !inPackage(path.resolve(mapDir, map.sourceRoot ?? '', source)));
  let mapped = false;
  const lines = decode(map.mappings).map((segments) => {
    /** @type {typeof segments} */
    const kept = [];
    for (const segment of segments) {
      const source = segment[1];
      if (source !== undefined && own[source]) {
        kept.push(segment);
        mapped = true;
      } else if (mapped) {
        kept.push([segment[0]]);
        mapped = false;
      }
    }
    return kept;
  });
  const sourcesContent = map.sourcesContent?.map((content, index) => (own[index] ? content : null));
  return { ...map, mappings: encode(lines), ...(sourcesContent ? { sourcesContent } : {}) };
}

/** Rewrites the map file in place. @param {string} file */
export async function keepOwnMappingsInFile(file) {
  const map = /** @type {SourceMapJson} */ (JSON.parse(await readFile(file, 'utf8')));
  await writeFile(file, JSON.stringify(keepOwnMappings(map, path.dirname(path.resolve(file)))));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const files = process.argv.slice(2);
  if (files.length === 0) throw new Error('usage: node services/kit/bundle/own-source-map.mjs <file.map>...');
  for (const file of files) await keepOwnMappingsInFile(file);
}
