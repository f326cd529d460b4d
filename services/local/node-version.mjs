// @ts-check
/**
 * The oldest Node.js `npm start` runs on. Several dependencies (undici 8, fauxqs 2, vitest 5) need 22.19, and on
 * an older Node they fail deep inside with messages that say nothing about the version; this says it first.
 * package.json's `engines` states the same range (test/services/local/node-version.test.ts keeps them equal):
 * 22.19 and later on the 22 line, then 24 onwards. Node 23, an odd, short-lived line that never became LTS, is
 * outside it, so npm warns EBADENGINE there; this check refuses it too rather than let it half-work.
 *
 * Plain JavaScript: `npm start`'s entry point (start.mjs) checks the version before it loads anything else.
 */
export const OLDEST_NODE = Object.freeze({ major: 22, minor: 19 });

/** The first major after OLDEST_NODE's line that is supported again (engines' `>=24.0.0`). */
export const NEXT_SUPPORTED_MAJOR = 24;

/**
 * Undefined when `version` (e.g. `v24.22.3`) is supported, else the sentence to print.
 * @param {string} version
 * @returns {string | undefined}
 */
export function unsupportedNode(version) {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = major >= NEXT_SUPPORTED_MAJOR || (major === OLDEST_NODE.major && minor >= OLDEST_NODE.minor);
  if (ok) return undefined;
  return `Node.js ${version} is not supported: install Node.js 24 LTS (or ${OLDEST_NODE.major}.${OLDEST_NODE.minor} or a later ${OLDEST_NODE.major}.x). ` +
    'Without an installer, CONTRIBUTING.md shows how to take one from npm ("Node 24 from npm").';
}
