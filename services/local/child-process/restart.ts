/**
 * Restart with backoff: a child that exits when nobody asked it to is started again after 1 s, doubling to 30 s
 * while it keeps failing, and back to 1 s once it is ready again. Without `restart`, its exit is only reported.
 */
import type { ChildProcess } from 'node:child_process';
import { handOverEnv } from './late-env';
import type { ChildOutput } from './output';

/** A spawned process and its output. */
export interface Launched {
  readonly process: ChildProcess;
  readonly output: ChildOutput;
}

export interface Restarts {
  /** The process running now. */
  readonly current: Launched;
  /** The first process's readiness (untilReady). */
  readonly firstReady: Promise<string>;
  /** No more restarts: the child is being stopped. */
  stop(): void;
}

interface RestartOptions {
  readonly name: string;
  readonly restart?: boolean;
  readonly lateEnv?: Promise<Record<string, string>>;
  readonly onEvent?: (message: string) => void;
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/** Launches the first process at once, and the next ones after each unexpected exit. */
export function keepRestarting(options: RestartOptions, launch: () => Launched, untilReady: (child: Launched) => Promise<string>): Restarts {
  let current = launch();
  // The first process's exit before it is ready is its start's failure, which the start reports and which stops
  // it: "exited; restarting in 1 s" would announce a restart that never comes.
  const first = current;
  let firstWasReady = false;
  const firstReady = untilReady(first).then((found) => ((firstWasReady = true), found));
  let stopped = false;
  let backoffMs = FIRST_BACKOFF_MS;
  let timer: NodeJS.Timeout | undefined;
  const relaunch = () => {
    if (stopped) return;
    current = launch();
    watch(current);
    if (options.lateEnv) void handOverEnv(current.process, options.lateEnv).catch(() => {});
    const back = () => {
      backoffMs = FIRST_BACKOFF_MS;
      options.onEvent?.(`${options.name} is back`);
    };
    untilReady(current).then(back, () => {}); // one that never gets ready exits, or is stopped with the rest
  };
  const watch = (child: Launched) =>
    child.process.once('exit', (code, signal) => {
      if (stopped || (child === first && !firstWasReady)) return;
      const then = options.restart ? `; restarting in ${backoffMs / 1000} s` : '';
      options.onEvent?.(`${options.name} exited (${signal ?? `code ${code}`})${then}`);
      if (!options.restart) return;
      timer = setTimeout(relaunch, backoffMs);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    });
  watch(current);
  return {
    get current() {
      return current;
    },
    firstReady,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
