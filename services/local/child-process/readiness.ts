/**
 * How the launcher knows a child is up, in the three ways its children can say so. Each resolves with what it
 * found (the URL, the message's value, the line's first group), and fails as soon as the child exits.
 */
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildOutput } from './output';
import { hasExited } from './stop-child';

export type Readiness =
  /** A URL that answers 200: the services and the gateway (`/health/ready`). */
  | { readonly url: string }
  /** An IPC message with this key: fauxqs' `{ listening }`. */
  | { readonly message: string }
  /** A line of its output (piped): cognito-local's "running on <url>", PostgreSQL's "ready to accept connections". */
  | { readonly logLine: RegExp };

type Found = (value: string) => void;

/** Without `timeoutMs`, it waits as long as the child runs. */
export function untilReady(child: ChildProcess, readiness: Readiness, output: ChildOutput, timeoutMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.removeListener('exit', onExit).removeListener('error', fail);
      stopWatching();
      outcome();
    };
    const fail = (why: string | Error) => settle(() => reject(typeof why === 'string' ? new Error(why) : why));
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`it exited (${signal ?? `code ${code}`})`);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => fail(`${waitedFor(readiness)} within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', onExit).once('error', fail);
    const stopWatching = watch(child, readiness, output, (value) => settle(() => resolve(value)));
    if (hasExited(child)) onExit(child.exitCode, child.signalCode);
  });
}

/** Starts looking; returns how to stop. */
function watch(child: ChildProcess, readiness: Readiness, output: ChildOutput, found: Found): () => void {
  if ('url' in readiness) return pollUrl(readiness.url, found);
  if ('message' in readiness) {
    const onMessage = (message: unknown) => {
      const value = (message as Record<string, unknown> | null)?.[readiness.message];
      if (value !== undefined) found(String(value));
    };
    child.on('message', onMessage);
    return () => child.removeListener('message', onMessage);
  }
  return output.onLine((line) => {
    const match = readiness.logLine.exec(line);
    if (match) found(match[1] ?? match[0]);
  });
}

function pollUrl(url: string, found: Found): () => void {
  let polling = true;
  void (async () => {
    while (polling) {
      if ((await answersOk(url)) && polling) return found(url);
      await sleep(20);
    }
  })();
  return () => (polling = false);
}

/**
 * One GET on a fresh connection. node:http, not fetch: the launcher polls four URLs every 20 ms while their
 * processes start, mostly into refused connections, and fetch's per-call work cost about 0.2 s of the launcher's
 * 1.6 s of CPU per start (alternating runs, timed by hand).
 */
function answersOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

function waitedFor(readiness: Readiness): string {
  if ('url' in readiness) return `no answer at ${readiness.url}`;
  if ('message' in readiness) return `no "${readiness.message}" message`;
  return `no line matching ${readiness.logLine}`;
}

/** The error of a start that failed: why, then the child's last lines, which can follow its exit by a moment. */
export async function notReadyError(name: string, reason: unknown, output: ChildOutput): Promise<Error> {
  await Promise.race([output.closed, sleep(500)]); // not longer: a grandchild may hold the pipes open
  return new Error(`${name} did not become ready: ${reason instanceof Error ? reason.message : String(reason)}${output.tail()}`);
}
