import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalConfig } from '../../../services/local/config';
import { planDatabases, type DatabaseServer } from '../../../services/local/databases';
import { WATCH_INTERVAL_MS } from '../../../services/local/database-url-watch';
import { startEmbeddedPostgres, type RunningPostgres } from '../../../services/local/embedded-postgres';
import { freePort } from '../../../services/local/free-port';
import { copyRunCluster } from '../../support/new-cluster';
import { showStdoutOnlyOnFailure } from '../../support/quiet-stdout';

/** A server of this file's own, standing for a platform team's: it is stopped and started under npm start's databases. */
let dir: string;
let port: number;
let server: RunningPostgres | undefined;
const startServer = async () => (server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dburl-watch-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
  port = await freePort();
  await copyRunCluster(path.join(dir, 'postgres'));
  await startServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});
const stdout = showStdoutOnlyOnFailure();

async function untilPrinted(pattern: RegExp, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) if (pattern.test(stdout.held())) return;
  throw new Error(`not printed within ${timeoutMs} ms: ${pattern}`);
}

describe('npm start on a DATABASE_URL server', { timeout: 90_000 }, () => {
  it('when the server stops under the running platform and comes back, then npm start says it does not answer, then that it answers again', async () => {
    let databases: DatabaseServer | undefined;
    try {
      databases = await planDatabases(loadLocalConfig({ DATABASE_URL: server!.serverUrl })).start();
      await server!.stop();
      await untilPrinted(/! postgres +postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+ \(DATABASE_URL\) does not answer \(.*ECONNREFUSED.*\): the services answer 503 until it is back/, 4 * WATCH_INTERVAL_MS);
      expect(stdout.held()).not.toMatch(/answers again/);

      await startServer();
      await untilPrinted(/· postgres +postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+ \(DATABASE_URL\) answers again/, 4 * WATCH_INTERVAL_MS);
      expect(stdout.held().match(/does not answer/g)).toHaveLength(1); // once per outage, not once per probe
    } finally {
      await databases?.stop();
    }
  });

  it('when the URL names a database that is not there, then the start line says the admin works in "postgres" instead and where the services\' are', async () => {
    const databases = await planDatabases(loadLocalConfig({ DATABASE_URL: `${server!.serverUrl}/platformdb` })).start();
    await databases.stop();
    expect(stdout.held()).toMatch(/✔ postgres +using postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/platformdb; the admin works in database "postgres" \(not in "platformdb": absent, closed to it, or a template\), each service in its own \(identity, product, billing\)/);
  });
});
