/**
 * The real `npm start` (npm, and the launcher it execs) on free ports, for end-to-end tests. npm leads a process
 * group of its own, as a job in a terminal does, so a test can send a signal to the whole group as Ctrl-C does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../services/local/free-port';

export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface PlatformProcess {
  readonly gatewayUrl: string;
  readonly ports: Record<string, number>;
  /** stdout and stderr lines, as they come. */
  readonly output: string[];
  /** npm's pid, which is also the id of the process group. */
  readonly pid: number;
  /** How npm ended. */
  readonly ended: Promise<Ended>;
  /** Resolves once nothing holds the output open any more: npm, the launcher and the services have all gone. */
  readonly outputClosed: Promise<void>;
  /** Sends the signal to npm alone and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const PORT_VARIABLES = ['GATEWAY_PORT', 'IDENTITY_PORT', 'PRODUCT_PORT', 'BILLING_PORT', 'COGNITO_PORT', 'FAUXQS_PORT', 'POSTGRES_PORT'];

export async function startPlatformProcess(dataDir: string, ports?: Record<string, number>, timeoutMs = 90_000): Promise<PlatformProcess> {
  const chosen = ports ?? Object.fromEntries(await Promise.all(PORT_VARIABLES.map(async (name) => [name, await freePort()] as const)));
  const child = spawn('npm', ['start'], {
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, String(v)])),
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, // npm runs on this Node
      npm_config_update_notifier: 'false',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: undefined,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  let sawReady: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (sawReady = resolve));
  const collect = (line: string) => {
    output.push(line);
    const url = /ready: gateway at (\S+)/.exec(line)?.[1];
    if (url) sawReady(url);
  };
  const ended = new Promise<Ended>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const outputClosed = Promise.all([child.stdout!, child.stderr!].map((stream) => linesOf(stream, collect))).then(() => {});
  const gatewayUrl = await beforeEndOrTimeout(child, ready, output, timeoutMs);
  return { gatewayUrl, ports: chosen, output, pid: child.pid!, ended, outputClosed, stop: (signal = 'SIGTERM') => stopNpm(child, ended, signal) };
}

function linesOf(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => createInterface({ input: stream }).on('line', onLine).once('close', resolve));
}

function beforeEndOrTimeout(child: ChildProcess, ready: Promise<string>, output: string[], timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" line within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    ready.then((url) => (clearTimeout(timer), resolve(url)), () => {});
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm start ended with ${signal ?? code} before ready:\n${output.join('\n')}`));
    });
  });
}

async function stopNpm(child: ChildProcess, ended: Promise<Ended>, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return (await ended).code;
}
