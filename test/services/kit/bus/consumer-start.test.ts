/**
 * A consumer that starts while SQS cannot be reached (an outage, a network not up yet): it keeps asking for its
 * dead-letter queue, and consumes once SQS answers, instead of failing the service's start.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusClients } from '../../../../services/kit/bus/clients';
import { freePort } from '../../../../services/local/free-port';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

let harness: BusHarness;
beforeAll(async () => {
  harness = await startBusHarness('consumer-start');
});
afterAll(() => harness.close());

const said = (msg: string) => harness.lines.filter((line) => line.msg === msg);

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

describe('a consumer started while SQS cannot be reached', () => {
  it('when SQS answers later, then start() settles, the dead-letter queue is found, and events are consumed', { timeout: 60_000 }, async () => {
    await harness.useNewQueue();
    const late = await lateEndpoint();
    const clients = createBusClients({ endpoint: late.endpoint });
    const consumer = harness.consumer({ sqs: clients.sqs });
    try {
      const starting = consumer.start();
      await waitFor('a failed lookup', async () => said('dead-letter queue lookup failed; retrying').length, (n) => n >= 2, 10_000);
      await late.open();
      await starting;
      expect(said('queue has no redrive policy; failing events retry forever')).toEqual([]);
      const [id] = await harness.produce(1, 'late');
      const relay = harness.relay();
      await relay.start();
      try {
        await waitFor('the event consumed', () => harness.effects(), (effects) => effects.get(id!) === 1);
      } finally {
        await relay.stop();
      }
    } finally {
      await consumer.stop();
      clients.close();
      await late.close();
    }
  });

  it('when the service stops before SQS answers, then start() settles and nothing keeps polling', { timeout: 30_000 }, async () => {
    const late = await lateEndpoint();
    const clients = createBusClients({ endpoint: late.endpoint });
    const consumer = harness.consumer({ sqs: clients.sqs });
    try {
      const starting = consumer.start();
      await waitFor('a failed lookup', async () => said('dead-letter queue lookup failed; retrying').length, (n) => n >= 1, 10_000);
      await consumer.stop();
      await starting;
      const lookups = said('dead-letter queue lookup failed; retrying').length;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(said('dead-letter queue lookup failed; retrying').length).toBe(lookups);
    } finally {
      clients.close();
      await late.close();
    }
  });
});
