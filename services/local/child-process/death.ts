/**
 * A part's death: the exit of a process nobody asked to stop. PostgreSQL and the emulators are started once and
 * not restarted, so their owner cannot work once they are gone, and would otherwise never know (stop-order.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildOutput } from './output';
import { hasExited } from './stop-child';

export interface ServerDeath {
  readonly pid: number | undefined;
  readonly exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null };
  /** Its last lines, each after a line break; empty if it said nothing. */
  readonly lastLines: string;
}

/** Settles only if `child` exits while `asked()` is false: how it ended, and what it said last. */
export function deathOf(child: ChildProcess, output: ChildOutput, asked: () => boolean): Promise<ServerDeath> {
  return new Promise((resolve) => {
    const ended = () => {
      if (asked()) return;
      const exit = { code: child.exitCode, signal: child.signalCode };
      void lastLines(output).then((lines) => resolve({ pid: child.pid, exit, lastLines: lines }));
    };
    // It may have gone between becoming ready and now, its `exit` event already past.
    if (hasExited(child)) ended();
    else child.once('exit', ended);
  });
}

/** One line naming it (`what`, then `details` such as its address and data) and how it ended, then its last lines. */
export function describeDeath(what: string, details: string, { pid, exit, lastLines }: ServerDeath): string {
  return `${what} (pid ${pid}, ${details}) exited unexpectedly (${exit.signal ?? `code ${exit.code}`})` +
    (lastLines ? `; its last log lines:${lastLines}` : '');
}

/** What it wrote last, which can follow its exit by a moment; not waited for longer, as its children may hold the pipe. */
async function lastLines(output: ChildOutput): Promise<string> {
  await Promise.race([output.closed, sleep(500)]);
  return output.tail();
}
