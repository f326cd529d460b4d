import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFromUrl, provisionDatabases, urlOfDatabase, type ServiceDatabase } from '../../../../services/kit/db/provision';
import { testServerUrl } from '../../../support/database';

/**
 * Provisioning as an admin that is no superuser, as RDS's master is, for IAM logins (`rds_iam`). RDS's pg_hba.conf
 * sends every login that is a member of rds_iam, directly or through another role, to IAM authentication
 * (`hostssl all +rds_iam all pam`, and PostgreSQL's `+` matches indirect members): a master left a member of a
 * service's role, which has rds_iam, can no longer log in with its password, so the secret's rotation and every later
 * provisioning run fail. The admin may act as a role only inside the transaction that needs it.
 *
 * PostgreSQL 16 also records a role's creator as a member with ADMIN OPTION alone (neither the role's privileges nor
 * SET ROLE to it); that grant is the server's own, not provisioning's, and is left out here.
 */
const run = randomBytes(3).toString('hex');
const master = { user: `t_pmem_${run}`, password: `pw-${run}` };
const service = (name: string): ServiceDatabase => ({
  database: `t_pmem_${run}_${name}`,
  role: `t_pmem_${run}_${name}_service`,
  iamAuth: true,
  app: { role: `t_pmem_${run}_${name}_app` },
});
const specs = [service('a'), service('b')];
/** Made and migrated by the master before roles existed (a stage deployed before them): provisioning takes it over. */
const legacy = service('legacy');
const roles = [...specs, legacy].flatMap((spec) => [spec.role, spec.app!.role]);
let server: string;
let createdRdsIam = false;

async function queryAs(url: string, ...statements: string[]): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: pg.QueryResultRow[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}
const asSuperuser = (...statements: string[]) => queryAs(urlOfDatabase(server, 'postgres'), ...statements);
const asMaster = (database: string, ...statements: string[]) => queryAs(urlOfDatabase(server, database, master), ...statements);

/** The provisioned roles whose privileges the master holds, or may SET ROLE to: what makes it an rds_iam member. */
async function masterMemberships(): Promise<string[]> {
  const [{ version }] = (await asSuperuser("SELECT current_setting('server_version_num')::int AS version")) as [{ version: number }];
  const options = version >= 160_000 ? 'AND (m.inherit_option OR m.set_option)' : '';
  const rows = await asSuperuser(
    `SELECT r.rolname AS role FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
     WHERE u.rolname = '${master.user}' AND r.rolname IN (${roles.map((role) => `'${role}'`).join(', ')}) ${options} ORDER BY 1`,
  );
  return rows.map((row) => row.role as string);
}

beforeAll(async () => {
  server = await testServerUrl();
  // RDS's role for IAM logins; a plain server has none, so one stands in for it (and stays: it grants nothing).
  if ((await asSuperuser("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'")).length === 0) {
    await asSuperuser('CREATE ROLE rds_iam NOLOGIN').catch(() => {}); // another file may have made it meanwhile
    createdRdsIam = true;
  }
  // As RDS's master: CREATEROLE and CREATEDB, no superuser, allowed to grant rds_iam (rds_superuser lets it).
  await asSuperuser(`CREATE ROLE "${master.user}" LOGIN CREATEROLE CREATEDB PASSWORD '${master.password}'`, `GRANT rds_iam TO "${master.user}" WITH ADMIN OPTION`);
  await asMaster('postgres', `CREATE DATABASE "${legacy.database}"`);
  await asMaster(legacy.database, 'CREATE TABLE things (id int PRIMARY KEY)');
});
afterAll(async () => {
  await asSuperuser(
    ...[...specs, legacy].map((spec) => `DROP DATABASE IF EXISTS "${spec.database}" WITH (FORCE)`),
    ...roles.map((role) => `DROP ROLE IF EXISTS "${role}"`),
    `DROP ROLE IF EXISTS "${master.user}"`,
    ...(createdRdsIam ? ['DROP ROLE IF EXISTS rds_iam'] : []),
  );
});

describe('provisioning as an admin that is no superuser (RDS\'s master)', () => {
  it('when it provisions IAM logins, then it is left a member of none of their roles, and each database is its owner\'s with the app role\'s grants', async () => {
    await provisionDatabases(adminFromUrl(urlOfDatabase(server, 'postgres', master)), [...specs, legacy]);
    expect(await masterMemberships()).toEqual([]);
    for (const spec of [...specs, legacy]) {
      const [owner] = await asSuperuser(`SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = '${spec.database}'`);
      expect(owner).toEqual({ owner: spec.role });
    }
    const [table] = await queryAs(urlOfDatabase(server, legacy.database), `SELECT pg_get_userbyid(relowner) AS owner, has_table_privilege('${legacy.app!.role}', 'things', 'INSERT') AS app FROM pg_class WHERE relname = 'things'`);
    expect(table).toEqual({ owner: legacy.role, app: true });
  });

  it('when it provisions again, and an earlier release had left it a member of the roles, then it ends a member of none, and still logs in with its password', async () => {
    // What provisioning did before: GRANT <role> TO CURRENT_USER, kept.
    await asMaster('postgres', ...roles.map((role) => `GRANT "${role}" TO CURRENT_USER`));
    await provisionDatabases(adminFromUrl(urlOfDatabase(server, 'postgres', master)), [...specs, legacy]);
    expect(await masterMemberships()).toEqual([]);
    expect(await asMaster('postgres', 'SELECT current_user AS who')).toEqual([{ who: master.user }]);
  });
});
