/**
 * Product's own main.ts stopped by SIGTERM with the pre-stop delay set, as a Fargate Spot interruption stops it:
 * a real process on real ports, its database (migrated by the owner, used by the app role, as in AWS) and its queue
 * on the fauxqs emulator. What its composition root wires, not the kit alone (kit/http/pre-stop.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busTopology } from '../../../services/contracts/bus-topology';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { HEALTH_PATHS } from '../../../services/contracts/services';
import { createBusClients } from '../../../services/kit/bus/clients';
import { ensureTopology, queueOf } from '../../../services/kit/bus/provisioned-topology';
import { nodeEntry } from '../../../services/local/child-process/node-entry';
import { startFauxqsEmulator, type FauxqsEmulator } from '../../../services/local/emulators/fauxqs';
import { migratedForAppRole, type TestDatabase } from '../../support/database';
import { PRODUCT_MIGRATIONS } from '../../support/product';
import { onJsonLines } from '../../support/json-lines';
import { eventually, within } from '../../support/within';

let dataDir: string;
let emulator: FauxqsEmulator;
let database: TestDatabase & { readonly appUrl: string };
let child: ChildProcess | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'product-stop-'));
  [emulator, database] = await Promise.all([startFauxqsEmulator({ dataDir }), migratedForAppRole('product_stop', PRODUCT_MIGRATIONS)]);
  const prefix = `stop-${randomBytes(3).toString('hex')}`;
  const clients = createBusClients({ endpoint: emulator.endpoint });
  const bus = await ensureTopology(clients, busTopology(prefix));
  clients.close();
  env = {
    PORT: '0',
    HOST: '127.0.0.1',
    PRODUCT_GRPC_PORT: '0',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.appUrl,
    DATABASE_MIGRATIONS: 'check',
    COGNITO_USER_POOL_ID: 'us-east-1_Stop123',
    COGNITO_CLIENT_ID: 'client',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emulator.endpoint,
    BUS_PREFIX: prefix,
    EVENTS_QUEUE_URL: queueOf(bus, 'product').queueUrl,
  };
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await emulator?.stop();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const get = (url: string) => fetch(url).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as unknown }));

describe('Product stopped by a Spot interruption', () => {
  it('when SIGTERM comes with SHUTDOWN_DELAY_SECONDS set, then during the delay started and ready answer 503, the catalogue and its gRPC port still answer, and after it the bus stops and it exits 0', { timeout: 120_000 }, async () => {
    const [command, ...args] = [process.execPath, ...nodeEntry(path.resolve('services/product/main.ts'))];
    child = spawn(command!, args, { env: { ...process.env, ...env, SHUTDOWN_DELAY_SECONDS: '5' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const messages: string[] = [];
    const urls: Record<string, string> = {};
    onJsonLines(child.stdout!, (entry) => {
      messages.push(entry.msg);
      if (entry.url) urls[entry.msg] = entry.url;
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await eventually('the bus running', () => messages.includes('consumer started'), 60_000);
    const http = urls['product service listening']!;
    const health = createClient(Health, createGrpcTransport({ baseUrl: urls['product gRPC listening']! }));
    expect((await get(`${http}${HEALTH_PATHS.started}`)).status).toBe(200);

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    await eventually('the started check failing', async () => (await get(`${http}${HEALTH_PATHS.started}`)).status === 503);
    for (const probe of [HEALTH_PATHS.started, HEALTH_PATHS.ready]) {
      const answer = await get(`${http}${probe}`);
      expect(answer, probe).toMatchObject({ status: 503, type: expect.stringMatching(/^application\/problem\+json/), body: { detail: expect.stringMatching(/load balancer/) } });
    }
    expect((await get(`${http}${HEALTH_PATHS.live}`)).status).toBe(200);
    expect((await get(`${http}/products`)).status).toBe(200);
    expect((await health.check({}, { timeoutMs: 2_000 })).status).toBe(Status.SERVING);
    expect(messages).not.toContain('consumer stopped');
    expect(Date.now() - signalledAt).toBeLessThan(5_000);

    expect(await within(60_000, 'Product exiting', exited)).toBe(0);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(5_000);
    const waited = messages.findIndex((message) => /waiting 5 s for the load balancer/.test(message));
    expect(waited).toBeGreaterThan(-1);
    expect(messages.slice(waited)).toEqual(expect.arrayContaining(['shutting down: draining in-flight requests', 'consumer stopped', 'stopped']));
    expect(messages.indexOf('consumer stopped')).toBeGreaterThan(waited);
  });
});
