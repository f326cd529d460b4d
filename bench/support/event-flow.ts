/**
 * The event bus benchmark's moving parts, as deployed: this process is the producing service (transactions
 * writing outbox rows, and its relay), a child process is the consuming service, fauxqs another child, and
 * PostgreSQL beside them. Both ends take wall-clock times: when the producer's transaction committed, and when
 * the consumer's effect committed. The bus tests' neutral schema (harness/notes: notes, outbox, inbox) stands in
 * for a service's.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { nodeEntry } from '../../services/local/child-process/node-entry';
import { startChildProcess, type RunningChild } from '../../services/local/child-process/start-child';
import { startFauxqsEmulator } from '../../services/local/emulators/fauxqs';
import { createBusClients } from '../../services/kit/bus/clients';
import { createPublisher } from '../../services/kit/bus/publisher';
import { ensureTopology } from '../../services/kit/bus/provisioned-topology';
import { createDatabase } from '../../services/kit/db/database';
import { migrateWithLock } from '../../services/kit/db/migrate';
import { createLogger } from '../../services/kit/logger';
import { enqueue } from '../../services/kit/outbox/enqueue';
import { createOutboxRelay } from '../../services/kit/outbox/relay';
import { noteAddedEvent, testTopology } from '../../harness/notes/events';
import { PING, startBusBaseline, type BusBaseline } from './bus-baseline';
import * as schema from '../../harness/notes/schema';

const MIGRATIONS = fileURLToPath(new URL('../../harness/notes/migrations', import.meta.url));
const CONSUMER = fileURLToPath(new URL('./event-consumer.ts', import.meta.url));
const now = () => performance.timeOrigin + performance.now();

export interface EventFlow {
  /** Commits one event; resolves with its id after the commit. */
  send(): Promise<string>;
  /** Producer commit → consumer commit in ms, for those of the ids whose effect has committed. */
  latencies(ids: readonly string[]): number[];
  /** CPU ms used so far by this process (producer and relay) and by the consumer's. */
  cpuMs(): { readonly producer: number; readonly consumer: number };
  /** The same bus without database, outbox and inbox, for comparison in the same run. */
  readonly baseline: BusBaseline;
  close(): Promise<void>;
}

/** The tests' topology plus a queue for the baseline's messages. */
function benchTopology() {
  const topology = testTopology('bench');
  const ping = { consumer: 'ping', queueName: 'bench-ping', deadLetterQueueName: 'bench-ping-dlq', filterPolicy: { type: [PING] }, maxReceiveCount: 5 };
  return { ...topology, queues: [...topology.queues, ping] };
}

export async function startEventFlow(databaseUrl: string): Promise<EventFlow> {
  const logger = createLogger({ service: 'bench-events', level: 'warn' });
  const emulator = await startFauxqsEmulator();
  const clients = createBusClients({ endpoint: emulator.endpoint });
  const bus = await ensureTopology(clients, benchTopology());
  const producer = createDatabase({ connectionString: databaseUrl, schema, logger, poolMax: 10 });
  // The relay's own small pool, so it never queues behind the producer's transactions.
  const relayDb = createDatabase({ connectionString: databaseUrl, schema, logger, poolMax: 2 });
  await migrateWithLock(producer.pool, MIGRATIONS, 'bench-events', logger);
  const committedAt = new Map<string, number>();
  const effectAt = new Map<string, number>();
  const relay = createOutboxRelay({ pool: relayDb.pool, publisher: createPublisher(clients.sns, bus.topicArn), logger });
  await relay.start();
  const consumerCpu = { ms: 0 };
  const env = { DATABASE_URL: databaseUrl, QUEUE_URL: bus.queues[0]!.queueUrl, AWS_ENDPOINT_URL: emulator.endpoint };
  const consumer = await startConsumer(env, effectAt, consumerCpu);
  const baseline = startBusBaseline(clients, bus.topicArn, bus.queues[1]!.queueUrl);
  let produced = 0;
  return {
    baseline,
    latencies: (ids) =>
      ids.flatMap((id) => {
        const [start, end] = [committedAt.get(id), effectAt.get(id)];
        return start === undefined || end === undefined ? [] : [end - start];
      }),
    cpuMs: () => {
      const { user, system } = process.cpuUsage();
      return { producer: (user + system) / 1_000, consumer: consumerCpu.ms };
    },
    async send() {
      const event = noteAddedEvent(`bench ${produced++}`);
      await producer.db.transaction((tx) => enqueue(tx, event));
      committedAt.set(event.id, now());
      return event.id;
    },
    async close() {
      await consumer.stop();
      await Promise.all([relay.stop(), baseline.close()]);
      clients.close();
      await Promise.all([producer.close(), relayDb.close(), emulator.stop()]);
    },
  };
}

interface ConsumerReport {
  readonly effects?: Array<[string, number]>;
  readonly cpuMs?: number;
}

/** The consuming service: ready once it says so, reporting its effects and CPU over IPC; SIGTERM stops it. */
function startConsumer(env: Record<string, string>, effectAt: Map<string, number>, cpu: { ms: number }): Promise<RunningChild> {
  return startChildProcess({
    name: 'the bench consumer',
    args: nodeEntry(CONSUMER),
    env,
    ready: { message: 'ready' },
    output: 'inherit',
    onMessage: (message) => {
      const report = message as ConsumerReport;
      for (const [id, at] of report.effects ?? []) effectAt.set(id, at);
      if (report.cpuMs !== undefined) cpu.ms = report.cpuMs;
    },
    stop: { graceMs: 10_000 },
  });
}
