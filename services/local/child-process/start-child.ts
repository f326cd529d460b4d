/**
 * The one launcher of child processes: `npm start`'s services, gateway and emulators, and the emulators and
 * platform the tests and benchmarks run. A child is spawned, considered up once its readiness says so
 * (readiness.ts), stopped by one routine (stop-child.ts), and, if asked, restarted with backoff after a crash.
 *
 * One parent-exit rule for all: every child has an IPC channel, which closes when the launcher dies, even by
 * SIGKILL, and a Node.js child then shuts itself down (serve.ts, launcher-env.ts, the emulators); and every child
 * runs in a process group of its own (`detached`), so a Ctrl-C in the terminal reaches only the launcher, which
 * then stops the parts in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ENV_OVER_IPC } from '../../kit/launcher-env';
import { deathOf, type ServerDeath } from './death';
import { handOverEnv, reportedWaits } from './late-env';
import { readOutput } from './output';
import { notReadyError, untilReady, type Readiness } from './readiness';
import { keepRestarting, type Launched, type Restarts } from './restart';
import { hasExited, stopChild, stopWithParent, type StopRule } from './stop-child';

export interface ChildProcessOptions {
  /** Names it in events and errors. */
  readonly name: string;
  /** The program: this Node.js unless given (npm). */
  readonly command?: string;
  /** Its arguments; nodeEntry() makes them for a Node.js entry point. */
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Added to this process's environment; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The rest of the environment, known once the parts this child depends on are up. Given, the child is started
   * at once and loads its code meanwhile, then receives this over IPC (services/kit/launcher-env.ts).
   */
  readonly lateEnv?: Promise<Record<string, string>>;
  /** A part the child waits for by itself after its start (its database): when that fails, the start fails. */
  readonly dependsOn?: Promise<unknown>;
  /**
   * Rejects if a part the child cannot run without dies while it starts (its database, once up): the start then
   * fails at once with that reason, instead of when the child gives up waiting for it.
   */
  readonly abandonedBy?: Promise<never>;
  readonly ready: Readiness;
  /** @default 30_000 */
  readonly readyTimeoutMs?: number;
  /**
   * `pipe`: read line by line, into `onLine` and the tail a failed start shows. `inherit`: straight to this
   * process's stdout and stderr (the services' JSON lines), where a failure's last lines already are.
   * @default 'pipe'
   */
  readonly output?: 'pipe' | 'inherit' | 'ignore';
  readonly onLine?: (line: string) => void;
  /** How many of its last lines a failed start shows. @default 20 */
  readonly tailLines?: number;
  readonly onMessage?: (message: unknown) => void;
  /** @default SIGTERM, then SIGKILL after 15 s */
  readonly stop?: Partial<StopRule>;
  /** Restart after an unexpected exit, with backoff (1 s doubling to 30 s). @default false */
  readonly restart?: boolean;
  /** Its exits and restarts, as sentences for the terminal. */
  readonly onEvent?: (message: string) => void;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunningChild {
  readonly name: string;
  /** The current process's id (it changes on a restart). */
  readonly pid: number | undefined;
  /** How long its first start took by itself: from spawn to ready, less any wait for `lateEnv` and the waits it reported. */
  readonly startupMs: number;
  /** What its readiness found: the URL, the message's value, or the log line's first group. */
  readonly found: string;
  /** The current process's end. */
  exited(): Promise<Exit>;
  /** Resolves once nothing holds the current process's output pipes open (ChildOutput.closed). */
  outputClosed(): Promise<void>;
  /**
   * Without `restart`, settles only if it exits without stop(): how it ended and its last lines (death.ts). With
   * `restart`, never: its exits are restarted instead.
   */
  readonly unaskedExit: Promise<ServerDeath>;
  /** Stops it for good (no restart); `signal` replaces the rule's first signal. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const DEFAULT_STOP: StopRule = { signal: 'SIGTERM', graceMs: 15_000 };
const DEFAULT_READY_TIMEOUT_MS = 30_000;

export async function startChildProcess(options: ChildProcessOptions): Promise<RunningChild> {
  const rule = { ...DEFAULT_STOP, ...options.stop };
  const spawnedAt = Date.now();
  const restarts: Restarts = keepRestarting(options, () => launch(options, rule), (child) => untilChildReady(options, child));
  let stopping = false;
  const stop = (signal = rule.signal) => {
    stopping = true;
    restarts.stop();
    return stopChild(restarts.current.process, { ...rule, signal });
  };
  try {
    const { current } = restarts;
    const waitsReported = reportedWaits(current.process);
    const starting = Promise.all([
      restarts.firstReady,
      options.lateEnv ? handOverEnv(current.process, options.lateEnv) : 0,
      options.dependsOn,
    ]);
    if (options.abandonedBy) starting.catch(() => {}); // once abandoned, its own failure is no news
    const [found, waitedMs] = await (options.abandonedBy ? Promise.race([starting, options.abandonedBy]) : starting);
    return {
      name: options.name,
      get pid() {
        return restarts.current.process.pid;
      },
      startupMs: Date.now() - spawnedAt - waitedMs - waitsReported(),
      found,
      exited: () => exitOf(restarts.current.process),
      outputClosed: () => restarts.current.output.closed,
      unaskedExit: options.restart ? new Promise<never>(() => {}) : deathOf(current.process, current.output, () => stopping),
      stop,
    };
  } catch (error) {
    await stop();
    throw await notReadyError(options.name, error, restarts.current.output);
  }
}

function untilChildReady(options: ChildProcessOptions, child: Launched): Promise<string> {
  return untilReady(child.process, options.ready, child.output, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
}

function launch(options: ChildProcessOptions, rule: StopRule): Launched {
  const out = options.output ?? 'pipe';
  const child = spawn(options.command ?? process.execPath, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, ...(options.lateEnv ? { [ENV_OVER_IPC]: '1' } : {}) },
    stdio: ['ignore', out, out, 'ipc'],
    detached: true,
  });
  stopWithParent(child, rule.signal);
  const output = readOutput(child, options.tailLines ?? 20);
  if (options.onLine) output.onLine(options.onLine);
  if (options.onMessage) child.on('message', options.onMessage);
  return { process: child, output };
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (hasExited(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
