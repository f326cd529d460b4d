import path from 'node:path';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres';
import type { LocalConfig } from './config';
import { status } from './status';

export const SERVICE_DATABASES = ['identity', 'product', 'billing'] as const;

export interface LocalDatabases {
  /** The URL of each service's own database. */
  readonly urls: Record<(typeof SERVICE_DATABASES)[number], string>;
  stop(): Promise<void>;
}

/** One database per service, on the given server or on an embedded PostgreSQL 16 under DATA_DIR. */
export async function startDatabases(config: LocalConfig): Promise<LocalDatabases> {
  let serverUrl: string;
  let stop = async () => {};
  if (config.DATABASE_URL) {
    serverUrl = config.DATABASE_URL;
    status.step('postgres', `using ${redact(serverUrl)}`);
  } else {
    const dataDir = path.join(config.DATA_DIR, 'postgres');
    const server = await startEmbeddedPostgres({ dataDir, port: config.POSTGRES_PORT });
    serverUrl = server.serverUrl;
    stop = server.stop;
    status.step('postgres', `embedded PostgreSQL 16 on 127.0.0.1:${config.POSTGRES_PORT}, data in ${dataDir}`);
  }
  const entries = await Promise.all(SERVICE_DATABASES.map(async (name) => [name, await ensureDatabase(serverUrl, name)] as const));
  return { urls: Object.fromEntries(entries) as LocalDatabases['urls'], stop };
}

const redact = (url: string) => url.replace(/:[^:@/]+@/, ':***@');
