import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFromUrl, provisionDatabases, urlOfDatabase, type ServiceDatabase } from '../../../../services/kit/db/provision';
import { dropAfterRun, testServerUrl } from '../../../support/database';

/**
 * On the shared test server: an admin that is a team's login (CREATEROLE, CREATEDB, a password, a database of its
 * own), as on a managed server. Closing `postgres` to it is not done here, as it would close it to every other test
 * (test/services/local/database-url-admin-database.test.ts does it on a server of its own).
 */
const run = randomBytes(3).toString('hex');
const team = { user: `t_padm_${run}`, password: `pw-${run}`, database: `t_padm_${run}_team` };
const service = (name: string): ServiceDatabase => ({
  database: `t_padm_${run}_${name}`,
  role: `t_padm_${run}_${name}_service`,
  password: `pw-${name}-${run}`,
  app: { role: `t_padm_${run}_${name}_app`, password: `app-${run}` },
});
const spec = service('svc');
/** Made from a URL that names template1, two at once as npm start does. */
const fromTemplate = [service('tpl1'), service('tpl2')];
let server: string;
const teamUrl = (database: string) => urlOfDatabase(server, database, team);

async function asSuperuser(...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: urlOfDatabase(server, 'postgres') });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await testServerUrl();
  await asSuperuser(`CREATE ROLE "${team.user}" LOGIN CREATEROLE CREATEDB PASSWORD '${team.password}'`, `CREATE DATABASE "${team.database}" OWNER "${team.user}"`);
});
afterAll(() => {
  const made = [spec, ...fromTemplate];
  return dropAfterRun({ databases: [...made.map((one) => one.database), team.database], roles: [...made.flatMap((one) => [one.role, one.app!.role]), team.user] });
});

describe('where provisioning works as the admin', () => {
  it('when the admin URL names the admin\'s own database, then provisioning works from it and says so', async () => {
    expect(await provisionDatabases(adminFromUrl(teamUrl(team.database)), [spec])).toBe(team.database);
  });

  it('when the admin URL names a database that does not exist, then provisioning works from "postgres" instead', async () => {
    expect(await provisionDatabases(adminFromUrl(teamUrl(`t_padm_${run}_absent`)), [spec])).toBe('postgres');
  });

  it('when the admin URL names template1, then provisioning works from "postgres": CREATE DATABASE copies template1, and fails while another of its sessions sits in it', async () => {
    expect(await provisionDatabases(adminFromUrl(teamUrl('template1')), fromTemplate)).toBe('postgres');
  }, 30_000);
});
