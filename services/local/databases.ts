import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { databaseRole } from '../contracts/database-roles';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '../contracts/services';
import { ConfigError } from '../kit/config';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../kit/db/provision';
import { startEmbeddedPostgres, stopLeftoverPostgres } from './embedded-postgres';
import type { LocalConfig } from './config';
import { status } from './status';


export interface LocalDatabases {
  /** The URL of each service's own database, as its own login role (services/kit/db/provision.ts). */
  readonly urls: Record<ServiceName, string>;
  stop(): Promise<void>;
}

/**
 * One database per service, on the given server or on an embedded PostgreSQL 16 under DATA_DIR, each owned by the
 * service's own login role, which can connect to no other: the same roles as in AWS. The server's admin (the
 * user of DATABASE_URL, or the embedded server's `postgres`) only provisions them; no service gets its password.
 */
export async function startDatabases(config: LocalConfig): Promise<LocalDatabases> {
  if (config.DATABASE_URL) {
    const serverUrl = config.DATABASE_URL;
    const urls = await serviceDatabases(serverUrl).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError([
        `DATABASE_URL: cannot use ${redact(serverUrl)}: ${reason}. Is the server running, and may this user create roles and databases (CREATEROLE, CREATEDB)?`,
      ]);
    });
    status.step('postgres', `using ${redact(serverUrl)}`);
    return { urls, stop: async () => {} };
  }
  const dataDir = embeddedDataDir(config);
  const server = await startEmbeddedPostgres({ dataDir, port: config.POSTGRES_PORT, ownProcessGroup: true });
  status.step('postgres', `embedded PostgreSQL 16 on 127.0.0.1:${config.POSTGRES_PORT}, data in ${dataDir}`);
  try {
    return { urls: await serviceDatabases(server.serverUrl), stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * An embedded server left running by a launcher that was killed (`kill -9`) still holds POSTGRES_PORT: it is
 * stopped before the port check, which would otherwise refuse to start.
 */
export async function stopLeftoverDatabase(config: LocalConfig): Promise<void> {
  if (config.DATABASE_URL) return;
  await stopLeftoverPostgres(embeddedDataDir(config), status.info);
}

const embeddedDataDir = (config: LocalConfig) => path.join(config.DATA_DIR, 'postgres');

/**
 * A new random password for each role at every start: it lives only in the children's environment, and running
 * the provisioning again is how it changes (the same step that rotates a role's password anywhere else).
 */
async function serviceDatabases(serverUrl: string): Promise<LocalDatabases['urls']> {
  const logins = SERVICE_NAMES.map((name) => ({ name, database: SERVICES[name].database, role: databaseRole(name), password: randomBytes(18).toString('base64url') }));
  await provisionDatabases(adminFromUrl(serverUrl), logins);
  return Object.fromEntries(logins.map((l) => [l.name, urlOfDatabase(serverUrl, l.database, { user: l.role, password: l.password })])) as LocalDatabases['urls'];
}

const redact = (url: string) => url.replace(/:[^:@/]+@/, ':***@');
