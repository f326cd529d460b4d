/**
 * Where `npm start`'s launcher is in its first moments, seen from outside through /proc (Linux), not guessed from
 * a clock: the launcher is npm's child running start.mjs, and while it bundles itself its one child is esbuild's
 * service process.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return []; // gone
  }
};

const commandOf = (pid: number): string[] => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

/** npm's child once it runs start.mjs under Node (until then it is the shell npm runs the script with). */
export function launcherOf(npmPid: number): number | undefined {
  return childrenOf(npmPid).find((pid) => {
    const [program, script] = commandOf(pid);
    return path.basename(program ?? '') === 'node' && script === 'services/local/start.mjs';
  });
}

/** Whether the launcher bundles itself now: its esbuild service process runs. */
export function bundling(launcher: number): boolean {
  return childrenOf(launcher).some((pid) => commandOf(pid).some((arg) => arg.includes('esbuild')));
}

/** The launcher's child running a file whose path ends with `script` (fauxqs-server.mjs), once it runs. */
export function childRunning(launcher: number, script: string): number | undefined {
  return childrenOf(launcher).find((pid) => commandOf(pid).some((arg) => arg.endsWith(script)));
}

/**
 * Checks `holds` every 2 ms until it is true or `tooLate` is, for at most `ms`: a moment of a few tens of ms (esbuild
 * bundling the launcher on an idle machine) is caught, and one already past does not hold the test up.
 */
export async function moment(holds: () => boolean, tooLate: () => boolean, ms = 15_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (holds()) return true;
    if (tooLate()) return false;
    await sleep(2);
  }
  throw new Error(`a moment of npm start's first seconds did not come within ${ms} ms`);
}
