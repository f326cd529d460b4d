import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PurgeQueueCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busTopology } from '../../services/contracts/bus-topology';
import { startEmbeddedPostgres, type RunningPostgres } from '../../services/local/embedded-postgres';
import { freePort } from '../../services/local/free-port';
import { ensureTopology, queueOf, type ProvisionedBus } from '../../services/kit/bus/provisioned-topology';
import { startBusHarness, type BusHarness } from '../support/bus/harness';
import { LIST_LIMIT } from '../../scripts/events/dlq';
import { bundleScript, type BundledScript } from '../support/bundled-script';
import { copyRunCluster } from '../support/new-cluster';
import { NO_AWS_CREDENTIALS } from '../support/no-aws-credentials';

const run = promisify(execFile);

describe('npm run events', () => {
  let h: BusHarness;
  let bus: ProvisionedBus;
  let script: BundledScript;
  const prefix = `cli${Date.now().toString(36)}`;
  beforeAll(async () => {
    [h, script] = await Promise.all([startBusHarness('cli'), bundleScript('scripts/events.ts')]);
    bus = await ensureTopology(h.clients, busTopology(prefix));
  });
  afterAll(() => Promise.all([h?.close(), script?.remove()]));

  const cli = (args: string[], env: Record<string, string | undefined>) =>
    run(process.execPath, [script.file, ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1', ...env } });
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
    expect(await events('dlq', 'redrive', '--consumer', 'billing')).toMatch(/^billing: moved 1 message from \S+ back to \S+$/m);
    expect(await events('dlq', 'list')).toMatch(/no dead letters/);
  });

  it('when more dead letters wait than `dlq list` shows, then it says on stderr how many of about how many it shows', async () => {
    const billing = queueOf(bus, 'billing');
    for (let batch = 0; batch < (LIST_LIMIT + 10) / 10; batch++) {
      const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: JSON.stringify({ id: `ev-${batch}-${i}` }) }));
      await h.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: billing.deadLetterQueueUrl, Entries }));
    }
    try {
      const { stdout, stderr } = await cli(['dlq', 'list', '--consumer', 'billing', '--json'], { AWS_ENDPOINT_URL: h.emulator.endpoint, BUS_PREFIX: prefix });
      expect(JSON.parse(stdout)).toHaveLength(LIST_LIMIT);
      expect(stderr).toBe(`billing: showing ${LIST_LIMIT} of about ${LIST_LIMIT + 10} dead letters\n`);
    } finally {
      await h.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: billing.deadLetterQueueUrl }));
    }
  });

  it('when events wait in an outbox, then `outbox status` shows how many and since when', async () => {
    await h.produce(3, 'waiting');
    const [status] = JSON.parse(await events('outbox', 'status', '--json', h.database.pool.options.connectionString ?? '')) as Array<Record<string, unknown>>;
    expect(status).toMatchObject({ pending: 3, retrying: 0 });
    expect(typeof status?.oldestPendingAt).toBe('string');
  });

  it('when a row failed for good (the relay found it can never be published), then `outbox status` counts it apart from the pending rows and names its seq and reason', async () => {
    const [id] = await h.produce(1, 'undeliverable');
    // What the relay writes when it gives a row up (services/kit/outbox/publish-pending.ts).
    const { rows } = await h.database.pool.query<{ seq: string }>(
      `UPDATE outbox SET failed_at = now(), attempts = 1, last_error = 'MessageTooLong: message too long for SNS' WHERE event_id = $1 RETURNING seq::text AS seq`, [id]);
    const text = await events('outbox', 'status', h.database.pool.options.connectionString ?? '');
    expect(text).toMatch(/: pending 3, oldest pending .*, retrying 0, failed 1, sent/);
    expect(text).toContain(`failed for good (never retried; docs/events.md, "Outbox backlog"): seq ${rows[0]?.seq}: MessageTooLong: message too long for SNS`);
  });

  describe('with --local', () => {
    /** An embedded PostgreSQL where `npm start` keeps it: `<DATA_DIR>/postgres`. */
    let dataDir: string;
    let postgres: RunningPostgres;
    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'events-local-'));
      await chmod(dataDir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
      await copyRunCluster(path.join(dataDir, 'postgres')); // a copy of a new cluster starts without an initdb
      postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
    }, 60_000);
    afterAll(async () => {
      await postgres?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    const failure = (args: string[], env: Record<string, string | undefined>) =>
      cli(args, env).then(() => undefined, (error: { code: number; stdout: string; stderr: string }) => error);

    it('when `dlq list` runs, then it reads the fauxqs `npm start` runs (FAUXQS_PORT) and says so on stderr', async () => {
      const { port } = new URL(h.emulator.endpoint);
      const { stdout, stderr } = await cli(['dlq', 'list', '--local', '--json'], asNpmStart({ FAUXQS_PORT: port }));
      expect(JSON.parse(stdout)).toEqual([]);
      expect(stderr).toBe(`reading fauxqs at http://127.0.0.1:${port}\n`);
    });

    it('when `outbox status` runs, then it reads each producing service\'s database on the embedded server and says which server', async () => {
      const { port } = new URL(postgres.serverUrl);
      // A new cluster holds neither database: each gets its row, and the exit code says they could not be read.
      const ended = await failure(['outbox', 'status', '--local', '--json'], asNpmStart({ DATA_DIR: dataDir, POSTGRES_PORT: port }));
      expect(ended?.code).toBe(1);
      expect((JSON.parse(ended!.stdout) as Array<{ database: string }>).map((row) => row.database)).toEqual(['identity', 'billing']);
      expect(ended?.stderr).toBe(`reading PostgreSQL at 127.0.0.1:${port} (embedded, DATA_DIR ${dataDir})\noutbox status: could not read identity, billing\n`);
    });

    it('when nothing answers at FAUXQS_PORT, then it says no platform is found there and exits 1', async () => {
      const failed = await failure(['dlq', 'list', '--local'], asNpmStart({ FAUXQS_PORT: String(await freePort()) }));
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/^no platform found at http:\/\/127\.0\.0\.1:\d+: nothing answers there; is `npm start` running\?.* FAUXQS_PORT/);
      expect(failed?.stdout).toBe('');
    });

    it('when `dlq redrive --local` lacks --consumer, then that is what it says, before it looks for the platform', async () => {
      const failed = await failure(['dlq', 'redrive', '--local'], asNpmStart({ FAUXQS_PORT: String(await freePort()) }));
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toBe('dlq redrive needs --consumer <name>, so one queue is redriven at a time\n');
    });

    it('when the PostgreSQL at POSTGRES_PORT is not the one with data in DATA_DIR, then it reads nothing, says so and exits 1', async () => {
      const otherServerPort = new URL(h.database.pool.options.connectionString ?? '').port;
      const env = asNpmStart({ DATA_DIR: path.join(dataDir, 'not-started'), POSTGRES_PORT: otherServerPort });
      const failed = await failure(['outbox', 'status', '--local', '--json'], env);
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/^no platform found at 127\.0\.0\.1:\d+: no embedded PostgreSQL of npm start runs with data in .*not-started.* \(the server answering there is another one\); is `npm start` running\?.* DATA_DIR and POSTGRES_PORT/);
      expect(failed?.stdout).toBe('');
    });
  });

  it('when --prefix names no bus there, then the error names the missing queue and the prefix, not SQS\'s bare "queue does not exist"', async () => {
    const failed = await cli(['dlq', 'list', '--prefix', `${prefix}x`], { AWS_ENDPOINT_URL: h.emulator.endpoint }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(new RegExp(`^queue ${prefix}x-\\w+-events-dlq does not exist there; is "${prefix}x" the bus prefix of that stage \\(--prefix, BUS_PREFIX\\)\\?`));
  });

  it('when no endpoint is given and there are no AWS credentials, then the error says to add --local', async () => {
    const env = { ...NO_AWS_CREDENTIALS, AWS_ENDPOINT_URL: undefined };
    const failed = await cli(['dlq', 'list'], env).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/add --local/);
  });
});
