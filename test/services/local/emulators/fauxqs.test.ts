import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFauxqsEmulator, type FauxqsEmulator } from '../../../../services/local/emulators/fauxqs';
import { busTopology } from '../../../../services/contracts/bus-topology';
import { createBusClients, type BusClients } from '../../../../services/kit/bus/clients';
import { createPublisher } from '../../../../services/kit/bus/publisher';
import { ensureTopology, queueOf } from '../../../../services/kit/bus/provisioned-topology';
import { listenerPid } from '../../../support/listener-pid';
import { within } from '../../../support/within';

/** The outcome of a TCP connection attempt: 'connected' or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('timeout', () => (socket.destroy(), resolve('timeout')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('embedded fauxqs', () => {
  let dataDir: string;
  let emulator: FauxqsEmulator;
  let clients: BusClients;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'fauxqs-test-'));
    emulator = await startFauxqsEmulator({ dataDir });
    clients = createBusClients({ endpoint: emulator.endpoint });
  });
  afterAll(async () => {
    clients?.close();
    await emulator?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when started, then it answers on 127.0.0.1 and on no other address', async () => {
    expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`);
    expect((await fetch(`${emulator.endpoint}/health`)).status).toBe(200);
    const listening = execFileSync('ss', ['-ltnH', `sport = :${emulator.port}`], { encoding: 'utf8' });
    expect(listening.trim().split('\n').map((line) => line.split(/\s+/)[3])).toEqual([`127.0.0.1:${emulator.port}`]);
    const external = Object.values(networkInterfaces()).flat().find((address) => address && !address.internal && address.family === 'IPv4');
    if (external) expect(await tryConnect(external.address, emulator.port)).toBe('ECONNREFUSED');
  });

  it('when restarted with a data directory, then the topology and the unconsumed messages are back on the same endpoint, in flight where they were', { timeout: 60_000 }, async () => {
    const bus = await ensureTopology(clients, busTopology('persist'));
    const billing = queueOf(bus, 'billing');
    await createPublisher(clients.sns, bus.topicArn).publish(
      ['a', 'b', 'c'].map((key) => ({ key, type: 'identity.user.registered', body: JSON.stringify({ key }), correlation: { requestId: `req-${key}` } })),
    );
    // One of them is in flight (received, not deleted) when the emulator stops, held far longer than any restart
    // takes: a hold of a few seconds ran out during a restart on a loaded host, and the message was visible again.
    const inFlight = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: billing.queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 600 }));
    const [held] = inFlight.Messages ?? [];
    expect(held).toBeDefined();
    await emulator.restart();
    expect(await ensureTopology(clients, busTopology('persist'))).toEqual(bus);
    const receive = (WaitTimeSeconds = 0) => clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: billing.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    const { Messages: visible = [] } = await receive();
    const key = (m: { Body?: string }) => JSON.parse(m.Body ?? '{}').key as string;
    // As in SQS, the received one stays invisible until its visibility timeout ends.
    expect(visible.map(key).sort()).toEqual(['a', 'b', 'c'].filter((k) => k !== key(held!)));
    expect(visible.every((m) => m.MessageAttributes?.requestId?.StringValue?.startsWith('req-'))).toBe(true);
    // Its receipt handle still holds it: ending the hold through it (as a consumer that gives a message back does)
    // makes it visible again, received a second time.
    await clients.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: billing.queueUrl, ReceiptHandle: held!.ReceiptHandle, VisibilityTimeout: 0 }));
    const { Messages: again = [] } = await receive(20);
    expect(again.map((m) => [m.MessageId, m.Attributes?.ApproximateReceiveCount])).toEqual([[held!.MessageId, '2']]);
  });

  it('when a received message is made visible again with its data kept on disk, then it is received again, counted twice', async () => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'visible-again' }));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const receive = () => clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 600, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    const [first] = (await receive()).Messages ?? [];
    await clients.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 }));
    const [second] = (await receive()).Messages ?? [];
    expect([second?.MessageId, second?.Attributes?.ApproximateReceiveCount]).toEqual([first?.MessageId, '2']);
  });

  it('when started without a data directory, then a restart starts empty', async () => {
    const ephemeral = await startFauxqsEmulator();
    const local = createBusClients({ endpoint: ephemeral.endpoint });
    try {
      await ensureTopology(local, busTopology('gone'));
      await ephemeral.restart();
      const { QueueUrls } = await local.sqs.send(new ListQueuesCommand({}));
      expect(QueueUrls ?? []).toEqual([]);
    } finally {
      local.close();
      await ephemeral.stop();
    }
  });

  it('when killed after a restart, then its death is reported once, for the new process, and the restart reported none', async () => {
    const restarted = await startFauxqsEmulator();
    try {
      await restarted.restart();
      const pid = listenerPid(restarted.port);
      process.kill(pid, 'SIGKILL');
      expect(await within(10_000, 'the death reported', restarted.died)).toMatchObject({ pid, exit: { code: null, signal: 'SIGKILL' } });
    } finally {
      await restarted.stop();
    }
  });
});

describe('embedded fauxqs whose port is taken', () => {
  it('when it cannot listen, then its start fails with its reason in a line of its own, and no stack trace', { timeout: 30_000 }, async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const { port } = holder.address() as AddressInfo;
    try {
      const failure = await startFauxqsEmulator({ port }).then(() => undefined, (error: Error) => error.message);
      expect(failure).toBe(`fauxqs on 127.0.0.1:${port} did not become ready: it exited (code 1)\nfauxqs: failed to start: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    } finally {
      holder.close();
    }
  });
});
