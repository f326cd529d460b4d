/**
 * Login roles per database, alone allowed to connect to it: one owning it (its migrations), and optionally one the
 * running service uses, with rights on rows only. The only step that uses the server's master (admin)
 * credentials. The offline launcher, the tests and the AWS provisioning function all run this same code, so what
 * is tested here is what runs in AWS.
 *
 * Safe to run again and at the same time: every step checks what exists first, and a session-level advisory lock
 * per role serialises two provisioners of the same role (two launchers, a redeploy racing a retry). Running it
 * again with another password changes the role's password; with none, the role keeps the one it has.
 */
import pg from 'pg';
import { takeAdvisoryLock } from './advisory-lock';
import { connectOrClose } from './closing-client';
import { adminHome, type AdminConnection } from './provision-admin';
import { actingAs, isSuperuser } from './provision-membership';
import { takeOwnershipSql } from './provision-ownership';

export interface ServiceDatabase {
  readonly database: string;
  /** The login role that owns the database: its migrations run as it (and the service too, without `app`). */
  readonly role: string;
  /** Sets or changes the role's password (offline). Absent: the role keeps what it has. */
  readonly password?: string;
  /** The roles log in with IAM tokens (RDS: `GRANT rds_iam`), so they need no password. */
  readonly iamAuth?: boolean;
  /**
   * The login role the running service connects as: it may read and write the rows of the tables in `public`
   * (those the owner makes later too) and do nothing else there (grants in appGrantsSql).
   */
  readonly app?: { readonly role: string; readonly password?: string };
}

/**
 * The databases CREATE DATABASE copies from, which fails while any other session is connected to them: the admin
 * provisions the services' databases at once, each from a session of its own where it works.
 */
const TEMPLATES = new Set(['template0', 'template1']);

/**
 * The admin of a server URL such as `postgres://postgres:pw@127.0.0.1:5432`, keeping its options: it works in the
 * URL's own database if it names one, else (or if that one is absent, closed to it, or a template) in `postgres`.
 */
export function adminFromUrl(serverUrl: string): AdminConnection {
  const named = decodeURIComponent(new URL(serverUrl).pathname.slice(1));
  return {
    homes: named && named !== 'postgres' && !TEMPLATES.has(named) ? [named, 'postgres'] : ['postgres'],
    in: (database) => ({ connectionString: urlOfDatabase(serverUrl, database) }),
  };
}

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

export interface ProvisionOptions {
  /**
   * How long to wait for another provisioning of the same role (its advisory lock) before failing, naming the
   * session that holds it: a run that died mid-way (a Lambda timed out) can leave its session holding it. @default 30000
   */
  readonly lockWaitMs?: number;
}

/** Provisions them all; resolves to the database the admin worked in (one of `admin.homes`). */
export async function provisionDatabases(admin: AdminConnection, databases: readonly ServiceDatabase[], options: ProvisionOptions = {}): Promise<string> {
  for (const spec of databases) {
    const names = [['role', spec.role], ['database', spec.database], ...(spec.app ? [['app role', spec.app.role] as const] : [])] as const;
    if (spec.app?.role === spec.role) throw new Error(`provisionDatabases: the app role must differ from the owner; both are "${spec.role}"`);
    for (const [what, name] of names) {
      if (!ROLE_NAME.test(name)) throw new Error(`provisionDatabases: ${what} name must match ${ROLE_NAME}; got "${name}"`);
    }
  }
  const roles = databases.flatMap((spec) => [spec.role, ...(spec.app ? [spec.app.role] : [])]);
  const repeated = roles.find((role, index) => roles.indexOf(role) !== index);
  // Each database is provisioned under a lock of its own: two making one role at once would race.
  if (repeated) throw new Error(`provisionDatabases: each role belongs to one database; "${repeated}" is named more than once`);
  const home = await adminHome(admin, (config) => withClient(config, async () => {}));
  await allThenFirstFailure(databases.map((spec) => provisionOne(admin, home, spec, options.lockWaitMs ?? 30_000)));
  return home;
}

/**
 * Waits for every one, then throws the first failure (in time): with Promise.all the caller heard of a failure while
 * the other databases' sessions still ran, and could go on (stop the server, answer CloudFormation) with them still
 * creating roles and databases behind it.
 */
async function allThenFirstFailure(work: Array<Promise<void>>): Promise<void> {
  let first: { readonly error: unknown } | undefined;
  await Promise.all(work.map((one) => one.catch((error: unknown) => void (first ??= { error }))));
  if (first) throw first.error;
}

async function provisionOne(admin: AdminConnection, home: string, spec: ServiceDatabase, lockWaitMs: number): Promise<void> {
  await withClient(admin.in(home), async (client) => {
    // Held through the database's own step too: two GRANTs on one object at once fail ("tuple concurrently updated").
    const lock = `platform:provision:${spec.role}`;
    await takeAdvisoryLock(client, lock, lockWaitMs, `provisioning did not get its lock "${lock}"`);
    try {
      const { rows } = await client.query<{ version: string }>("SELECT current_setting('server_version_num') AS version");
      requireSupportedServer(Number(rows[0]?.version));
      if (spec.iamAuth) await requireRdsIam(client, spec.role);
      const logins = [{ role: spec.role, password: spec.password }, ...(spec.app ? [spec.app] : [])];
      for (const login of logins) await ensureRole(client, login.role);
      if (spec.app) await limitAppSessions(client, spec.app.role);
      const created = await ensureDatabase(client, spec);
      // Tables a migration made as the admin before roles existed (an older .data, a stage deployed earlier): a
      // database made just now holds none, and without an app role there is nothing else to do in it.
      if (!created || spec.app) {
        await withClient(admin.in(spec.database), (inDatabase) =>
          actingAs(inDatabase, [spec.role], async () => {
            if (!created) await inDatabase.query(takeOwnershipSql(inDatabase, spec.role));
            if (spec.app) await grantRowsOnly(inDatabase, spec.database, spec.role, spec.app.role);
          }),
        );
      }
      // Last, the logins: a service waiting with its new password (or IAM token) gets in only now. Its migrations
      // could otherwise create tables before the app role's default privileges exist, and the app role would
      // never get them.
      for (const login of logins) await enableLogin(client, login.role, login.password, spec.iamAuth);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
    }
  });
}

/**
 * Limits on every session of a service's app role, set on the role so that no pool setting can forget them. A
 * request waits at most 29 s at API Gateway; a statement still running after that (a lock wait, a bad plan) would
 * hold one of the task's few pooled connections, and its locks, for nobody. Ended, it answers 503
 * (services/kit/db/unavailable.ts). A transaction left open by a stalled task is ended too. The owner, which runs
 * the migrations, has no such limits here: the migration step sets its own.
 */
export const APP_STATEMENT_LIMITS = { statementTimeout: '20s', idleInTransactionTimeout: '1min' } as const;

async function limitAppSessions(client: pg.Client, name: string): Promise<void> {
  const role = client.escapeIdentifier(name);
  await client.query(`ALTER ROLE ${role} SET statement_timeout = ${client.escapeLiteral(APP_STATEMENT_LIMITS.statementTimeout)}`);
  await client.query(`ALTER ROLE ${role} SET idle_in_transaction_session_timeout = ${client.escapeLiteral(APP_STATEMENT_LIMITS.idleInTransactionTimeout)}`);
}

/** The role, made if missing; a new one cannot log in before enableLogin. */
async function ensureRole(client: pg.Client, name: string): Promise<void> {
  const role = client.escapeIdentifier(name);
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  if (!rowCount) await client.query(`CREATE ROLE ${role} NOLOGIN`);
  // Only what a CREATEROLE admin may set (RDS's master is no superuser): a role made here has no other attribute.
  await client.query(`ALTER ROLE ${role} WITH NOCREATEDB NOCREATEROLE`);
}

async function requireRdsIam(client: pg.Client, name: string): Promise<void> {
  const { rowCount } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'");
  if (!rowCount) throw new Error(`cannot give role "${name}" IAM authentication: this server has no rds_iam role (is it RDS?)`);
}

/** LOGIN, the new password when given one, and IAM logins (RDS: `GRANT rds_iam`) when asked. */
async function enableLogin(client: pg.Client, name: string, password: string | undefined, iamAuth: boolean | undefined): Promise<void> {
  const role = client.escapeIdentifier(name);
  await client.query(`ALTER ROLE ${role} WITH LOGIN${password === undefined ? '' : ` PASSWORD ${client.escapeLiteral(password)}`}`);
  if (iamAuth) await client.query(`GRANT rds_iam TO ${role}`);
}

/** True when it made the database. */
async function ensureDatabase(client: pg.Client, spec: ServiceDatabase): Promise<boolean> {
  const database = client.escapeIdentifier(spec.database);
  const role = client.escapeIdentifier(spec.role);
  const { rows, rowCount } = await client.query<{ owner: string; admin: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner, current_user AS admin FROM pg_database WHERE datname = $1',
    [spec.database],
  );
  // Ours already, or the admin's (migrated before roles existed): taken over. Any other owner's is another
  // application's database that happens to bear the name: handing it and its tables to our role would break it.
  const existing = rows[0];
  if (existing && existing.owner !== spec.role && existing.owner !== existing.admin) {
    throw new Error(
      `database "${spec.database}" already exists, owned by "${existing.owner}" (neither "${spec.role}" nor this admin "${existing.admin}"), so it belongs to something else: ` +
        `rename or drop it, or use another server; or, if it is this service's, ALTER DATABASE "${spec.database}" OWNER TO "${existing.admin}" and provision again`,
    );
  }
  // Made as the admin's, then given away in actingAs's transaction, which CREATE DATABASE cannot run in. A run that
  // dies between the two leaves it the admin's, which the next run takes over as above.
  if (!rowCount) await client.query(`CREATE DATABASE ${database}`);
  await actingAs(client, [spec.role, ...(spec.app ? [spec.app.role] : [])], async () => {
    await client.query(`ALTER DATABASE ${database} OWNER TO ${role}`);
    // Every role may connect to a new database by default (PUBLIC has CONNECT): on a shared server, only its own may.
    await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
    if (spec.app) await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${client.escapeIdentifier(spec.app.role)}`);
    // The admin's own step in the database (ownership, the app role's grants) connects as itself, now no member of
    // the owner; a superuser needs no grant.
    if (!(await isSuperuser(client))) await client.query(`GRANT CONNECT ON DATABASE ${database} TO CURRENT_USER`);
  });
  return !rowCount;
}

/** The oldest server whose `public` schema no role but its owner may create objects in (PostgreSQL 15). */
export const OLDEST_SUPPORTED_SERVER = 150_000;

/** Refuses a server older than PostgreSQL 15, whose `public` lets every role create objects (see grantRowsOnly). */
export function requireSupportedServer(versionNum: number): void {
  if (!(versionNum >= OLDEST_SUPPORTED_SERVER)) {
    const shown = Number.isFinite(versionNum) ? `${Math.floor(versionNum / 10_000)} (server_version_num ${versionNum})` : 'of an unknown version';
    throw new Error(`PostgreSQL 15 or later is required (this server is ${shown}): before 15, every role may create objects in schema public`);
  }
}

/**
 * The app role's rights in the current database (appGrantsSql), then a check that it cannot create objects in
 * `public`: one it could create there (a function named like a built-in) would run with the owner's rights when a
 * migration called it. The owner revokes CREATE from PUBLIC (a database upgraded from PostgreSQL 14 keeps it there)
 * and from the app role; one it still has comes from a grant the owner cannot revoke (another grantor, or a role it
 * is a member of), and provisioning fails naming the database.
 */
async function grantRowsOnly(client: pg.Client, database: string, owner: string, app: string): Promise<void> {
  await client.query(appGrantsSql(client, owner, app));
  const { rows } = await client.query<{ create: boolean }>("SELECT has_schema_privilege($1, 'public', 'CREATE') AS create", [app]);
  if (rows[0]?.create) {
    throw new Error(`role "${app}" can still create objects in schema public of database "${database}" (a grant its owner cannot revoke: from another grantor, or through a role it is a member of): revoke it, then provision again`);
  }
}

/**
 * The app role's rights in the current database: rows of the tables in `public`, and the sequences behind them,
 * now and for whatever the owner's migrations create later (default privileges); nothing else. Run as the owner
 * (SET ROLE), which an admin that is no superuser may do inside actingAs, so the grants are the owner's own.
 */
function appGrantsSql(client: pg.Client, owner: string, app: string): string {
  const [o, a] = [client.escapeIdentifier(owner), client.escapeIdentifier(app)];
  return `SET ROLE ${o};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM ${a};
GRANT USAGE ON SCHEMA public TO ${a};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${a};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${a};
ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${a};
ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${a};
RESET ROLE;`;
}

async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  // Named, so a session left holding the lock is recognisable in pg_stat_activity (and in takeAdvisoryLock's message).
  const client = new pg.Client({ connectionTimeoutMillis: 10_000, application_name: 'platform-provisioning', ...config });
  client.on('error', () => {}); // a dropped connection fails the query in flight; that is the error to report
  await connectOrClose(client);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}
