/**
 * The one way a launched process is stopped, and the one rule for when its parent goes first. Every child of
 * `npm start`, the emulators of the tests and PostgreSQL stop this way; only the signals differ.
 */
import type { ChildProcess } from 'node:child_process';

export interface StopRule {
  /** Asks it to stop: SIGTERM lets a Node.js child drain or save its state; SIGINT is PostgreSQL's fast shutdown. */
  readonly signal: NodeJS.Signals;
  /** How long it may take before `force` ends it. */
  readonly graceMs: number;
  /** SIGKILL, or PostgreSQL's immediate shutdown (SIGQUIT). @default 'SIGKILL' */
  readonly force?: NodeJS.Signals;
}

export const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Sends `rule.signal`, then `rule.force` if it is still there after the grace period. */
export function stopChild(child: ChildProcess, rule: StopRule): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill(rule.force ?? 'SIGKILL'), rule.graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(rule.signal);
  });
}

/** Children still running, with the signal that stops each. One `exit` listener serves them all. */
const running = new Map<ChildProcess, NodeJS.Signals>();

/**
 * If the parent exits without stopping the child (a crash, a bare process.exit), the child is still asked to stop.
 * The IPC channel does the same for a Node.js child that listens for `disconnect`, even when the parent is
 * killed; this covers the rest (PostgreSQL, npm) and the time before a child listens.
 */
export function stopWithParent(child: ChildProcess, signal: NodeJS.Signals): void {
  if (running.size === 0) process.once('exit', stopAllBehindUs);
  running.set(child, signal);
  const forget = () => {
    running.delete(child);
    if (running.size === 0) process.removeListener('exit', stopAllBehindUs);
  };
  // `close` too: a child that could not be spawned (ENOENT) never emits `exit`.
  child.once('exit', forget).once('close', forget);
}

function stopAllBehindUs(): void {
  for (const [child, signal] of running) child.kill(signal);
}
