import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAdmin } from '../../../../../services/kit/auth/middleware';
import { createDatabase, type Database } from '../../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../../services/kit/db/migrate';
import { filePasswordSource } from '../../../../../services/kit/db/password-source-file';
import { adminFromUrl, provisionDatabases, urlOfDatabase } from '../../../../../services/kit/db/provision';
import { serve, type RunningServer } from '../../../../../services/kit/http/serve';
import { createProductApp } from '../../../../../services/product/app';
import * as schema from '../../../../../services/product/data-access/schema';
import { productUnitOfWork } from '../../../../../services/product/data-access/unit-of-work';
import { testVerifier } from '../../../../support/auth';
import { passwordCheckingServer, type PasswordCheckingServer } from '../../../../support/database-passwords';
import { PRODUCT_MIGRATIONS } from '../../../../support/product';
import { testLogger } from '../../../../support/silent-logger';
import { queryRows } from '../../../../support/database';
import { changePhases } from '../../../../support/change-phases';

/**
 * Product over HTTP while its database role's password changes the way a rotation changes it, as main.ts wires it
 * with DATABASE_PASSWORD_FILE: its own role, no password in the URL, the file read again when the server refuses.
 */
const name = `t_product_rotate_${randomBytes(4).toString('hex')}`;
const [FIRST, SECOND] = [`a-${randomBytes(6).toString('hex')}`, `b-${randomBytes(6).toString('hex')}`];

let server: PasswordCheckingServer;
let dir: string;
let passwordFile: string;
let database: Database<typeof schema>;
let product: RunningServer;

const asAdmin = <R extends pg.QueryResultRow>(text: string): Promise<R[]> => queryRows<R>(urlOfDatabase(server.url, 'postgres'), text);

beforeAll(async () => {
  server = await passwordCheckingServer();
  dir = await mkdtemp(path.join(tmpdir(), 'product-rotate-'));
  passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, FIRST);
  await provisionDatabases(adminFromUrl(server.url), [{ database: name, role: name, password: FIRST }]);
  database = createDatabase({
    connectionString: urlOfDatabase(server.url, name, { user: name }),
    password: filePasswordSource(passwordFile),
    maxLifetimeSeconds: 0.2, // new connections all through the change, as a busy task opens them at any time
    poolMax: 4,
    schema,
    logger: testLogger,
  });
  await migrateWithLock(database.pool, PRODUCT_MIGRATIONS, 'product', testLogger);
  const unitOfWork = productUnitOfWork(database.db);
  await unitOfWork.products.insert({ sku: 'ROT-1', name: 'Rotating', description: null, priceCents: 100, currency: 'USD' });
  const app = createProductApp({ logger: testLogger, unitOfWork, requireAdmin: requireAdmin(testVerifier()), ready: database.ping, started: () => true });
  product = await serve(app, { port: 0, host: '127.0.0.1', logger: testLogger, onClose: [database.close] });
}, 60_000);
afterAll(async () => {
  await product?.close();
  await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await asAdmin(`DROP ROLE IF EXISTS "${name}"`);
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Product while its database credentials change', () => {
  it('when the role\'s password changes under steady HTTP load, then every request succeeds and new connections use the new password', { timeout: 30_000 }, async () => {
    let stopping = false;
    const phases = changePhases();
    const statuses = new Map<number, number>();
    const failures: string[] = []; // what a failed request answered, so a failure says why
    const client = async () => {
      for (let i = 0; i < 5_000 && !stopping; i += 1) {
        phases.start();
        const status = await fetch(`${product.url}/products?limit=5`).then(
          async (response) => (response.status === 200 ? 200 : (failures.push(`${response.status} ${await response.text()}`), response.status)),
          (error: unknown) => (failures.push(String(error)), 0),
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        await sleep(5);
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, client));
    await sleep(500);
    await asAdmin(`ALTER ROLE "${name}" PASSWORD '${SECOND}'`); // the old password stops working now
    phases.enter('during');
    await sleep(400);
    await writeFile(passwordFile, SECOND); // the service's source of it catches up
    phases.enter('after');
    const [{ at }] = (await asAdmin<{ at: Date }>('SELECT clock_timestamp() AS at')) as [{ at: Date }];
    // Under load, until a connection logged in after the new password was written shows up: a refused login's
    // retry may still be backing off (within about 4 s), and on a slow host one snapshot after a second found none.
    const freshConnections = async () =>
      (await asAdmin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${name}' AND backend_start > '${at.toISOString()}'`))[0]!.n;
    let fresh = 0;
    for (const deadline = Date.now() + 8_000; fresh === 0 && Date.now() < deadline; ) {
      await sleep(200);
      fresh = await freshConnections();
    }
    // Load goes on after the first new connection, so a failure after the switch would show too: the requests that
    // waited out the refused logins end only now, and the clients must start some more before they stop.
    for (const deadline = Date.now() + 5_000; phases.started.after < 6 && Date.now() < deadline; ) await sleep(100);
    await sleep(300);
    stopping = true;
    await load;

    expect(failures).toEqual([]);
    expect([...statuses.keys()]).toEqual([200]);
    expect(phases.spanned(), `requests started: ${JSON.stringify(phases.started)}`).toBe(true);
    expect(fresh).toBeGreaterThan(0);
    expect(await fetch(`${product.url}/health/ready`).then((response) => response.status)).toBe(200);
  });
});
