/**
 * cognito-local as a child process, bound to loopback, with its state (`./.cognito`) under a data directory.
 * A child process rather than in-process: cognito-local is CommonJS with its own express, pino and aws-sdk v2,
 * and keeping it apart means its crash or memory never touches the services.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from './stop-child';

export interface CognitoEmulatorOptions {
  /** cognito-local keeps its state in `<dataDir>/.cognito`; kept across restarts. */
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly onLog?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface CognitoEmulator {
  /** `http://127.0.0.1:<port>`: the endpoint override for the SDK client. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const START_JS = createRequire(import.meta.url).resolve('cognito-local/lib/bin/start.js');

/**
 * Runs in the child before cognito-local. An IPC channel closes when the parent dies, even by SIGKILL, so the
 * child never outlives it. On SIGTERM it waits a moment because cognito-local rewrites its JSON files in place,
 * and an exit in the middle of a write would truncate a pool.
 */
const CHILD_PRELUDE = [
  "process.on('disconnect', () => process.exit(0));",
  "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 150));",
  'require(process.argv[1]);',
].join('\n');

// eslint-disable-next-line no-control-regex -- pino-pretty colours its output even into a pipe
const ANSI = /\u001b\[[0-9;]*m/g;
const LISTENING = /Cognito Local running on (https?:\/\/[^\s]+)/;

export async function startCognitoEmulator(options: CognitoEmulatorOptions): Promise<CognitoEmulator> {
  const cwd = path.resolve(options.dataDir);
  await mkdir(cwd, { recursive: true });
  const child = spawn(process.execPath, ['-e', CHILD_PRELUDE, START_JS], {
    cwd,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DEBUG: undefined, // cognito-local logs every data store write at debug level
      COGNITO_LOCAL_DEVMODE: undefined,
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: a Ctrl-C or a closing terminal reaches only its parent, which stops it in order.
    detached: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = () => {
    process.removeListener('exit', killOnExit);
    return stopChild(child, 3_000); // it exits 150 ms after SIGTERM (see CHILD_PRELUDE)
  };
  try {
    const endpoint = await waitUntilListening(child, options, cwd);
    await waitUntilHealthy(endpoint);
    return { endpoint, port: Number(new URL(endpoint).port), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves with the endpoint that cognito-local prints once it listens, so port 0 needs no guessing. */
function waitUntilListening(child: ChildProcess, options: CognitoEmulatorOptions, cwd: string): Promise<string> {
  const recent: string[] = [];
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      const tail = recent.length ? `\n${recent.join('\n')}` : '';
      reject(new Error(`cognito-local did not start on 127.0.0.1:${options.port} in ${cwd}: ${why}${tail}`));
    };
    const timer = setTimeout(() => fail(`no answer after ${timeoutMs} ms`), timeoutMs);
    const onLine = (raw: string) => {
      const line = raw.replace(ANSI, '');
      options.onLog?.(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
      const url = LISTENING.exec(line)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    // Both pipes are always drained: a full pipe would block the child.
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
  });
}

async function waitUntilHealthy(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`cognito-local at ${endpoint} answered ${response.status} on /health`);
}
