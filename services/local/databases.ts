import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseAppRole, databaseRole } from '../contracts/database-roles';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '../contracts/services';
import { ConfigError, redactUrlPassword } from '../kit/config';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../kit/db/provision';
import { describeDeath } from './child-process/death';
import { databaseUrlAdvice } from './database-url-advice';
import { watchServer } from './database-url-watch';
import { EMBEDDED_POSTGRES_MAJOR, embeddedServerUrl, IncompatibleClusterError, startEmbeddedPostgres, stopLeftoverPostgres } from './embedded-postgres';
import type { LocalConfig } from './config';
import { status } from './status';


export interface LocalDatabases {
  /** The URL of each service's own database, as its app role: rows only (services/kit/db/provision.ts). */
  readonly urls: Record<ServiceName, string>;
  /** The same database as its owner role, which only the service's migrations use (DATABASE_MIGRATION_URL). */
  readonly migrationUrls: Record<ServiceName, string>;
  /**
   * Starts the embedded server (unless DATABASE_URL names one) and provisions every database and role. The URLs
   * are known before: a service started with them waits for its database by itself (services/kit/db/
   * wait-for-database.ts), so its start-up overlaps PostgreSQL's instead of following it.
   */
  start(): Promise<DatabaseServer>;
}

export interface DatabaseServer {
  stop(): Promise<void>;
  /**
   * The embedded server's end, if it exits without stop(): one line naming it and how it ended, then its last log
   * lines (npm start keeps no other log of it). Absent for a DATABASE_URL server, which is not ours to watch.
   */
  readonly died?: Promise<string>;
}

/**
 * One database per service, on the given server or on an embedded PostgreSQL 16 under DATA_DIR, each with the
 * service's two login roles, which can connect to no other: the same roles as in AWS. The owner role runs the
 * migrations; the app role, which may only read and write rows, runs the service. The server's admin (the user of
 * DATABASE_URL, or the embedded server's `postgres`) only provisions them; no service gets its password.
 *
 * New random passwords at every start: they live only in the children's environment, and running the
 * provisioning again is how they change (the same step that rotates a role's password anywhere else).
 */
export function planDatabases(config: LocalConfig): LocalDatabases {
  const serverUrl = config.DATABASE_URL ?? embeddedServerUrl(config.POSTGRES_PORT);
  const secret = () => randomBytes(18).toString('base64url');
  const logins = SERVICE_NAMES.map((name) => ({
    name,
    database: SERVICES[name].database,
    role: databaseRole(name),
    password: secret(),
    app: { role: databaseAppRole(name), password: secret() },
  }));
  const byService = (login: (l: (typeof logins)[number]) => { user: string; password: string }) =>
    Object.fromEntries(logins.map((l) => [l.name, urlOfDatabase(serverUrl, l.database, login(l))])) as Record<ServiceName, string>;
  const provision = () => provisionDatabases(adminFromUrl(serverUrl), logins);
  return {
    urls: byService((l) => ({ user: l.app.role, password: l.app.password })),
    migrationUrls: byService((l) => ({ user: l.role, password: l.password })),
    start: () => (config.DATABASE_URL ? useServer(config.DATABASE_URL, provision) : startEmbedded(config, provision)),
  };
}

async function useServer(serverUrl: string, provision: () => Promise<string>): Promise<DatabaseServer> {
  const adminDatabase = await provision().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    const { hostname, port } = new URL(serverUrl);
    const advice = databaseUrlAdvice(error, { host: hostname, port });
    throw new ConfigError([`DATABASE_URL: cannot use ${redactUrlPassword(serverUrl)}: ${reason}${advice ? `. ${advice}` : ''}`]);
  });
  // A database in the URL is only where the admin works, if it may (else `postgres`): no service's data goes there,
  // each has its own, which "using …/platformdb" alone did not say.
  const named = decodeURIComponent(new URL(serverUrl).pathname.slice(1));
  const passedOver = named === adminDatabase ? '' : ` (not in "${named}": absent, closed to it, or a template)`;
  const where = named ? `; the admin works in database "${adminDatabase}"${passedOver}, each service in its own (${SERVICE_NAMES.map((name) => SERVICES[name].database).join(', ')})` : '';
  status.step('postgres', `using ${redactUrlPassword(serverUrl)}${where}`);
  const watch = watchServer(urlOfDatabase(serverUrl, adminDatabase), `postgres    ${redactUrlPassword(serverUrl)} (DATABASE_URL)`, { down: status.warn, up: status.info });
  return { stop: async () => watch.stop() };
}

async function startEmbedded(config: LocalConfig, provision: () => Promise<unknown>): Promise<DatabaseServer> {
  const dataDir = embeddedDataDir(config);
  const server = await startEmbeddedPostgres({ dataDir, port: config.POSTGRES_PORT, ownProcessGroup: true }).catch((error: unknown) => {
    throw error instanceof IncompatibleClusterError ? new ConfigError([`DATA_DIR: ${error.message}`]) : error;
  });
  status.step('postgres', `embedded PostgreSQL ${EMBEDDED_POSTGRES_MAJOR} on 127.0.0.1:${config.POSTGRES_PORT}, data in ${dataDir}`);
  const died = server.died.then((death) =>
    describeDeath('embedded PostgreSQL', `127.0.0.1:${config.POSTGRES_PORT}, data in ${path.resolve(dataDir)}`, death),
  );
  try {
    const provisionedAt = Date.now();
    await provision();
    status.step('databases', `${SERVICE_NAMES.join(', ')}: each its own database, owner role and app role`, Date.now() - provisionedAt);
    return { stop: server.stop, died };
  } catch (error) {
    // A server killed while it was being provisioned fails the provisioning with a bare client error (ECONNREFUSED,
    // a terminated connection) just before its own exit is known: that death is the news, not the client's error.
    const death = await Promise.race([died, sleep(DEATH_NEWS_MS, undefined, { ref: false })]);
    await server.stop();
    throw death === undefined ? error : new Error(death, { cause: error });
  }
}

/** How long a failed provisioning waits to learn whether the server died under it (its last lines take ≤ 0.5 s). */
const DEATH_NEWS_MS = 1_000;

/**
 * An embedded server left running by a launcher that was killed (`kill -9`) still holds POSTGRES_PORT: it is
 * stopped before the port check, which would otherwise refuse to start.
 */
export async function stopLeftoverDatabase(config: LocalConfig): Promise<void> {
  if (config.DATABASE_URL) return;
  await stopLeftoverPostgres(embeddedDataDir(config), status.info);
}

const embeddedDataDir = (config: LocalConfig) => path.join(config.DATA_DIR, 'postgres');

