/**
 * One platform process run as a child: started through tsx, considered up when its readiness URL answers 200,
 * stopped with SIGTERM (SIGKILL after a grace period), and restarted with backoff if it crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ENV_OVER_IPC, type LauncherMessage } from '../platform/launcher-env';
import { stopChild } from './stop-child';

/** SIGTERM lets the service drain; a child that ignores it this long is killed. */
const STOP_GRACE_MS = 15_000;

// tsx as a loader in the child itself, not its CLI (which would add a wrapper process between us and it).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface ChildServiceOptions {
  readonly name: string;
  /** A TypeScript entry point (run with tsx) or a JavaScript bundle (run by Node as it is). */
  readonly entry: string;
  readonly env: Record<string, string>;
  /**
   * The rest of the environment, known once the parts this child depends on are up. Given, the child is started
   * at once and loads its code meanwhile, then receives this over IPC (services/platform/launcher-env.ts).
   */
  readonly lateEnv?: Promise<Record<string, string>>;
  readonly readyUrl: string;
  readonly readyTimeoutMs?: number;
  /** Where the child's stdout and stderr go; `ignore` drops them. @default 'inherit' */
  readonly output?: 'inherit' | 'ignore';
  /** Restart after an unexpected exit, with backoff (1 s doubling to 30 s). @default false */
  readonly restart?: boolean;
  readonly onEvent?: (message: string) => void;
  /** Extra Node.js flags, e.g. `--cpu-prof` for a benchmark. */
  readonly nodeArgs?: readonly string[];
}

export interface RunningChild {
  readonly name: string;
  /** The current process's id (it changes on a restart). */
  readonly pid: number | undefined;
  /** How long its first start took by itself: from spawn to ready, less any wait for `lateEnv`. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

export async function startChildService(options: ChildServiceOptions): Promise<RunningChild> {
  const spawnedAt = Date.now();
  let child = launch(options);
  let stopping = false;
  let backoffMs = 1_000;
  const watch = (proc: ChildProcess) =>
    proc.once('exit', (code, signal) => {
      if (stopping) return;
      options.onEvent?.(`${options.name} exited (${signal ?? `code ${code}`})${options.restart ? `; restarting in ${backoffMs / 1000} s` : ''}`);
      if (!options.restart) return;
      setTimeout(() => {
        if (stopping) return;
        child = launch(options);
        watch(child);
        if (options.lateEnv) void handOverEnv(child, options.lateEnv).catch(() => {});
        waitUntilReady(options.readyUrl, options.readyTimeoutMs ?? 30_000, child).then(
          () => {
            backoffMs = 1_000;
            options.onEvent?.(`${options.name} is back`);
          },
          () => {},
        );
      }, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    });
  watch(child);
  let startupMs: number;
  try {
    const [, waitedMs] = await Promise.all([
      waitUntilReady(options.readyUrl, options.readyTimeoutMs ?? 30_000, child),
      options.lateEnv ? handOverEnv(child, options.lateEnv) : 0,
    ]);
    startupMs = Date.now() - spawnedAt - waitedMs;
  } catch (error) {
    stopping = true;
    await stopChild(child, STOP_GRACE_MS);
    throw new Error(`${options.name} did not become ready at ${options.readyUrl}: ${(error as Error).message}`);
  }
  return {
    name: options.name,
    get pid() {
      return child.pid;
    },
    startupMs,
    stop: async () => {
      stopping = true;
      await stopChild(child, STOP_GRACE_MS);
    },
  };
}

/**
 * Detached, so a Ctrl-C in the terminal reaches only the launcher, which then stops the parts in order. The IPC
 * channel closes if the launcher dies, even by SIGKILL, and the child then shuts itself down (see serve.ts).
 */
function launch(options: ChildServiceOptions): ChildProcess {
  const out = options.output ?? 'inherit';
  const loader = options.entry.endsWith('.ts') ? ['--import', tsxLoader] : ['--enable-source-maps'];
  return spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, options.entry], {
    env: { ...process.env, ...options.env, ...(options.lateEnv ? { [ENV_OVER_IPC]: '1' } : {}) },
    stdio: ['ignore', out, out, 'ipc'],
    detached: true,
  });
}

async function waitUntilReady(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.signalCode ?? `code ${child.exitCode}`})`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no answer within ${timeoutMs} ms`);
}

/**
 * Sends `lateEnv` once the child says its code is loaded and the environment is known. Resolves with how long the
 * loaded child waited for it (time that belongs to the parts it depends on, not to the child); rejects at once
 * if the environment cannot be had (a dependency failed).
 */
function handOverEnv(child: ChildProcess, lateEnv: Promise<Record<string, string>>): Promise<number> {
  return new Promise((resolve, reject) => {
    lateEnv.catch(reject);
    child.once('message', () => {
      const loadedAt = Date.now();
      lateEnv.then((env) => {
        const message: LauncherMessage = { env };
        child.send(message);
        resolve(Date.now() - loadedAt);
      }, reject);
    });
  });
}
