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

  const cli = (args: string[], env: Record<string, string | undefined>) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/events.ts', ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1', ...env } });
  const events = async (...args: string[]) => (await cli(args, { AWS_ENDPOINT_URL: h.emulator.endpoint, BUS_PREFIX: prefix })).stdout;
  /** The variables `npm start` reads, and none of the tool's own. */
  const asNpmStart = (env: Record<string, string>) => ({ AWS_ENDPOINT_URL: undefined, DATABASE_URL: undefined, BUS_PREFIX: prefix, ...env });

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

  it('when --local is given, then `dlq list` reads the fauxqs `npm start` runs (FAUXQS_PORT)', async () => {
    const env = asNpmStart({ FAUXQS_PORT: new URL(h.emulator.endpoint).port });
    const { stdout } = await cli(['dlq', 'list', '--local', '--json'], env);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('when --local is given, then `outbox status` reads each producing service\'s database on the embedded server (POSTGRES_PORT)', async () => {
    const env = asNpmStart({ POSTGRES_PORT: new URL(h.database.pool.options.connectionString ?? '').port });
    const { stdout } = await cli(['outbox', 'status', '--local', '--json'], env);
    expect((JSON.parse(stdout) as Array<{ database: string }>).map((row) => row.database)).toEqual(['identity', 'billing']);
  });

  it('when no endpoint is given and there are no AWS credentials, then the error says to add --local', async () => {
    const env = { AWS_ENDPOINT_URL: undefined, AWS_PROFILE: 'none', AWS_ACCESS_KEY_ID: undefined, AWS_EC2_METADATA_DISABLED: 'true', HOME: '/nonexistent' };
    const failed = await cli(['dlq', 'list'], env).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/add --local/);
  });
});
