// @ts-check
/**
 * A stop asked for before the launcher listens. start.mjs bundles and loads the launcher first, 0.3 s on an idle
 * machine and over a second on a busy one; a Ctrl-C or SIGTERM then met Node's default action, which ended the
 * launcher at once: npm exited by the signal (130 in a shell) with no "stopped cleanly". start.mjs keeps them from
 * its first line, with the pid of the process that started it; the launcher takes both over once its own listeners
 * are in place (shutdown.ts), so that no signal falls between. Shared through a global because the launcher's
 * bundle holds a copy of this module of its own.
 */
import process from 'node:process';

/** What stops `npm start`: Ctrl-C, `kill`, and a closing terminal. */
export const STOP_SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);

const KEY = Symbol.for('platform.npm-start.early-stop');

/**
 * @typedef {{ readonly parent: number; readonly signals: NodeJS.Signals[]; readonly keep: (signal: NodeJS.Signals) => void }} Kept
 */

/** start.mjs, first: keeps the signals that arrive from now on, and remembers who started this process. */
export function keepEarlyStops() {
  /** @type {NodeJS.Signals[]} */
  const signals = [];
  /** @type {Kept} */
  const kept = { parent: process.ppid, signals, keep: (signal) => signals.push(signal) };
  for (const signal of STOP_SIGNALS) process.on(signal, kept.keep);
  Object.assign(globalThis, { [KEY]: kept });
}

/** The first signal kept so far, if any. */
export function earlyStopAsked() {
  const kept = /** @type {Kept | undefined} */ (Reflect.get(globalThis, KEY));
  return kept?.signals[0];
}

/**
 * The launcher, once it listens: the process that started `npm start` (its own parent when start.mjs did not run)
 * and the signals that came before; start.mjs's listeners go.
 * @returns {{ parent: number; signals: readonly NodeJS.Signals[] }}
 */
export function takeEarlyStops() {
  const kept = /** @type {Kept | undefined} */ (Reflect.get(globalThis, KEY));
  if (!kept) return { parent: process.ppid, signals: [] };
  Reflect.deleteProperty(globalThis, KEY);
  for (const signal of STOP_SIGNALS) process.removeListener(signal, kept.keep);
  return { parent: kept.parent, signals: kept.signals };
}
