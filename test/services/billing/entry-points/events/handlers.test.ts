/**
 * Billing's real queue handlers behind the real bus: events published to an SNS topic on fauxqs, filtered into
 * Billing's queue by the catalogue's topology, consumed into a real database. Delivery order and duplicates must
 * not change the outcome.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS_CONSUMER, billingEventHandlers } from '../../../../../services/billing/entry-points/events/handlers';
import { type CloudEvent, parseEvent } from '../../../../../services/contracts/events';
import { busTopology } from '../../../../../services/contracts/bus-topology';
import { startFauxqsEmulator, type FauxqsEmulator } from '../../../../../services/local/emulators/fauxqs';
import { createBusClients, type BusClients } from '../../../../../services/kit/bus/clients';
import { newCloudEvent } from '../../../../../services/kit/bus/cloud-event';
import { createConsumer, type Consumer } from '../../../../../services/kit/bus/consumer';
import { createPublisher, type Publisher } from '../../../../../services/kit/bus/publisher';
import { dispatchByType } from '../../../../../services/kit/bus/service-bus';
import { ensureTopology } from '../../../../../services/kit/bus/provisioned-topology';
import { startBillingHarness, type BillingHarness } from '../../../../support/billing';
import { testLogger } from '../../../../support/silent-logger';

let harness: BillingHarness;
let emulator: FauxqsEmulator;
let clients: BusClients;
let publisher: Publisher;
let consumer: Consumer;
/** Ids of the events the consumer has parsed (or tried to): it has seen them, whatever it made of them. */
const parsed = new Set<unknown>();

beforeAll(async () => {
  [harness, emulator] = await Promise.all([startBillingHarness(), startFauxqsEmulator()]);
  clients = createBusClients({ endpoint: emulator.endpoint });
  const bus = await ensureTopology(clients, busTopology(`billing-test-${randomBytes(3).toString('hex')}`));
  publisher = createPublisher(clients.sns, bus.topicArn);
  const queue = bus.queues.find((q) => q.consumer === 'billing')!;
  consumer = createConsumer({
    sqs: clients.sqs,
    queueUrl: queue.queueUrl,
    name: 'billing',
    logger: testLogger,
    parse: (raw): CloudEvent => {
      parsed.add((raw as { id?: unknown }).id);
      return parseEvent(raw);
    },
    handle: dispatchByType(billingEventHandlers({ inbox: harness.inbox, logger: testLogger })),
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

type IdentityEvent = ReturnType<typeof registered> | ReturnType<typeof deleted>;
const registered = (userId: string) =>
  newCloudEvent({ type: 'identity.user.registered', source: '/identity', subject: userId, data: { userId, email: `${userId}@example.com`, name: 'N' } });
const deleted = (userId: string) => newCloudEvent({ type: 'identity.user.deleted', source: '/identity', subject: userId, data: { userId } });

async function publish(...events: IdentityEvent[]): Promise<void> {
  const outcome = await publisher.publish(
    events.map((event) => ({ key: randomUUID(), type: event.type, body: JSON.stringify(event), correlation: { requestId: randomUUID() } })),
  );
  expect(outcome.failed).toEqual([]);
}

async function handledCount(eventIds: string[]): Promise<number> {
  const { rows } = await harness.database.pool.query('SELECT count(*)::int AS n FROM inbox WHERE consumer = $1 AND event_id = ANY($2)', [
    ACCOUNTS_CONSUMER,
    eventIds,
  ]);
  return rows[0].n;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within 15 s`);
}

describe('billing queue handlers behind the bus', () => {
  it('when identity.user.registered arrives, then the account opens', async () => {
    const userId = randomUUID();
    const event = registered(userId);
    await publish(event);
    await until('handled', async () => (await handledCount([event.id])) === 1);
    expect(await harness.accounts.getAccount(userId)).toMatchObject({ userId, status: 'active' });
  });

  it('when identity.user.deleted arrives before identity.user.registered, then the account ends closed', async () => {
    const userId = randomUUID();
    const [close, open] = [deleted(userId), registered(userId)];
    await publish(close);
    await until('close handled', async () => (await handledCount([close.id])) === 1);
    await publish(open);
    await until('open handled', async () => (await handledCount([open.id])) === 1);
    expect(await harness.accounts.getAccount(userId)).toMatchObject({ userId, status: 'closed' });
  });

  it('when another service publishes identity.user.deleted under its own source, then it is refused and the account stays open', async () => {
    const userId = randomUUID();
    const open = registered(userId);
    await publish(open);
    await until('open handled', async () => (await handledCount([open.id])) === 1);
    // Billing may publish to the topic; an event of Identity's type from it is not Identity's word.
    const forged = newCloudEvent({ type: 'identity.user.deleted', source: '/billing', subject: userId, data: { userId } });
    await publish(forged);
    await until('the forged event received', async () => parsed.has(forged.id));
    expect(await handledCount([forged.id])).toBe(0);
    expect(await harness.accounts.getAccount(userId)).toMatchObject({ userId, status: 'active' });
  });

  it('when the same events are delivered several times, then each has one effect and the account ends closed', async () => {
    const userId = randomUUID();
    const [open, close] = [registered(userId), deleted(userId)];
    await publish(open, open, close, open, close);
    await until('both handled', async () => (await handledCount([open.id, close.id])) === 2);
    expect(await harness.accounts.getAccount(userId)).toMatchObject({ status: 'closed' });
    const { rows } = await harness.database.pool.query('SELECT count(*)::int AS n FROM accounts WHERE user_id = $1', [userId]);
    expect(rows[0].n).toBe(1);
  });
});
