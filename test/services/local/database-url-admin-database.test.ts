import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { urlOfDatabase } from '../../../services/kit/db/provision';
import { loadLocalConfig } from '../../../services/local/config';
import { planDatabases } from '../../../services/local/databases';
import { startEmbeddedPostgres, type RunningPostgres } from '../../../services/local/embedded-postgres';
import { freePort } from '../../../services/local/free-port';
import { copyRunCluster } from '../../support/new-cluster';
import { showStdoutOnlyOnFailure } from '../../support/quiet-stdout';

/**
 * A server of this file's own, standing for a managed one whose `postgres` database is its operator's: the shared
 * test server's `postgres` cannot be closed or dropped without breaking every other test on it. Its admin is a
 * team's login with CREATEROLE and CREATEDB (no superuser) and a database of its own.
 */
let dir: string;
let server: RunningPostgres;
const TEAM = { user: 'team_admin', password: 'team-secret-1' };
/** Runs the statements one by one (CREATE DATABASE may not share a query string); the last one's rows. */
async function run(url: string, ...statements: string[]): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) ({ rows } = await client.query(statement));
    return rows;
  } finally {
    await client.end();
  }
}
const asSuperuser = (database: string, ...statements: string[]) => run(urlOfDatabase(server.serverUrl, database), ...statements);
const teamUrl = (database?: string) => urlOfDatabase(server.serverUrl, database ?? '', TEAM).replace(/\/$/, '');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dburl-admin-db-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
  await copyRunCluster(path.join(dir, 'postgres'));
  server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: await freePort() });
  await asSuperuser(
    'postgres',
    `CREATE ROLE ${TEAM.user} LOGIN CREATEROLE CREATEDB PASSWORD '${TEAM.password}'`,
    `CREATE DATABASE team OWNER ${TEAM.user}`,
    'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC',
  );
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});
const stdout = showStdoutOnlyOnFailure();

/** npm start's databases step: provisions, then stops its watch. */
async function start(databaseUrl: string): Promise<void> {
  const databases = await planDatabases(loadLocalConfig({ DATABASE_URL: databaseUrl })).start();
  await databases.stop();
}

describe('npm start on a DATABASE_URL server whose "postgres" database its admin may not use', { timeout: 60_000 }, () => {
  it('when "postgres" is closed to the admin and the URL names the admin\'s own database, then provisioning works from that one', async () => {
    await start(teamUrl('team'));
    expect(stdout.held()).toMatch(/✔ postgres +using postgres:\/\/team_admin:\*\*\*@127\.0\.0\.1:\d+\/team; the admin works in database "team", each service in its own \(identity, product, billing\)/);
    const rows = await run(teamUrl('team'), "SELECT datname FROM pg_database WHERE datname IN ('identity', 'product', 'billing') ORDER BY 1");
    expect(rows.map((row) => row.datname)).toEqual(['billing', 'identity', 'product']);
  });

  it('when "postgres" is closed to the admin and the URL names no database, then the line says to name one it may connect to, not that it lacks CREATEROLE', async () => {
    const failure = await start(teamUrl()).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    const [problem] = (failure as ConfigError).problems;
    expect(problem).toMatch(/^DATABASE_URL: cannot use postgres:\/\/team_admin:\*\*\*@127\.0\.0\.1:\d+: the admin may connect to none of the databases it provisions from: "postgres" \(permission denied for database "postgres"\)\. /);
    expect(problem).toMatch(/name one in the URL that it may connect to\.$/);
    expect(problem).not.toMatch(/CREATEROLE/);
  });

  it('when there is no "postgres" database at all, then provisioning works from the URL\'s', async () => {
    await asSuperuser('template1', 'DROP DATABASE postgres WITH (FORCE)');
    await start(teamUrl('team'));
    expect(stdout.held()).toMatch(/the admin works in database "team"/);
  });
});
