/**
 * A consumer that starts while SQS cannot be reached (an outage, a network not up yet): it keeps asking for its
 * dead-letter queue, and consumes once SQS answers, instead of failing the service's start.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { noteAddedEvent, parseNoteAdded } from '../../../../harness/notes/events';
import { createBusClients } from '../../../../services/kit/bus/clients';
import { serviceBusAfter } from '../../../../services/kit/bus/service-bus';
import { createDatabase } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { enqueue } from '../../../../services/kit/outbox/enqueue';
import { freePort } from '../../../../services/local/free-port';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';
import { captureLogs } from '../../../support/bus/logs';
import { createTestDatabase } from '../../../support/database';
import { showStdoutOnlyOnFailure } from '../../../support/quiet-stdout';
import { testLogger } from '../../../support/silent-logger';

const NOTES_MIGRATIONS = fileURLToPath(new URL('../../../../harness/notes/migrations', import.meta.url));

let harness: BusHarness;
beforeAll(async () => {
  harness = await startBusHarness('consumer-start');
});
afterAll(() => harness.close());

const said = (msg: string) => harness.lines.filter((line) => line.msg === msg);

/** One event through the outbox and the topic: the consumer under test handles it, once. */
async function expectConsumedOnce(label: string): Promise<void> {
  const [id] = await harness.produce(1, label);
  const relay = harness.relay();
  await relay.start();
  try {
    await waitFor('the event consumed', () => harness.effects(), (effects) => effects.get(id!) === 1);
  } finally {
    await relay.stop();
  }
}

/** A port where nothing listens until `open()`, which then forwards it to the emulator. */
async function lateEndpoint() {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const emulatorPort = Number(new URL(harness.emulator.endpoint).port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    open: () =>
      new Promise<void>((resolve) => {
        server = createServer((socket) => {
          const upstream = connect(emulatorPort, '127.0.0.1');
          for (const end of [socket, upstream]) {
            sockets.add(end);
            end.on('error', () => {});
          }
          socket.pipe(upstream).pipe(socket);
        }).listen(port, '127.0.0.1', () => resolve());
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    },
  };
}

const FAILED_LOOKUP = 'dead-letter queue lookup failed; retrying';

/** A consumer on a fresh queue, whose SQS client goes through a port that opens only when told. */
async function consumerBehindLateSqs() {
  await harness.useNewQueue();
  const late = await lateEndpoint();
  const clients = createBusClients({ endpoint: late.endpoint });
  const consumer = harness.consumer({ sqs: clients.sqs });
  const earlier = said(FAILED_LOOKUP).length;
  return {
    late,
    consumer,
    /** Failed lookups of this consumer so far. */
    failedLookups: () => said(FAILED_LOOKUP).length - earlier,
    close: async () => {
      await consumer.stop();
      clients.close();
      await late.close();
    },
  };
}

describe('a consumer started while SQS cannot be reached', () => {
  it('when SQS answers later, then start() settles, the dead-letter queue is found, and events are consumed', { timeout: 60_000 }, async () => {
    const { late, consumer, failedLookups, close } = await consumerBehindLateSqs();
    try {
      const starting = consumer.start();
      await waitFor('two failed lookups', async () => failedLookups(), (n) => n >= 2, 10_000);
      await late.open();
      await starting;
      expect(said('queue has no redrive policy; failing events retry forever')).toEqual([]);
      await expectConsumedOnce('late');
    } finally {
      await close();
    }
  });

  it('when the service stops before SQS answers, then start() settles and nothing keeps polling', { timeout: 30_000 }, async () => {
    const { consumer, failedLookups, close } = await consumerBehindLateSqs();
    try {
      const starting = consumer.start();
      await waitFor('a failed lookup', async () => failedLookups(), (n) => n >= 1, 10_000);
      await consumer.stop();
      await starting;
      const lookups = failedLookups();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(failedLookups()).toBe(lookups);
    } finally {
      await close();
    }
  });

  it('when it is stopped and started again while SQS does not answer, then one start goes on: one set of poll loops, each event once', { timeout: 60_000 }, async () => {
    const { late, consumer, failedLookups, close } = await consumerBehindLateSqs();
    const startedBefore = said('consumer started').length;
    try {
      const first = consumer.start();
      await waitFor('a failed lookup', async () => failedLookups(), (n) => n >= 1, 10_000);
      await consumer.stop();
      const second = consumer.start();
      await late.open();
      await Promise.all([first, second]);
      expect(said('consumer started').length - startedBefore).toBe(1);
      await expectConsumedOnce('restarted');
    } finally {
      await close();
    }
  });
});

describe('a service\'s bus stopped while its consumer waits for SQS', () => {
  // A producing bus reports its outbox backlog on stdout (services/kit/outbox/backlog-probe.ts).
  showStdoutOnlyOnFailure();

  it('when the service stops, then the wait ends, start settles, and the relay stops too (an event written after publishes nothing)', { timeout: 60_000 }, async () => {
    const late = await lateEndpoint();
    const database = await createTestDatabase('bus_stop_waiting');
    const logs = captureLogs();
    // Stopped and closed in finally as well: a failed wait below otherwise left the bus's relay and consumer
    // retrying, and the pool open, in this worker (isolate: false) for the files after this one.
    const pool = createDatabase({ connectionString: database.url, schema: {}, logger: testLogger });
    let bus: ReturnType<typeof serviceBusAfter> | undefined;
    try {
      await migrateWithLock(pool.pool, NOTES_MIGRATIONS, 'test', testLogger);
      bus = serviceBusAfter(Promise.resolve(), {
        service: 'notes',
        env: { AWS_ENDPOINT_URL: late.endpoint, AWS_REGION: 'us-east-1', BUS_PREFIX: 'test', EVENTS_TOPIC_ARN: harness.bus.topicArn, EVENTS_QUEUE_URL: harness.queue.queueUrl },
        databaseUrl: database.url,
        logger: logs.logger,
        produces: true,
        consumer: { parse: parseNoteAdded, handle: async () => {} },
      });
      const lines = (msg: string) => logs.lines.filter((line) => line.msg === msg).length;
      await waitFor('a failed lookup', async () => lines(FAILED_LOOKUP), (n) => n >= 1, 10_000);
      await bus.stop();
      await bus.started;
      const lookups = lines(FAILED_LOOKUP);
      await pool.db.transaction((tx) => enqueue(tx, noteAddedEvent('after the stop')));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(lines(FAILED_LOOKUP)).toBe(lookups);
      expect(lines('outbox relay cannot publish; retrying')).toBe(0);
    } finally {
      await bus?.stop();
      await pool.close();
      await late.close();
      await database.drop();
    }
  });
});
