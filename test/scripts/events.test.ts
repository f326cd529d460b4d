import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busTopology } from '../../services/contracts/topology';
import { ensureTopology, queueOf, type ProvisionedBus } from '../../services/platform/bus/topology';
import { startBusHarness, type BusHarness } from '../support/bus/harness';

const run = promisify(execFile);

describe('npm run events', () => {
  let h: BusHarness;
  let bus: ProvisionedBus;
  const prefix = `cli${Date.now().toString(36)}`;
  beforeAll(async () => {
    h = await startBusHarness('cli');
    bus = await ensureTopology(h.clients, busTopology(prefix));
  });
  afterAll(() => h?.close());

  const events = async (...args: string[]) => {
    const env = { ...process.env, AWS_ENDPOINT_URL: h.emulator.endpoint, BUS_PREFIX: prefix, NODE_NO_WARNINGS: '1' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/events.ts', ...args], { env });
    return stdout;
  };

  it('when dead letters wait, then `dlq list` shows id, type, reason and receive count, and `dlq redrive` moves them back', async () => {
    const billing = queueOf(bus, 'billing');
    const invalid = { specversion: '1.0', id: 'ev-invalid', type: 'identity.user.registered', source: '/identity', time: new Date().toISOString(), datacontenttype: 'application/json', data: { userId: 'u1', email: 'nope', name: 'N' } };
    await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: billing.deadLetterQueueUrl, MessageBody: JSON.stringify(invalid) }));
    const listed = JSON.parse(await events('dlq', 'list', '--json')) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ consumer: 'billing', eventId: 'ev-invalid', type: 'identity.user.registered' });
    expect(listed[0]?.reason).toMatch(/^invalid event: .*email/);
    expect(await events('dlq', 'redrive', '--consumer', 'billing')).toMatch(/moved 1 message/);
    expect(await events('dlq', 'list')).toMatch(/no dead letters/);
  });

  it('when events wait in an outbox, then `outbox status` shows how many and since when', async () => {
    await h.produce(3, 'waiting');
    const [status] = JSON.parse(await events('outbox', 'status', '--json', h.database.pool.options.connectionString ?? '')) as Array<Record<string, unknown>>;
    expect(status).toMatchObject({ pending: 3, retrying: 0 });
    expect(typeof status?.oldestUnsentAt).toBe('string');
  });
});
