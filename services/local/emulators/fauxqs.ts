/**
 * The embedded SNS/SQS emulator (fauxqs) as a child process bound to 127.0.0.1. A child rather than in-process,
 * so that tests and `npm start` can stop and restart it like the real service going away, and its memory stays
 * apart from the services'. With a data directory, its topics, queues, subscriptions and messages survive a
 * restart (see fauxqs-server.mjs for what is kept).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerDeath } from '../child-process/death';
import { startChildProcess, type RunningChild } from '../child-process/start-child';
import { freePort } from '../free-port';

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
  /** Settles only if its process exits without stop() or restart() (killed, crashed): how, and its last lines. */
  readonly died: Promise<ServerDeath>;
  /** Saves the state (with a data directory) and stops. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same port with the saved state. */
  restart(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./fauxqs-server.mjs', import.meta.url));

export async function startFauxqsEmulator(options: FauxqsOptions = {}): Promise<FauxqsEmulator> {
  const port = options.port || (await freePort());
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  let reportDeath: (death: ServerDeath) => void = () => {};
  const died = new Promise<ServerDeath>((resolve) => (reportDeath = resolve));
  // Each process's unaskedExit settles only on an exit not asked for, so one that restart() stopped never reports.
  const started = async () => {
    const server = await startServer(port, dataDir, options);
    void server.unaskedExit.then(reportDeath);
    return server;
  };
  let child: RunningChild | undefined = await started();
  const stop = async () => {
    const running = child;
    child = undefined;
    await running?.stop();
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    died,
    stop,
    async restart() {
      await stop();
      child = await started();
    },
  };
}

/** Plain `node` on the server file, not the parent's loaders (tsx): it is plain JavaScript and starts faster. */
function startServer(port: number, dataDir: string | undefined, options: FauxqsOptions): Promise<RunningChild> {
  return startChildProcess({
    name: `fauxqs on 127.0.0.1:${port}`,
    // fauxqs keeps its store in node:sqlite, which Node 22 still calls experimental: its two warning lines said
    // nothing to a user, and stood among the last lines of a failed start.
    args: ['--disable-warning=ExperimentalWarning', SERVER],
    env: { FAUXQS_PORT: String(port), FAUXQS_DATA_DIR: dataDir ?? '' },
    ready: { message: 'listening' },
    readyTimeoutMs: options.startTimeoutMs ?? 15_000,
    onLine: options.onLog,
    stop: { graceMs: 5_000 }, // time to close its store on SIGTERM
  });
}
