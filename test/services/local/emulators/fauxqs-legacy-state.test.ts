import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, expect, it } from 'vitest';
import { startFauxqsEmulator, type FauxqsEmulator } from '../../../../services/local/emulators/fauxqs';
import { createBusClients, type BusClients } from '../../../../services/kit/bus/clients';

/**
 * A message as releases before fauxqs 2 saved it in `fauxqs-state.json` at stop (version 1 of that snapshot; the
 * attributes and their MD5, which the SDK checks on receipt, are copied from one such file).
 */
const saved = (messageId: string, key: string) => ({
  messageId,
  body: JSON.stringify({ key }),
  md5OfBody: createHash('md5').update(JSON.stringify({ key })).digest('hex'),
  messageAttributes: {
    type: { DataType: 'String', StringValue: 'billing.invoice.paid' },
    requestId: { DataType: 'String', StringValue: '27f988ce-0e44-427b-919c-3bbca8f89630' },
  },
  md5OfMessageAttributes: '313daf45a60f4555f5696cb37626aa46',
  sentTimestamp: 1_796_322_352_356,
  approximateReceiveCount: 1,
  approximateFirstReceiveTimestamp: 1_796_322_352_356,
});
const queue = (name: string, messages: unknown[]) => ({ name, arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, attributes: { VisibilityTimeout: '30' }, tags: {}, messages });
const SNAPSHOT = {
  version: 1,
  topics: [{ name: 'legacy-events', arn: 'arn:aws:sns:us-east-1:000000000000:legacy-events', attributes: {}, tags: {} }],
  subscriptions: [],
  queues: [queue('legacy-identity-events', [saved('m-1', 'paid-1'), saved('m-2', 'paid-2')]), queue('legacy-identity-events-dlq', [saved('m-3', 'dead')])],
};

let dataDir: string | undefined;
let emulator: FauxqsEmulator | undefined;
let clients: BusClients | undefined;
afterEach(async () => {
  clients?.close();
  await emulator?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function receiveAll(name: string): Promise<string[]> {
  const { QueueUrl } = await clients!.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  const { Messages = [] } = await clients!.sqs.send(
    new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }),
  );
  return Messages.map((m) => `${m.MessageId} ${m.Body} ${m.MessageAttributes?.type?.StringValue}`).sort();
}

it('when a DATA_DIR kept from a release before fauxqs 2 holds messages in fauxqs-state.json, then they are received after the upgrade, once, across restarts', { timeout: 60_000 }, async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'fauxqs-legacy-'));
  await writeFile(path.join(dataDir, 'fauxqs-state.json'), JSON.stringify(SNAPSHOT));
  emulator = await startFauxqsEmulator({ dataDir });
  clients = createBusClients({ endpoint: emulator.endpoint });
  const expected = {
    main: ['m-1 {"key":"paid-1"} billing.invoice.paid', 'm-2 {"key":"paid-2"} billing.invoice.paid'],
    deadLetters: ['m-3 {"key":"dead"} billing.invoice.paid'],
  };
  expect({ main: await receiveAll('legacy-identity-events'), deadLetters: await receiveAll('legacy-identity-events-dlq') }).toEqual(expected);
  // Read once: renamed, so a restart neither imports the messages a second time nor brings back handled ones.
  expect([existsSync(path.join(dataDir, 'fauxqs-state.json')), existsSync(path.join(dataDir, 'fauxqs-state.json.imported'))]).toEqual([false, true]);
  await emulator.restart();
  expect({ main: await receiveAll('legacy-identity-events'), deadLetters: await receiveAll('legacy-identity-events-dlq') }).toEqual(expected);
});

it('when that fauxqs-state.json cannot be read, then the emulator does not start, naming the file and what to do', { timeout: 30_000 }, async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'fauxqs-legacy-'));
  await writeFile(path.join(dataDir, 'fauxqs-state.json'), '{"version":1,"queues":[');
  const lines: string[] = [];
  await expect(startFauxqsEmulator({ dataDir, onLog: (line) => lines.push(line) })).rejects.toThrow();
  expect(lines.join('\n')).toContain(`${path.join(dataDir, 'fauxqs-state.json')}, the bus an older release saved, cannot be read (`);
  expect(lines.join('\n')).toContain('move it away to start without the events it held');
  expect(existsSync(path.join(dataDir, 'fauxqs-state.json'))).toBe(true);
});
