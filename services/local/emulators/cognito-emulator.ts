/**
 * cognito-local as a child process, bound to loopback, with its state (`./.cognito`) under a data directory.
 * A child process rather than in-process: cognito-local is CommonJS with its own express, pino and aws-sdk v2,
 * and keeping it apart means its crash or memory never touches the services.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServerDeath } from '../child-process/death';
import { startChildProcess } from '../child-process/start-child';

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
  /** Settles only if its process exits without stop() (killed, crashed): how, and its last lines. */
  readonly died: Promise<ServerDeath>;
  stop(): Promise<void>;
}

const START_JS = createRequire(import.meta.url).resolve('cognito-local/lib/bin/start.js');
/** Makes cognito-local check an app client's auth flows as Cognito does (see the file). */
const AUTH_FLOWS_URL = new URL('./cognito-auth-flows.mjs', import.meta.url).href;

/**
 * Runs in the child before cognito-local. It leaves when the launcher's IPC channel closes (the launcher died),
 * as every child does. On SIGTERM it waits a moment because cognito-local rewrites its JSON files in place, and an
 * exit in the middle of a write would truncate a pool. The auth-flow checks go in before cognito-local starts: a
 * failure to install them ends the child, and the launcher reports its last lines.
 */
const CHILD_PRELUDE = [
  "process.on('disconnect', () => process.exit(0));",
  "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 150));",
  'import(process.argv[2])',
  '  .then(({ enforceAuthFlows }) => { enforceAuthFlows(process.argv[1]); require(process.argv[1]); })',
  '  .catch((error) => { console.error(error); process.exit(1); });',
].join('\n');

/** What cognito-local prints once it listens: the endpoint, so port 0 needs no guessing. */
const LISTENING = /Cognito Local running on (https?:\/\/[^\s]+)/;

export async function startCognitoEmulator(options: CognitoEmulatorOptions): Promise<CognitoEmulator> {
  const cwd = path.resolve(options.dataDir);
  await mkdir(cwd, { recursive: true });
  const child = await startChildProcess({
    name: `cognito-local on 127.0.0.1:${options.port} in ${cwd}`,
    args: ['-e', CHILD_PRELUDE, START_JS, AUTH_FLOWS_URL],
    cwd,
    env: {
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DEBUG: undefined, // cognito-local logs every data store write at debug level
      COGNITO_LOCAL_DEVMODE: undefined,
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    },
    ready: { logLine: LISTENING },
    readyTimeoutMs: options.startTimeoutMs ?? 15_000,
    onLine: options.onLog,
    stop: { graceMs: 3_000 }, // it exits 150 ms after SIGTERM (see CHILD_PRELUDE)
  });
  const stop = () => child.stop();
  try {
    const endpoint = child.found;
    await waitUntilHealthy(endpoint);
    return { endpoint, port: Number(new URL(endpoint).port), died: child.unaskedExit, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilHealthy(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`cognito-local at ${endpoint} answered ${response.status} on /health`);
}
