import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, type ServiceName } from '../../../../services/contracts/services';
import { createDatabase } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { adminFromUrl, APP_STATEMENT_LIMITS, provisionDatabases, requireSupportedServer, urlOfDatabase, type ServiceDatabase } from '../../../../services/kit/db/provision';
import { dropAfterRun, testServerUrl } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

const run = randomBytes(3).toString('hex');
/** Names of this file's own: the shared test server may hold other runs' databases, or npm start's. */
const spec = (service: ServiceName, password = `pw-${service}-${run}`): ServiceDatabase => ({
  database: `t_prov_${run}_${service}`,
  role: `t_prov_${run}_${service}_service`,
  password,
  app: { role: `t_prov_${run}_${service}_app`, password: `app-${password}` },
});
const migrations = (service: ServiceName) => path.resolve(import.meta.dirname, '../../../../services', service, 'data-access', 'migrations');

let server: string;
const asRole = (s: ServiceDatabase, database = s.database) => urlOfDatabase(server, database, { user: s.role, password: s.password! });
const asApp = (s: ServiceDatabase, database = s.database) => urlOfDatabase(server, database, { user: s.app!.role, password: s.app!.password! });

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<R>(text);
  } finally {
    await client.end();
  }
}
/** The SQLSTATE a connection or statement fails with. */
const failure = (attempt: Promise<unknown>) => attempt.then(() => 'no error', (error: { code?: string }) => error.code);

async function migrateAs(s: ServiceDatabase, service: ServiceName): Promise<void> {
  const database = createDatabase({ connectionString: asRole(s), schema: {}, logger: testLogger });
  try {
    await migrateWithLock(database.pool, migrations(service), service, testLogger);
  } finally {
    await database.close();
  }
}

const specs = SERVICE_NAMES.map((name) => spec(name));
const [identity, , billing] = specs as [ServiceDatabase, ServiceDatabase, ServiceDatabase];
const legacy: ServiceDatabase = { database: `t_prov_${run}_legacy`, role: `t_prov_${run}_legacy_service`, password: `pw-legacy-${run}` };
const foreign: ServiceDatabase = { database: `t_prov_${run}_foreign`, role: `t_prov_${run}_foreign_service`, password: `pw-foreign-${run}` };
const legacyWithApp: ServiceDatabase = { ...legacy, app: { role: `${legacy.database}_app`, password: `app-${legacy.password}` } };

beforeAll(async () => {
  server = await testServerUrl();
  await provisionDatabases(adminFromUrl(server), specs);
});
/** The race test's databases, dropped with the others. */
const raced: ServiceDatabase[] = [];
afterAll(async () => {
  const made = [...specs, legacyWithApp, foreign, ...raced];
  await dropAfterRun({ databases: made.map((s) => s.database), roles: made.flatMap((s) => [s.role, ...(s.app ? [s.app.role] : [])]) });
});

describe('one role per service on a shared server', () => {
  it('when each service migrates and works as its own role, then its tables are its role\'s', async () => {
    for (const [index, service] of SERVICE_NAMES.entries()) {
      await migrateAs(specs[index]!, service);
      const { rows } = await query<{ owner: string }>(asRole(specs[index]!), "SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname IN ('public', 'drizzle')");
      expect(rows.map((r) => r.owner)).toEqual([specs[index]!.role]);
    }
    await query(asRole(billing), "INSERT INTO accounts (user_id, status) VALUES ('u-1', 'active')");
    expect((await query(asRole(billing), 'SELECT count(*)::int AS n FROM accounts')).rows[0]).toEqual({ n: 1 });
  });

  it('when Identity\'s role connects to Billing\'s database, then the server refuses it', async () => {
    expect(await failure(query(asRole(identity, billing.database), 'SELECT 1'))).toBe('42501'); // insufficient_privilege
    expect(await failure(query(asRole(billing, identity.database), 'SELECT 1'))).toBe('42501');
  });

  it('when Identity\'s role is let in to Billing\'s database all the same, then it still cannot read Billing\'s tables', async () => {
    const admin = urlOfDatabase(server, billing.database);
    await query(admin, `GRANT CONNECT ON DATABASE "${billing.database}" TO "${identity.role}"`);
    try {
      expect(await failure(query(asRole(identity, billing.database), 'SELECT * FROM accounts'))).toBe('42501');
      expect(await failure(query(asRole(identity, billing.database), 'SELECT * FROM drizzle.__drizzle_migrations'))).toBe('42501');
    } finally {
      await query(admin, `REVOKE CONNECT ON DATABASE "${billing.database}" FROM "${identity.role}"`);
    }
  });

  it('when provisioning runs again, several at once, with a new password, then it succeeds and the role has the new one', async () => {
    const before = await passwordHash(identity.role);
    const rotated = spec('identity', `new-${run}`);
    await Promise.all([1, 2, 3].map(() => provisionDatabases(adminFromUrl(server), [rotated])));
    expect(await passwordHash(identity.role)).not.toBe(before);
    expect((await query(asRole(rotated), 'SELECT current_user AS me')).rows[0]).toEqual({ me: identity.role });
    await provisionDatabases(adminFromUrl(server), [identity]); // back, for the other tests
  });

  it('when a database was migrated by the admin before roles existed, then provisioning hands it to the role and it migrates on', async () => {
    await query(urlOfDatabase(server, 'postgres'), `CREATE DATABASE "${legacy.database}"`);
    const asAdmin = createDatabase({ connectionString: urlOfDatabase(server, legacy.database), schema: {}, logger: testLogger });
    await migrateWithLock(asAdmin.pool, migrations('billing'), 'billing', testLogger).finally(() => asAdmin.close());

    await provisionDatabases(adminFromUrl(server), [legacy]);

    await migrateAs(legacy, 'billing');
    const owners = await query<{ owner: string }>(asRole(legacy), `SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname IN ('public', 'drizzle')
      UNION SELECT DISTINCT sequenceowner FROM pg_sequences WHERE schemaname IN ('public', 'drizzle')
      UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'drizzle'`);
    expect(owners.rows.map((r) => r.owner)).toEqual([legacy.role]);
    await query(asRole(legacy), "INSERT INTO accounts (user_id, status) VALUES ('u-2', 'active')");
  });

  it('when a database of the same name belongs to another role (another application\'s), then provisioning refuses it, naming the owner, and changes nothing', async () => {
    const other = `t_prov_${run}_other`;
    await query(urlOfDatabase(server, 'postgres'), `CREATE ROLE "${other}"`);
    await query(urlOfDatabase(server, 'postgres'), `CREATE DATABASE "${foreign.database}" OWNER "${other}"`);

    await expect(provisionDatabases(adminFromUrl(server), [foreign])).rejects.toThrow(`database "${foreign.database}" already exists, owned by "${other}"`);

    const { rows } = await query<{ owner: string }>(urlOfDatabase(server, 'postgres'), `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = '${foreign.database}'`);
    expect(rows).toEqual([{ owner: other }]);
    await query(urlOfDatabase(server, 'postgres'), `DROP DATABASE "${foreign.database}"`);
    await query(urlOfDatabase(server, 'postgres'), `DROP ROLE "${other}"`);
  });

  it('when an app role is named like its owner, then provisioning refuses it before connecting', async () => {
    await expect(provisionDatabases(adminFromUrl('postgres://nobody@127.0.0.1:1'), [{ database: 'd', role: 'r', app: { role: 'r' } }]))
      .rejects.toThrow(/app role must differ from the owner; both are "r"/);
    await expect(provisionDatabases(adminFromUrl('postgres://nobody@127.0.0.1:1'), [{ database: 'd', role: 'r', app: { role: 'a"; --' } }]))
      .rejects.toThrow(/app role name must match/);
  });

  it('when a name could smuggle SQL, then provisioning refuses it before connecting', async () => {
    await expect(provisionDatabases(adminFromUrl('postgres://nobody@127.0.0.1:1'), [{ database: 'x"; DROP DATABASE y; --', role: 'r' }]))
      .rejects.toThrow(/database name must match .* got "x"; DROP DATABASE y; --"/);
  });
});

async function passwordHash(role: string): Promise<string | null> {
  const { rows } = await query<{ hash: string | null }>(urlOfDatabase(server, 'postgres'), `SELECT rolpassword AS hash FROM pg_authid WHERE rolname = '${role}'`);
  return rows[0]!.hash;
}

describe('the running service\'s role: rows only', () => {
  beforeAll(async () => {
    await migrateAs(billing, 'billing');
  });

  it('when the owner\'s migrations made the tables after provisioning, then the app role reads and writes their rows, identity columns included', async () => {
    await query(asApp(billing), "INSERT INTO accounts (user_id, status) VALUES ('app-1', 'active')");
    await query(asApp(billing), "UPDATE accounts SET status = 'closed', closed_at = now() WHERE user_id = 'app-1'");
    expect((await query(asApp(billing), "SELECT status FROM accounts WHERE user_id = 'app-1'")).rows).toEqual([{ status: 'closed' }]);
    await query(asApp(billing), "INSERT INTO outbox (event_id, type, payload) VALUES ('e-app-1', 't', '{}')");
    await query(asApp(billing), "DELETE FROM outbox WHERE event_id = 'e-app-1'");
    expect((await query(asApp(billing), 'SELECT current_user AS me')).rows[0]).toEqual({ me: billing.app!.role });
  });

  it.each([
    ['drop a table', 'DROP TABLE invoice_lines'],
    ['alter a table', 'ALTER TABLE accounts ADD COLUMN x int'],
    ['truncate a table', 'TRUNCATE outbox'],
    ['create a table', 'CREATE TABLE mine (id int)'],
    ['create a schema', 'CREATE SCHEMA mine'],
    ['become the owner', `SET ROLE "t_prov_${run}_billing_service"`],
    ['read the migrations\' bookkeeping', 'SELECT * FROM drizzle.__drizzle_migrations'],
    ['add a trigger', 'CREATE TRIGGER t BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()'],
  ])('when the app role tries to %s, then the server refuses it', async (_, statement) => {
    expect(await failure(query(asApp(billing), statement))).toBe('42501'); // insufficient_privilege
  });

  it('when the app role logs in, then its sessions carry a statement time limit and an idle-in-transaction limit; the owner\'s (migrations) carry neither', async () => {
    const limits = "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle";
    expect((await query(asApp(billing), limits)).rows).toEqual([{ statement: APP_STATEMENT_LIMITS.statementTimeout, idle: APP_STATEMENT_LIMITS.idleInTransactionTimeout }]);
    expect((await query(urlOfDatabase(server, billing.database, { user: billing.role, password: billing.password }), limits)).rows).toEqual([{ statement: '0', idle: '0' }]);
  });

  it('when Billing\'s app role connects to Identity\'s database, then the server refuses it', async () => {
    expect(await failure(query(asApp(billing, identity.database), 'SELECT 1'))).toBe('42501');
  });

  it('when public is shaped as after an upgrade from PostgreSQL 14 (the superuser\'s, PUBLIC may create), or the app role was granted CREATE, then provisioning takes that away', async () => {
    const trojan = 'CREATE FUNCTION lower(varchar) RETURNS text LANGUAGE sql AS $$ SELECT \'trojan\' $$';
    const admin = urlOfDatabase(server, billing.database);
    await query(admin, `ALTER SCHEMA public OWNER TO CURRENT_USER; GRANT CREATE ON SCHEMA public TO PUBLIC; GRANT CREATE ON SCHEMA public TO "${billing.app!.role}"`);
    expect(await failure(query(asApp(billing), trojan))).toBe('no error');
    await query(admin, 'DROP FUNCTION public.lower(varchar)');
    await provisionDatabases(adminFromUrl(server), [billing]);
    expect(await failure(query(asApp(billing), trojan))).toBe('42501');
  });

  it('when the app role may still create objects in public through a role it is a member of, then provisioning fails naming the database', async () => {
    const creators = `t_prov_${run}_creators`;
    const admin = urlOfDatabase(server, billing.database);
    await query(urlOfDatabase(server, 'postgres'), `CREATE ROLE "${creators}" NOLOGIN; GRANT "${creators}" TO "${billing.app!.role}"`);
    try {
      await query(admin, `GRANT CREATE ON SCHEMA public TO "${creators}"`);
      await expect(provisionDatabases(adminFromUrl(server), [billing])).rejects.toThrow(`role "${billing.app!.role}" can still create objects in schema public of database "${billing.database}"`);
    } finally {
      await query(admin, `REVOKE CREATE ON SCHEMA public FROM "${creators}"`);
      await query(urlOfDatabase(server, 'postgres'), `DROP ROLE "${creators}"`);
    }
    await provisionDatabases(adminFromUrl(server), [billing]); // whole again, for the other tests
  });

  it('when another session holds a role\'s provisioning lock (a run that died mid-way), then provisioning fails after its wait, naming that session', async () => {
    const holder = new pg.Client({ connectionString: urlOfDatabase(server, 'postgres'), application_name: 'stuck-provisioner' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`platform:provision:${billing.role}`]);
      await expect(provisionDatabases(adminFromUrl(server), [billing], { lockWaitMs: 200 })).rejects.toThrow(
        new RegExp(`provisioning did not get its lock "platform:provision:${billing.role}" within 200 ms: it is held by backend pid \\d+ \\("stuck-provisioner"`),
      );
    } finally {
      await holder.end();
    }
    await provisionDatabases(adminFromUrl(server), [billing]); // once it is gone, provisioning goes through
  });

  it('when two databases name the same role, then provisioning refuses before connecting', async () => {
    const twice = [{ database: 'a', role: 'a_service', app: { role: 'shared_app' } }, { database: 'b', role: 'b_service', app: { role: 'shared_app' } }];
    await expect(provisionDatabases(adminFromUrl('postgres://nobody@127.0.0.1:1'), twice)).rejects.toThrow('each role belongs to one database; "shared_app" is named more than once');
  });

  it('when the server is older than PostgreSQL 15, then provisioning refuses it, saying why', () => {
    expect(() => requireSupportedServer(140_012)).toThrow('PostgreSQL 15 or later is required (this server is 14 (server_version_num 140012)): before 15, every role may create objects in schema public');
    expect(() => requireSupportedServer(Number.NaN)).toThrow(/this server is of an unknown version/);
    expect(() => requireSupportedServer(150_000)).not.toThrow();
  });

  it('when migrations start the moment the owner can log in (npm start\'s services wait for it), then the app role still gets every table they make', { timeout: 120_000 }, async () => {
    const races = Array.from({ length: 6 }, (_, i) => ({
      database: `t_prov_${run}_race${i}`,
      role: `t_prov_${run}_race${i}_service`,
      password: `pw-race-${run}`,
      app: { role: `t_prov_${run}_race${i}_app`, password: `app-race-${run}` },
    }));
    raced.push(...races);
    let settledAt: number | undefined;
    const giveUpAt = Date.now() + 90_000;
    /** Until provisioning has settled and a few seconds more (six CREATE DATABASEs on a busy host), 90 s at most. */
    const stillTrying = () => Date.now() < giveUpAt && (settledAt === undefined || Date.now() < settledAt + 5_000);
    /** Logs in as the owner as soon as it can and makes a table, as a migration would. */
    const eagerMigration = async (s: ServiceDatabase) => {
      while (stillTrying()) {
        const client = new pg.Client({ connectionString: asRole(s) });
        client.on('error', () => {});
        try {
          await client.connect();
        } catch {
          await sleep(5);
          continue;
        }
        try {
          await client.query('CREATE TABLE early (id int)');
          return;
        } finally {
          await client.end();
        }
      }
      throw new Error(`${s.role} never got in`);
    };
    const provisioned = provisionDatabases(adminFromUrl(server), races).finally(() => (settledAt = Date.now()));
    await Promise.all([...races.map(eagerMigration), provisioned]);
    for (const s of races) expect(await failure(query(asApp(s), 'INSERT INTO early VALUES (1)')), s.database).toBe('no error');
  });

  it('when a database was migrated before it had an app role, then provisioning gives the new role the rows of its existing tables', async () => {
    await provisionDatabases(adminFromUrl(server), [legacy]);
    await migrateAs(legacy, 'billing');
    await provisionDatabases(adminFromUrl(server), [legacyWithApp]);
    await query(asApp(legacyWithApp), "INSERT INTO accounts (user_id, status) VALUES ('late-app', 'active')");
    expect((await query(asApp(legacyWithApp), "SELECT count(*)::int AS n FROM accounts WHERE user_id = 'late-app'")).rows[0]).toEqual({ n: 1 });
    expect(await failure(query(asApp(legacyWithApp), 'DROP TABLE accounts'))).toBe('42501');
  });
});
