/**
 * `--local`: the bus and databases of the platform `npm start` runs, from the same variables and defaults. What
 * answers at those addresses is checked to be that platform before anything is read, and the tool says on stderr
 * what it reads: a PostgreSQL of some other project on the port would otherwise be read without a word.
 */
import net from 'node:net';
import path from 'node:path';
import { loadLocalConfig } from '../../services/local/config';
import { embeddedServerUrl, postgresRunningOn } from '../../services/local/embedded-postgres';

export interface LocalTarget<T> {
  readonly value: T;
  /** What is read, for the line that says so: `fauxqs at http://127.0.0.1:9324`. */
  readonly description: string;
  /** Rejects with what to do when npm start's part is not running there. */
  found(): Promise<void>;
}

export interface LocalTargets {
  /** SNS/SQS: AWS_ENDPOINT_URL when npm start uses it, else its fauxqs. */
  readonly bus: LocalTarget<{ endpoint: string; region: string }>;
  /** DATABASE_URL when npm start uses it, else its embedded server: each producing service's database on it. */
  readonly database: LocalTarget<string>;
}

const ASK = 'is `npm start` running? If it runs with other settings, give this command the same';

export function localTargets(env: Readonly<Record<string, string | undefined>> = process.env): LocalTargets {
  const config = loadLocalConfig(env);
  const region = config.AWS_REGION;
  const bus = config.AWS_ENDPOINT_URL
    ? { value: { endpoint: config.AWS_ENDPOINT_URL, region }, description: `SNS/SQS at ${config.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL)`, found: async () => {} }
    : embeddedFauxqs(config.FAUXQS_PORT, region);
  const database = config.DATABASE_URL
    ? { value: config.DATABASE_URL, description: `PostgreSQL at ${redact(config.DATABASE_URL)} (DATABASE_URL)`, found: async () => {} }
    : embeddedPostgres(config.DATA_DIR, config.POSTGRES_PORT);
  return { bus, database };
}

function embeddedFauxqs(port: number, region: string): LocalTargets['bus'] {
  const endpoint = `http://127.0.0.1:${port}`;
  const found = async () => {
    if (!(await answers(port))) throw new Error(`no platform found at ${endpoint}: nothing answers there; ${ASK} FAUXQS_PORT (or AWS_ENDPOINT_URL)`);
  };
  return { value: { endpoint, region }, description: `fauxqs at ${endpoint}`, found };
}

function embeddedPostgres(dataDir: string, port: number): LocalTargets['database'] {
  const address = `127.0.0.1:${port}`;
  const databaseDir = path.join(dataDir, 'postgres');
  const found = async () => {
    const running = await postgresRunningOn(databaseDir);
    const missing = `no platform found at ${address}: no embedded PostgreSQL of npm start runs with data in ${databaseDir}`;
    if (!running) throw new Error(`${missing}${(await answers(port)) ? ' (the server answering there is another one)' : ''}; ${ASK} DATA_DIR and POSTGRES_PORT (or DATABASE_URL)`);
    if (running.port !== port) throw new Error(`no platform found at ${address}: npm start's PostgreSQL with data in ${databaseDir} listens on port ${running.port}; set POSTGRES_PORT=${running.port}`);
  };
  return { value: embeddedServerUrl(port), description: `PostgreSQL at ${address} (embedded, DATA_DIR ${dataDir})`, found };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const redact = (url: string) => url.replace(/:[^:@/]+@/, ':***@');
