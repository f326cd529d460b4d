// @ts-check
/**
 * How a start that failed reads, the same wherever it is told: `npm start` (start.mjs and the launcher), the
 * services and the gateway (run.ts), the fauxqs emulator. What failed and why in one line, with the last lines of
 * a child that failed, then what to do when that is known. A Node.js stack trace printed there answered a port in use
 * or a missing package with twenty frames of node:net; the stack (with its causes) is shown only at LOG_LEVEL=debug
 * or trace, the switch the README gives for "says more". Plain JavaScript, for start.mjs.
 */
import process from 'node:process';
import { inspect } from 'node:util';

/** Whether the failure is shown with where it happened: LOG_LEVEL=debug or trace. */
export function showsStacks(logLevel = process.env.LOG_LEVEL) {
  return logLevel === 'debug' || logLevel === 'trace';
}

/** A failure that says what the user can do about it (a port to free, a command to run). */
export class StartFailure extends Error {
  /**
   * @param {string} message
   * @param {string} whatToDo one line or several, printed under the reason
   * @param {ErrorOptions} [options]
   */
  constructor(message, whatToDo, options) {
    super(message, options);
    this.whatToDo = whatToDo;
  }
}

/** What to do when nothing more precise is known: the lines above name the cause; the switch shows where it was. */
export const tryAgain = (/** @type {string} */ command) =>
  `Fix what the lines above name, then run ${command} again (LOG_LEVEL=debug ${command} also shows where in the code it failed).`;

/**
 * A stack frame, as Node.js prints them (`    at f (file:1:2)`, `    at file:1:2`, `    at new X (<anonymous>)`,
 * `    at Array.map (native)`); a child's last lines carry them when it crashed. Other indented lines starting with
 * "at" (a message's own text) are kept.
 */
const STACK_FRAME = /^[ \t]+at .*(?::\d+:\d+\)?|\((?:native|<anonymous>)\)|<anonymous>)[ \t]*(?:\r?\n|$)/gm;

/** `text` without its stack frames, e.g. a crashed child's last lines. */
export function withoutStackFrames(/** @type {string} */ text) {
  return text.replace(STACK_FRAME, '').trimEnd();
}

/**
 * An error's message, after its kind when that says something (`TypeError: …`, not `Error: …`).
 * @param {unknown} error
 */
export function reasonOf(error) {
  if (!(error instanceof Error)) return String(error);
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
}

/**
 * What to print when `who` failed to start, ending in a line break: `<who>: failed to start: <reason>`, then what to
 * do, indented. With LOG_LEVEL=debug or trace, the reason is the whole error: stack, causes and all.
 * @param {string} who
 * @param {unknown} error
 * @param {string | undefined} [logLevel]
 */
export function startFailureText(who, error, logLevel = process.env.LOG_LEVEL) {
  const reason = showsStacks(logLevel) ? inspect(error) : withoutStackFrames(reasonOf(error));
  const whatToDo = error instanceof StartFailure ? `\n${error.whatToDo.replace(/^/gm, '  ')}` : '';
  return `${who}: failed to start: ${reason}${whatToDo}\n`;
}
