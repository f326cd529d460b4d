import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseAppRole, databaseRole } from '../../../services/contracts/database-roles';
import { SERVICE_NAMES } from '../../../services/contracts/services';
import { ConfigError } from '../../../services/kit/config';
import { loadLocalConfig } from '../../../services/local/config';
import { planDatabases } from '../../../services/local/databases';
import { postgresRunningOn } from '../../../services/local/embedded-postgres';
import { freePort } from '../../../services/local/free-port';
import { copyRunCluster } from '../../support/new-cluster';
import { showStdoutOnlyOnFailure } from '../../support/quiet-stdout';
import { within } from '../../support/within';

/**
 * npm start's own embedded server, in a directory of this file's: the services' real role names (identity_service,
 * …) must not be made on the run's shared server, where npm start or another run may use them.
 */
let dir: string;
let config: ReturnType<typeof loadLocalConfig>;
interface Started {
  readonly urls: ReturnType<typeof planDatabases>['urls'];
  readonly migrationUrls: ReturnType<typeof planDatabases>['migrationUrls'];
  readonly died?: Promise<string>;
  stop(): Promise<void>;
}
const running: Started[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'local-dbs-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
  config = loadLocalConfig({ DATA_DIR: dir, POSTGRES_PORT: String(await freePort()) });
  await copyRunCluster(path.join(dir, 'postgres')); // where npm start keeps it: the server starts without an initdb
});
afterAll(async () => {
  for (const databases of running.splice(0)) await databases.stop();
  await rm(dir, { recursive: true, force: true });
});
showStdoutOnlyOnFailure();

const start = async (): Promise<Started> => {
  const plan = planDatabases(config);
  const databases = { urls: plan.urls, migrationUrls: plan.migrationUrls, ...(await plan.start()) };
  running.push(databases);
  return databases;
};
const stop = async (databases: Started) => {
  running.splice(running.indexOf(databases), 1);
  await databases.stop();
};

async function attempt(url: string, database?: string): Promise<string> {
  const target = new URL(url);
  if (database) target.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: target.toString() });
  try {
    await client.connect();
    const { rows } = await client.query<{ me: string }>('SELECT current_user AS me');
    return rows[0]!.me;
  } catch (error) {
    return `refused ${(error as { code?: string }).code}`;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('npm start\'s databases', { timeout: 60_000 }, () => {
  it('when it starts, then each service runs as its app role and migrates as its owner role, and each reaches its own database and no other', async () => {
    const { urls, migrationUrls } = await start();
    for (const name of SERVICE_NAMES) {
      expect(await attempt(urls[name])).toBe(databaseAppRole(name));
      expect(await attempt(migrationUrls[name])).toBe(databaseRole(name));
      for (const other of SERVICE_NAMES.filter((o) => o !== name)) {
        expect(await attempt(urls[name], other)).toBe('refused 42501');
        expect(await attempt(migrationUrls[name], other)).toBe('refused 42501');
      }
    }
  });

  it('when it starts again on the same data, then the roles get new passwords and the old ones stop working', async () => {
    const first = running[0] ?? (await start());
    const before = first.urls;
    await stop(first);
    const { urls } = await start();
    for (const name of SERVICE_NAMES) {
      expect(new URL(urls[name]).password).not.toBe(new URL(before[name]).password);
      expect(await attempt(urls[name])).toBe(databaseAppRole(name));
      expect(await attempt(before[name])).toBe('refused 28P01'); // invalid_password: the embedded server checks them
    }
  });

  it('when its embedded server is killed, then it says which server died, with its data, how it ended and its last log lines', async () => {
    const databases = running[0] ?? (await start());
    const server = await postgresRunningOn(path.join(dir, 'postgres'));
    process.kill(server!.pid, 'SIGKILL');
    const why = await within(10_000, 'the server\'s death reported', databases.died!);
    await stop(databases); // returns at once: there is nothing left to stop
    const named = `embedded PostgreSQL (pid ${server!.pid}, 127.0.0.1:${config.POSTGRES_PORT}, data in ${path.join(dir, 'postgres')})`;
    expect(why.split('\n')[0]).toBe(`${named} exited unexpectedly (SIGKILL); its last log lines:`);
    expect(why).toContain('database system is ready to accept connections');
  });

  it('when DATA_DIR holds another major version\'s cluster, then the start stops with a configuration error naming DATA_DIR', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'local-dbs-15-'));
    try {
      await chmod(other, 0o755);
      await copyRunCluster(path.join(other, 'postgres'));
      await writeFile(path.join(other, 'postgres', 'PG_VERSION'), '15\n');
      const plan = planDatabases(loadLocalConfig({ DATA_DIR: other, POSTGRES_PORT: String(await freePort()) }));
      const starting = plan.start();
      await expect(starting).rejects.toBeInstanceOf(ConfigError);
      await expect(starting).rejects.toThrow(`DATA_DIR: ${path.join(other, 'postgres')} holds a PostgreSQL 15 cluster`);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('when it is stopped, then no death is reported', async () => {
    const databases = running[0] ?? (await start());
    await stop(databases);
    // Longer than a death takes to be reported (its last lines are awaited up to 0.5 s).
    const quiet = new Promise((resolve) => setTimeout(resolve, 1_500, 'nothing reported'));
    expect(await Promise.race([databases.died!, quiet])).toBe('nothing reported');
  });
});
