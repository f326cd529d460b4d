/**
 * A database host that vanishes (a failover, an AZ outage) sends no reset: a statement sent on its connection waited
 * until TCP gave up, about 15 minutes, holding its pool slot, and a transaction's connection then went back to the
 * pool still waiting, to stall the next statement too. A service's pool now gives such a connection up.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { urlOfDatabase } from '../../../../services/kit/db/provision';
import { isDatabaseUnavailable } from '../../../../services/kit/db/unavailable';
import { captureLogs } from '../../../support/bus/logs';
import { testServerUrl } from '../../../support/database';
import { startSilentProxy, type SilentProxy } from '../../../support/silent-proxy';
import { within } from '../../../support/within';

let proxy: SilentProxy;
let database: Database<Record<string, never>>;
const logs = captureLogs();

beforeAll(async () => {
  const server = new URL(await testServerUrl());
  proxy = await startSilentProxy({ host: server.hostname, port: Number(server.port) });
  const viaProxy = Object.assign(new URL(urlOfDatabase(server.toString(), 'postgres')), { port: String(proxy.port) });
  // One connection, so a stuck one left in the pool would stall every statement after it.
  database = createDatabase({ connectionString: viaProxy.toString(), schema: {}, logger: logs.logger, poolMax: 1, silentConnectionMs: 500 });
});
afterAll(async () => {
  proxy.thaw();
  await database.close();
  await proxy.close();
});

const failureOf = (statement: Promise<unknown>) => statement.then(() => 'answered', (error: unknown) => error);

describe('a service\'s database pool', () => {
  it('when its connection goes silent under a statement, then the statement fails as the database being unavailable and the next one gets a new connection', async () => {
    await database.pool.query('SELECT 1');
    proxy.freeze();
    const failure = await within(10_000, 'the silent statement given up', failureOf(database.pool.query('SELECT 1')));
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(String((failure as Error).message)).toContain('carried nothing for 500 ms');
    proxy.thaw();
    expect((await within(10_000, 'a statement after it', database.pool.query('SELECT 2 AS n'))).rows).toEqual([{ n: 2 }]);
  });

  it('when its connection goes silent as a transaction begins, then the transaction fails and its connection is not kept out of the pool (drizzle\'s BEGIN runs outside its release)', async () => {
    await database.pool.query('SELECT 1');
    proxy.freeze();
    const transaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1`);
    });
    const failure = await within(10_000, 'the silent transaction given up', failureOf(transaction));
    expect(isDatabaseUnavailable(failure)).toBe(true);
    proxy.thaw();
    expect((await within(10_000, 'a statement after it', database.pool.query('SELECT 3 AS n'))).rows).toEqual([{ n: 3 }]);
  });

  it('when a client is released twice with no failure between, then that is still the error it was (a bug to hear of)', async () => {
    const client = await database.pool.connect();
    client.release();
    expect(() => client.release()).toThrow('Release called on client which has already been released to the pool.');
  });

  it('when a statement answers within the limit, then nothing is given up', async () => {
    expect((await database.pool.query('SELECT pg_sleep(0.2), 4 AS n')).rows).toMatchObject([{ n: 4 }]);
  });
});
