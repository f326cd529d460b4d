/**
 * One platform process run as a child: started through tsx, considered up when its readiness URL answers 200,
 * stopped with SIGTERM (SIGKILL after a grace period), and restarted with backoff if it crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
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
  stop(): Promise<void>;
}

export async function startChildService(options: ChildServiceOptions): Promise<RunningChild> {
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
  try {
    await waitUntilReady(options.readyUrl, options.readyTimeoutMs ?? 30_000, child);
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
    env: { ...process.env, ...options.env },
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
