// @ts-check
/**
 * `npm start`'s entry point, in plain JavaScript so that bare `node` runs it: it checks the Node.js version before
 * anything else loads, then runs the launcher (main.ts) bundled by launcher-bundle.mjs. Loaded through tsx
 * instead, the launcher took about 0.1 s longer to say "Starting the platform" (260 against 165-190 ms, timed by
 * hand in alternating runs); `npm run bench startup` measures the whole start.
 */
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { reasonOf, StartFailure, startFailureText, tryAgain } from '../kit/start-failure.mjs';
import { earlyStopAsked, keepEarlyStops, STOP_SIGNALS } from './early-stop.mjs';
import { installNeeded, packagesBehindLock } from './installed-packages.mjs';
import { unsupportedNode } from './node-version.mjs';

// First: a Ctrl-C while the launcher is bundled and loaded is kept for it, not fatal (early-stop.mjs).
keepEarlyStops();

const tooOld = unsupportedNode(process.version);
if (tooOld) {
  process.stderr.write(`npm start: cannot start. ${tooOld}\n`);
  process.exit(1);
}

// Configuration is the environment's alone (README, "Configuration"): `npm start -- --port 9000` or `-- --help`
// started the platform on the defaults, the arguments silently dropped.
const args = process.argv.slice(2);
const HOW = 'npm start takes its settings from environment variables, e.g. GATEWAY_PORT=8081 DATA_DIR=/tmp/platform npm start; README.md, "Configuration", lists them';
if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
  process.stdout.write(`${HOW}.\n`);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`npm start: cannot start. It takes no arguments (got ${args.map((arg) => JSON.stringify(arg)).join(' ')}): ${HOW}.\n`);
  process.exit(1);
}

const root = fileURLToPath(new URL('../..', import.meta.url));
// npm runs every script in the repository's root, wherever it is typed; `node <path>/start.mjs` from another
// folder must too: the services' bundles, the compile cache and a relative DATA_DIR are all found from there
// (run elsewhere, esbuild could not resolve "services/gateway/main.ts" and the start failed half-way).
process.chdir(root);
// Before anything starts: node_modules left from an older release (a git pull without npm ci) failed half-way.
const behind = packagesBehindLock(root);
if (behind.length > 0) {
  process.stderr.write(`npm start: cannot start. ${installNeeded(behind)}\n`);
  process.exit(1);
}
/** @type {string} */
let bundle;
// A stop while the launcher is bundled ends it here and now. The terminal's Ctrl-C reaches esbuild's service process
// too, and then its build may never settle: with nothing left to wait on, Node ended this process with code 13
// ("unsettled top-level await") and no "stopped cleanly". Kept-signal listeners run first, so the stop is known here.
for (const signal of STOP_SIGNALS) process.on(signal, stopIfAsked);
try {
  const { bundleLauncher } = await import('./launcher-bundle.mjs');
  bundle = await bundleLauncher({
    entry: path.join(root, 'services', 'local', 'main.ts'),
    cacheDir: path.join(root, 'node_modules', '.cache', 'platform-local', 'launcher'),
  });
} catch (error) {
  // A Ctrl-C reaches esbuild's service process too, in this process group: its "The service was stopped" is the
  // stop asked for, not a failure. It can be heard before our own SIGINT is handed to us, which is given a moment.
  await sleep(100);
  stopIfAsked();
  failedToStart(error);
}
for (const signal of STOP_SIGNALS) process.removeListener(signal, stopIfAsked);
stopIfAsked();
process.setSourceMapsEnabled(true);
await import(pathToFileURL(bundle).href).catch(failedToStart);

/** Told to stop before the launcher runs: nothing has started, so it is a clean stop, said in the launcher's words (shutdown.ts). */
function stopIfAsked() {
  const signal = earlyStopAsked();
  if (!signal) return;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {}); // a closed terminal (SIGHUP)
  process.stdout.write(`  · ${signal}: stopping everything\n  · stopped cleanly\n`);
  process.exit(0);
}

/**
 * Bundling or loading the launcher failed (the launcher reports its own failures): most often `npm ci` not run or
 * behind package.json, or code being edited that does not compile (esbuild has printed where, above).
 * @param {unknown} error
 * @returns {never}
 */
function failedToStart(error) {
  const missing = ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes(/** @type {NodeJS.ErrnoException} */ (error)?.code ?? '');
  const whatToDo = missing ? 'A package it needs is not installed: run npm ci, then npm start again.' : tryAgain('npm start');
  process.stderr.write(startFailureText('npm start', new StartFailure(reasonOf(error), whatToDo, { cause: error })));
  process.exit(1);
}
