import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { urlOfDatabase } from '../../../services/kit/db/provision';
import { loadLocalConfig } from '../../../services/local/config';
import { planDatabases } from '../../../services/local/databases';
import { freePort } from '../../../services/local/free-port';
import { testServerUrl } from '../../support/database';

/** A login of this file's own that may do nothing: provisioning as it fails at its first CREATE or ALTER ROLE. */
const weak = `t_advice_${randomBytes(3).toString('hex')}`;
// With a password: embedded PostgreSQL (CI's second pass) asks every login but the admin for one.
const weakPassword = randomBytes(12).toString('hex');
let server: string;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlOfDatabase(server, 'postgres') });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

beforeAll(async () => {
  server = await testServerUrl();
  await admin(`CREATE ROLE "${weak}" LOGIN NOCREATEROLE NOCREATEDB PASSWORD '${weakPassword}'`);
});
afterAll(() => admin(`DROP ROLE IF EXISTS "${weak}"`));

/** npm start's databases step against DATABASE_URL: the one line it stops with. */
async function problemWith(databaseUrl: string): Promise<string> {
  const failure = await planDatabases(loadLocalConfig({ DATABASE_URL: databaseUrl })).start().then(() => undefined, (error: unknown) => error);
  expect(failure).toBeInstanceOf(ConfigError);
  const [problem] = (failure as ConfigError).problems;
  return problem!;
}

describe('a DATABASE_URL npm start cannot use', () => {
  it('when its user may not create roles, then the line says the user needs CREATEROLE and CREATEDB, not to check that the server runs', async () => {
    const problem = await problemWith(urlOfDatabase(server, 'postgres', { user: weak, password: weakPassword }).replace(/\/postgres$/, ''));
    expect(problem).toMatch(/^DATABASE_URL: cannot use .*: permission denied.*\. This user must be a superuser, or have CREATEROLE and CREATEDB/);
    expect(problem).not.toMatch(/server running/);
  });

  it('when nothing listens at its port, then the line asks whether a server runs there, not about the user\'s rights', async () => {
    const port = await freePort();
    const problem = await problemWith(`postgres://postgres@127.0.0.1:${port}`);
    expect(problem).toBe(`DATABASE_URL: cannot use postgres://postgres@127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Is a PostgreSQL server running and reachable at 127.0.0.1:${port}?`);
  });
});
