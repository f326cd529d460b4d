// @ts-check
/**
 * Whether node_modules holds what package-lock.json says, for the packages `npm start` runs on (package.json's
 * `dependencies`). After a `git pull` without `npm ci`, an older release's node_modules stayed in place: npm start
 * then started PostgreSQL, printed a screen of esbuild "Could not resolve" errors and stopped on "fauxqs: failed to
 * start: Cannot find module …/persistence.js", never saying that `npm ci` was the fix. This check says it before
 * anything starts. Only the direct dependencies are compared (a few dozen small reads): a release that changes a
 * transitive one changes a direct one's locked version too, or the lock's root does not move at all.
 *
 * Plain JavaScript: start.mjs runs it under bare `node`, before the launcher is bundled.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** @param {string} file */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The dependencies whose installed version is not the locked one, each as `name locked, installed`; empty when
 * node_modules agrees with the lock (or there is no lock to compare with).
 * @param {string} root the repository's root, holding package.json, package-lock.json and node_modules
 * @returns {string[]}
 */
export function packagesBehindLock(root) {
  const manifest = readJson(path.join(root, 'package.json'));
  const lock = readJson(path.join(root, 'package-lock.json'));
  if (!manifest || !lock?.packages) return [];
  const behind = [];
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    const locked = lock.packages[`node_modules/${name}`]?.version;
    if (!locked) continue;
    const installed = readJson(path.join(root, 'node_modules', name, 'package.json'))?.version;
    if (installed !== locked) behind.push(`${name} ${locked} locked, ${installed ? `${installed} installed` : 'not installed'}`);
  }
  return behind;
}

/**
 * The sentence npm start stops with when node_modules is behind the lock, naming at most a few packages.
 * @param {string[]} behind from packagesBehindLock
 */
export function installNeeded(behind) {
  const named = behind.slice(0, 3).join('; ') + (behind.length > 3 ? `; and ${behind.length - 3} more` : '');
  return `node_modules does not match package-lock.json (${named}). After a git pull, the release may need other packages: run npm ci, then npm start again. DATA_DIR is untouched.`;
}
