/**
 * Product's queue handler behind the real bus (fauxqs): identity.user.deleted reaches Product's own queue by the
 * catalogue's topology and is recorded in Product's own database, after which its admin routes refuse that
 * user's tokens (401), while other admins go on as before. Product reads no other service's data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent } from '../../../../../services/contracts/events';
import { busTopology } from '../../../../../services/contracts/bus-topology';
import { createBusClients, type BusClients } from '../../../../../services/kit/bus/clients';
import { newCloudEvent } from '../../../../../services/kit/bus/cloud-event';
import { createConsumer, type Consumer } from '../../../../../services/kit/bus/consumer';
import { createPublisher, type Publisher } from '../../../../../services/kit/bus/publisher';
import { ensureTopology } from '../../../../../services/kit/bus/provisioned-topology';
import { dispatchByType } from '../../../../../services/kit/bus/service-bus';
import { createInbox } from '../../../../../services/kit/inbox/inbox';
import { startFauxqsEmulator, type FauxqsEmulator } from '../../../../../services/local/emulators/fauxqs';
import { productUnitOfWork } from '../../../../../services/product/data-access/unit-of-work';
import { productEventHandlers, REVOCATIONS_CONSUMER } from '../../../../../services/product/entry-points/events/handlers';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startProductHarness, type ProductHarness } from '../../../../support/product';
import { testLogger } from '../../../../support/silent-logger';
import { eventually } from '../../../../support/within';

let harness: ProductHarness;
let emulator: FauxqsEmulator;
let clients: BusClients;
let publisher: Publisher;
let consumer: Consumer;

beforeAll(async () => {
  [harness, emulator] = await Promise.all([startProductHarness(), startFauxqsEmulator()]);
  clients = createBusClients({ endpoint: emulator.endpoint });
  const bus = await ensureTopology(clients, busTopology(`product-test-${randomBytes(3).toString('hex')}`));
  publisher = createPublisher(clients.sns, bus.topicArn);
  const queue = bus.queues.find((q) => q.consumer === 'product')!;
  consumer = createConsumer({
    sqs: clients.sqs,
    queueUrl: queue.queueUrl,
    name: 'product',
    logger: testLogger,
    parse: parseEvent,
    handle: dispatchByType(productEventHandlers({ inbox: createInbox(harness.database.db, productUnitOfWork), logger: testLogger })),
    waitTimeSeconds: 1,
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  clients?.close();
  await emulator?.stop();
  await harness?.close();
});

const deleted = (userId: string) => newCloudEvent({ type: 'identity.user.deleted', source: '/identity', subject: userId, data: { userId } });

async function publishDeleted(userId: string, copies = 1): Promise<string> {
  const event = deleted(userId);
  const messages = Array.from({ length: copies }, () => ({ key: randomUUID(), type: event.type, body: JSON.stringify(event), correlation: { requestId: randomUUID() } }));
  expect((await publisher.publish(messages)).failed).toEqual([]);
  return event.id;
}

const createProduct = (admin: TestTokens) =>
  request(harness.app).post('/products').set(bearer(admin)).send({ sku: `SKU-${randomBytes(4).toString('hex')}`, name: 'Gadget', priceCents: 100 });

describe('identity.user.deleted', () => {
  it('when an admin is deleted, then its token gets 401 on the admin routes, and other admins are not affected', async () => {
    const [leaving, staying] = await Promise.all([loginAs({ admin: true }), loginAs({ admin: true })]);
    expect((await createProduct(leaving)).status).toBe(201);
    await publishDeleted(leaving.sub);
    await eventually('the deleted admin refused', async () => (await createProduct(leaving)).status === 401, 10_000, 50);
    const refused = await createProduct(leaving);
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(refused.body.detail).toBe('The access token has been revoked.');
    expect((await createProduct(staying)).status).toBe(201);
  });

  it('when a deleted plain user calls an admin route, then it gets 401 rather than the 403 it got before', async () => {
    const user = await loginAs();
    expect((await createProduct(user)).status).toBe(403);
    await publishDeleted(user.sub);
    await eventually('the deleted user refused', async () => (await createProduct(user)).status === 401, 10_000, 50);
  });

  it('when the event is delivered several times, then it is recorded once', async () => {
    const userId = randomUUID();
    const eventId = await publishDeleted(userId, 3);
    const handled = async () =>
      (await harness.database.pool.query('SELECT count(*)::int AS n FROM inbox WHERE consumer = $1 AND event_id = $2', [REVOCATIONS_CONSUMER, eventId])).rows[0].n as number;
    await eventually('the event handled once', async () => (await handled()) === 1, 10_000, 50);
    const { rows } = await harness.database.pool.query('SELECT sub FROM revoked_subjects WHERE sub = $1', [userId]);
    expect(rows).toEqual([{ sub: userId }]);
  });
});
