/**
 * The real `npm start` (npm, and the launcher it execs) on free ports, for the end-to-end tests and the start-up
 * benchmark, started by the launcher's own startChildProcess. npm leads a process group of its own, as a job in a
 * terminal does, so a test can send a signal to the whole group as Ctrl-C does.
 */
import path from 'node:path';
import { startChildProcess, type Exit } from '../services/local/child-process/start-child';
import { freePort } from '../services/local/free-port';

export type Ended = Exit;

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

export const PORT_VARIABLES = ['GATEWAY_PORT', 'IDENTITY_PORT', 'PRODUCT_PORT', 'BILLING_PORT', 'PRODUCT_GRPC_PORT', 'COGNITO_PORT', 'FAUXQS_PORT', 'POSTGRES_PORT'];

/** The launcher stops each of its four tiers within 15 s; npm is killed only if it takes longer than all of them. */
const STOP_GRACE_MS = 60_000;

/** What `npm start` prints once ready; its group is the gateway's URL. */
export const READY_LINE = /ready: gateway at (\S+)/;

/**
 * `readyLine` is the line the start waits for, and its first group the gatewayUrl: by default `ready`; a test of
 * what happens while the platform starts waits for an earlier one.
 */
export async function startPlatformProcess(dataDir: string, ports?: Record<string, number>, timeoutMs = 90_000, readyLine = READY_LINE): Promise<PlatformProcess> {
  const chosen = ports ?? Object.fromEntries(await Promise.all(PORT_VARIABLES.map(async (name) => [name, await freePort()] as const)));
  const output: string[] = [];
  const npm = await startChildProcess({
    name: 'npm start',
    command: 'npm',
    args: ['start'],
    env: {
      ...Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, String(v)])),
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, // npm runs on this Node
      npm_config_update_notifier: 'false',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: undefined,
    },
    ready: { logLine: readyLine },
    readyTimeoutMs: timeoutMs,
    onLine: (line) => output.push(line),
    tailLines: 200, // all it says before ready, with room for a service's complaints
    stop: { graceMs: STOP_GRACE_MS },
  });
  const ended = npm.exited();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    await npm.stop(signal);
    return (await ended).code;
  };
  return { gatewayUrl: npm.found, ports: chosen, output, pid: npm.pid!, ended, outputClosed: npm.outputClosed(), stop };
}
