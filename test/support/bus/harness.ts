/**
 * One test file's bus: a real fauxqs child on a free port, the test topology provisioned on it, a fresh
 * database with notes/outbox/inbox migrated, and builders for relays and consumers with short timings so
 * redelivery takes seconds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { startFauxqsEmulator, type FauxqsEmulator } from '../../../services/local/emulators/fauxqs';
import { createBusClients, type BusClients } from '../../../services/kit/bus/clients';
import { createConsumer, type ConsumerOptions } from '../../../services/kit/bus/consumer';
import { createPublisher, type Publisher } from '../../../services/kit/bus/publisher';
import { ensureTopology, type ProvisionedBus, type ProvisionedQueue } from '../../../services/kit/bus/provisioned-topology';
import { createDatabase, type Database } from '../../../services/kit/db/database';
import { migrateWithLock } from '../../../services/kit/db/migrate';
import { handleOnce } from '../../../services/kit/inbox/handle-once';
import { enqueue } from '../../../services/kit/outbox/enqueue';
import { createOutboxRelay, type OutboxRelayOptions } from '../../../services/kit/outbox/relay';
import { createTestDatabase, type TestDatabase } from '../database';
import { noteAddedEvent, parseNoteAdded, testTopology, type NoteAdded } from '../../../harness/notes/events';
import { captureLogs, type CapturedLogs } from './logs';
import * as schema from '../../../harness/notes/schema';

export type TestDb = Database<typeof schema>;
type NoteConsumerOptions = Partial<ConsumerOptions<NoteAdded>> & {
  /** Runs before the effect; a throw is a failing handler (nothing committed). */
  beforeEffect?: (event: NoteAdded) => void;
  /** Runs after the effect committed; a throw is a crash before the delete. */
  afterCommit?: (event: NoteAdded) => void;
};

export interface BusHarness extends CapturedLogs {
  readonly emulator: FauxqsEmulator;
  readonly clients: BusClients;
  /** The current topic and queue, and a publisher to that topic: `useNewQueue()` replaces all three. */
  readonly bus: ProvisionedBus;
  readonly queue: ProvisionedQueue;
  readonly publisher: Publisher;
  readonly database: TestDb;
  /**
   * Provisions a new topic and queue for what follows, e.g. in a `beforeEach`. A consumer stopped by the test
   * before leaves its long poll waiting in the emulator (stop() only abandons it), and on the same queue that
   * poll would take the next test's first message and hide it for the visibility timeout.
   */
  useNewQueue(): Promise<void>;
  /** Writes `count` events to the outbox, one transaction each; returns their ids. */
  produce(count: number, label?: string): Promise<string[]>;
  relay(options?: Partial<OutboxRelayOptions>): ReturnType<typeof createOutboxRelay>;
  /** A consumer whose effect inserts a note through handleOnce. */
  consumer(options?: NoteConsumerOptions): ReturnType<typeof createConsumer<NoteAdded>>;
  /** Notes per event id. */
  effects(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(new URL('../../../harness/notes/migrations', import.meta.url));

export async function startBusHarness(label: string): Promise<BusHarness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `bus-${label}-`));
  const [emulator, testDatabase] = await Promise.all([startFauxqsEmulator({ dataDir }), createTestDatabase(label)]);
  const logs = captureLogs();
  const clients = createBusClients({ endpoint: emulator.endpoint });
  const provision = async () => {
    const bus = await ensureTopology(clients, testTopology(`${label}-${randomBytes(3).toString('hex')}`));
    return { bus, queue: bus.queues[0]!, publisher: createPublisher(clients.sns, bus.topicArn) };
  };
  let current = await provision();
  const database = createDatabase({ connectionString: testDatabase.url, schema, logger: logs.logger, poolMax: 8 });
  await migrateWithLock(database.pool, MIGRATIONS, 'test', logs.logger);
  return {
    ...logs,
    emulator,
    clients,
    get bus() {
      return current.bus;
    },
    get queue() {
      return current.queue;
    },
    get publisher() {
      return current.publisher;
    },
    database,
    useNewQueue: async () => {
      current = await provision();
    },
    produce: (count, prefix = 'note') => produce(database, count, prefix),
    relay: (options) =>
      createOutboxRelay({ pool: database.pool, publisher: current.publisher, logger: logs.logger, sweepIntervalMs: 200, retryMs: { base: 50, max: 500 }, ...options }),
    consumer: (options) => noteConsumer(database, clients, current.queue, logs, options),
    effects: () => effects(database),
    close: () => close(emulator, clients, database, testDatabase, dataDir),
  };
}

async function produce(database: TestDb, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const event = noteAddedEvent(`${prefix} ${index}`);
    await database.db.transaction((tx) => enqueue(tx, event));
    ids.push(event.id);
  }
  return ids;
}

function noteConsumer(database: TestDb, clients: BusClients, queue: ProvisionedQueue, logs: CapturedLogs, options: NoteConsumerOptions = {}) {
  const { beforeEffect, afterCommit, ...overrides } = options;
  return createConsumer<NoteAdded>({
    sqs: clients.sqs,
    queueUrl: queue.queueUrl,
    name: 'notes',
    logger: logs.logger,
    parse: parseNoteAdded,
    handle: async (event) => {
      beforeEffect?.(event);
      await handleOnce(database.db, 'notes', event, async (tx) => {
        await tx.insert(schema.notes).values({ eventId: event.id, text: event.data.text });
      });
      afterCommit?.(event);
    },
    visibilityTimeoutSeconds: 2,
    heartbeatSeconds: 1,
    waitTimeSeconds: 2,
    retrySeconds: { base: 0, max: 0 },
    receiveErrorPauseMs: { base: 100, max: 500 },
    ...overrides,
  });
}

async function effects(database: TestDb): Promise<Map<string, number>> {
  const rows = await database.db.execute<{ event_id: string; n: number }>(sql`SELECT event_id, count(*)::int AS n FROM notes GROUP BY event_id`);
  return new Map(rows.rows.map((row) => [row.event_id, row.n]));
}

async function close(emulator: FauxqsEmulator, clients: BusClients, database: TestDb, testDatabase: TestDatabase, dataDir: string) {
  clients.close();
  await database.close();
  await Promise.all([emulator.stop(), testDatabase.drop()]);
  await rm(dataDir, { recursive: true, force: true });
}

/** Polls until the check passes; bounded by the timeout, then throws with the last value seen. */
export async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value, replacer)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

const replacer = (_key: string, value: unknown) => (value instanceof Map ? `Map(${value.size})` : value);
