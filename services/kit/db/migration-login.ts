/**
 * Who a service's migrations log in as. Where the service itself runs as a role that may only read and write
 * rows (`npm start` and AWS: services/contracts/database-roles.ts), its migrations need the database's owner:
 *
 * - `DATABASE_MIGRATION_URL`: a full URL with the owner's login (offline);
 * - `DATABASE_MIGRATION_USER`: the owner's user name on the service's server and database, logging in with IAM
 *   tokens (AWS, with `DATABASE_IAM_AUTH=true`).
 *
 * With neither, the migrations use the service's own pool: a login that owns its database (one role per service
 * on a server you run yourself). The owner's pool holds one connection and is closed once they are applied, so the
 * running service keeps no connection that could change its schema.
 */
import type pg from 'pg';
import { ConfigError } from '../config';
import type { Logger } from '../logger';
import { iamPasswordSource } from './password-source-iam';
import { createPool } from './pool';

export interface MigrationLoginSettings {
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_MIGRATION_URL?: string | undefined;
  readonly DATABASE_MIGRATION_USER?: string | undefined;
  readonly DATABASE_IAM_AUTH: boolean;
  readonly PGHOST?: string | undefined;
  readonly PGPORT: number;
  readonly AWS_REGION?: string | undefined;
}

export interface MigrationLogin {
  readonly pool: pg.Pool;
  /** Closes the owner's pool; leaves the service's own pool alone. */
  close(): Promise<void>;
}

export function migrationLogin(config: MigrationLoginSettings, servicePool: pg.Pool, logger: Logger): MigrationLogin {
  if (config.DATABASE_MIGRATION_URL && config.DATABASE_MIGRATION_USER) {
    throw new ConfigError(['DATABASE_MIGRATION_URL and DATABASE_MIGRATION_USER: set one of them, not both']);
  }
  if (config.DATABASE_MIGRATION_URL) return ownPool(createPool({ connectionString: config.DATABASE_MIGRATION_URL, max: 1 }, logger, 'migration'));
  if (!config.DATABASE_MIGRATION_USER) return { pool: servicePool, close: async () => {} };
  // The user's pool reads the libpq variables (PGHOST, PGDATABASE, PGSSLMODE), not the service's URL.
  if (config.DATABASE_URL) {
    throw new ConfigError(['DATABASE_MIGRATION_USER: goes with the libpq variables (PGHOST, PGDATABASE, …), not with DATABASE_URL; with a URL, set DATABASE_MIGRATION_URL instead']);
  }
  if (!config.DATABASE_IAM_AUTH) {
    throw new ConfigError(['DATABASE_MIGRATION_USER: logs in with IAM tokens, so it needs DATABASE_IAM_AUTH=true; with a password, set DATABASE_MIGRATION_URL instead']);
  }
  const missing = (['PGHOST', 'AWS_REGION'] as const).filter((name) => !config[name]);
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name}: required with DATABASE_MIGRATION_USER (it is not set)`));
  const password = iamPasswordSource({ hostname: config.PGHOST!, port: config.PGPORT, username: config.DATABASE_MIGRATION_USER, region: config.AWS_REGION! });
  return ownPool(createPool({ user: config.DATABASE_MIGRATION_USER, password, max: 1 }, logger, 'migration'));
}

/** A pool of the migrations' own, closed once (migrateInBackground's finally). */
const ownPool = (pool: pg.Pool): MigrationLogin => ({ pool, close: () => pool.end() });
