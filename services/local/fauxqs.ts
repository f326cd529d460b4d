/**
 * The embedded SNS/SQS emulator (fauxqs) as a child process bound to 127.0.0.1. A child rather than in-process,
 * so that tests and `npm start` can stop and restart it like the real service going away, and its memory stays
 * apart from the services'. With a data directory, its topics, queues, subscriptions and messages survive a
 * restart (see fauxqs-server.mjs for what is kept).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from './stop-child';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port';

export interface FauxqsOptions {
  /** Holds fauxqs' SQLite store; without it every start is empty. */
  readonly dataDir?: string;
  /** 0 (the default) picks a free port once; restarts keep it, so the endpoint never changes. */
  readonly port?: number;
  readonly onLog?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface FauxqsEmulator {
  /** `http://127.0.0.1:<port>`: the endpoint override for the SNS and SQS clients. */
  readonly endpoint: string;
  readonly port: number;
  /** Saves the state (with a data directory) and stops. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same port with the saved state. */
  restart(): Promise<void>;
}

/** Time for the emulator to close its store on SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;
const SERVER = fileURLToPath(new URL('./fauxqs-server.mjs', import.meta.url));

export async function startFauxqsEmulator(options: FauxqsOptions = {}): Promise<FauxqsEmulator> {
  const port = options.port || (await freePort());
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  let child: ChildProcess | undefined = await spawnServer(port, dataDir, options);
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running) await stopChild(running, STOP_GRACE_MS);
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      child = await spawnServer(port, dataDir, options);
    },
  };
}

async function spawnServer(port: number, dataDir: string | undefined, options: FauxqsOptions): Promise<ChildProcess> {
  const child = fork(SERVER, [], {
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_DATA_DIR: dataDir ?? '' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [], // not the parent's loaders (tsx): the server is plain JavaScript
    // Its own process group: a Ctrl-C or a closing terminal reaches only its parent, which stops it in order.
    detached: true,
  });
  // SIGTERM, not SIGKILL: the child closes its store on the way out.
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  child.once('exit', () => process.removeListener('exit', stopOnExit));
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    // Always drained: a full pipe would block the child.
    createInterface({ input: stream }).on('line', (line) => {
      options.onLog?.(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
    });
  }
  try {
    await waitUntilListening(child, port, options.startTimeoutMs ?? 15_000);
    return child;
  } catch (error) {
    await stopChild(child, STOP_GRACE_MS);
    const tail = recent.length ? `\n${recent.join('\n')}` : '';
    throw new Error(`fauxqs did not start on 127.0.0.1:${port}: ${(error as Error).message}${tail}`);
  }
}

function waitUntilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer after ${timeoutMs} ms`)), timeoutMs);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('error', (error) => reject(error));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${signal ?? `code ${code}`} (is port ${port} taken?)`));
    });
  });
}
