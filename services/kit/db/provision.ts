/**
 * One login role per database, owning it and alone allowed to connect to it: the only step that uses the server's
 * master (admin) credentials. The offline launcher, the tests and the AWS provisioning function all run this same
 * code, so what is tested here is what runs in AWS.
 *
 * Safe to run again and at the same time: every step checks what exists first, and a session-level advisory lock
 * per role serialises two provisioners of the same role (two launchers, a redeploy racing a retry). Running it
 * again with another password changes the role's password; with none, the role keeps the one it has.
 */
import pg from 'pg';
import { takeOwnershipSql } from './provision-ownership';

export interface ServiceDatabase {
  readonly database: string;
  /** The login role that owns the database; the service connects as it. */
  readonly role: string;
  /** Sets or changes the role's password (offline). Absent: the role keeps what it has. */
  readonly password?: string;
  /** The role logs in with IAM tokens (RDS: `GRANT rds_iam`), so it needs no password. */
  readonly iamAuth?: boolean;
}

/** How to reach the server as its admin, in a given database (`postgres` for the cluster-wide steps). */
export type AdminConnection = (database: string) => pg.ClientConfig;

/** The admin connection of a server URL such as `postgres://postgres:pw@127.0.0.1:5432`, keeping its options. */
export const adminFromUrl = (serverUrl: string): AdminConnection => (database) => ({ connectionString: urlOfDatabase(serverUrl, database) });

/** The URL of database `name` on the server of `serverUrl`, keeping options such as sslmode; optionally as another user. */
export function urlOfDatabase(serverUrl: string, name: string, login?: { user: string; password?: string }): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  if (login) {
    url.username = encodeURIComponent(login.user);
    url.password = login.password === undefined ? '' : encodeURIComponent(login.password);
  }
  return url.toString();
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function provisionDatabases(admin: AdminConnection, databases: readonly ServiceDatabase[]): Promise<void> {
  for (const spec of databases) {
    for (const [what, name] of [['role', spec.role], ['database', spec.database]] as const) {
      if (!ROLE_NAME.test(name)) throw new Error(`provisionDatabases: ${what} name must match ${ROLE_NAME}; got "${name}"`);
    }
  }
  await Promise.all(databases.map((spec) => provisionOne(admin, spec)));
}

async function provisionOne(admin: AdminConnection, spec: ServiceDatabase): Promise<void> {
  const created = await withClient(admin('postgres'), async (client) => {
    const lock = `platform:provision:${spec.role}`;
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
    try {
      await ensureRole(client, spec);
      return await ensureDatabase(client, spec);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
    }
  });
  // Tables a migration made as the admin before roles existed (an older .data, a stage deployed earlier). A
  // database made just now holds none: skipping it spares a first start one connection and a catalogue scan.
  if (!created) await withClient(admin(spec.database), (client) => client.query(takeOwnershipSql(client, spec.role)));
}

async function ensureRole(client: pg.Client, spec: ServiceDatabase): Promise<void> {
  const role = client.escapeIdentifier(spec.role);
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.role]);
  if (!rowCount) await client.query(`CREATE ROLE ${role} LOGIN`);
  // Only what a CREATEROLE admin may set (RDS's master is no superuser): a role made here has no other attribute.
  await client.query(`ALTER ROLE ${role} WITH LOGIN NOCREATEDB NOCREATEROLE${spec.password === undefined ? '' : ` PASSWORD ${client.escapeLiteral(spec.password)}`}`);
  if (spec.iamAuth) {
    const { rowCount: rds } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'");
    if (!rds) throw new Error(`cannot give role "${spec.role}" IAM authentication: this server has no rds_iam role (is it RDS?)`);
    await client.query(`GRANT rds_iam TO ${role}`);
  }
  // An admin that is no superuser may give a database to a role, or a table, only if it can SET ROLE to it.
  const { rows } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  if (!rows[0]?.rolsuper) await client.query(`GRANT ${role} TO CURRENT_USER`);
}

/** True when it made the database. */
async function ensureDatabase(client: pg.Client, spec: ServiceDatabase): Promise<boolean> {
  const database = client.escapeIdentifier(spec.database);
  const role = client.escapeIdentifier(spec.role);
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [spec.database]);
  if (rowCount) await client.query(`ALTER DATABASE ${database} OWNER TO ${role}`);
  else await client.query(`CREATE DATABASE ${database} OWNER ${role}`);
  // Every role may connect to a new database by default (PUBLIC has CONNECT): on a shared server, only its own may.
  await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
  await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
  return !rowCount;
}

async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionTimeoutMillis: 10_000, ...config });
  client.on('error', () => {}); // a dropped connection fails the query in flight; that is the error to report
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}
