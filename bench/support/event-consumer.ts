/**
 * The consuming service of the event bus benchmark, in its own process as in a deployment: long polls the queue
 * and commits inbox row + effect per event. Reports to its parent over IPC when each effect committed
 * (wall-clock ms, comparable across processes of one machine), in batches so reporting costs little.
 * Environment: DATABASE_URL, QUEUE_URL, AWS_ENDPOINT_URL, POLLERS.
 */
import { performance } from 'node:perf_hooks';
import { createBusClients } from '../../services/kit/bus/clients';
import { createConsumer } from '../../services/kit/bus/consumer';
import { createDatabase } from '../../services/kit/db/database';
import { handleOnce } from '../../services/kit/inbox/handle-once';
import { createLogger } from '../../services/kit/logger';
import { parseNoteAdded } from '../../harness/notes/events';
import * as schema from '../../harness/notes/schema';

const logger = createLogger({ service: 'bench-consumer', level: 'warn' });
const clients = createBusClients({ endpoint: process.env.AWS_ENDPOINT_URL! });
const database = createDatabase({ connectionString: process.env.DATABASE_URL!, schema, logger, poolMax: 10 });
let done: Array<[string, number]> = [];

const consumer = createConsumer({
  sqs: clients.sqs,
  queueUrl: process.env.QUEUE_URL!,
  name: 'notes',
  logger,
  parse: parseNoteAdded,
  pollers: Number(process.env.POLLERS ?? 2),
  handle: async (event) => {
    await handleOnce(database.db, 'notes', event, async (tx) => {
      await tx.insert(schema.notes).values({ eventId: event.id, text: event.data.text });
    });
    done.push([event.id, performance.timeOrigin + performance.now()]);
  },
});

const report = setInterval(() => {
  if (done.length === 0) return;
  const { user, system } = process.cpuUsage();
  process.send?.({ effects: done, cpuMs: (user + system) / 1_000 });
  done = [];
}, 20);

// The benchmark stops it with SIGTERM; a closed IPC channel means the benchmark died: go, never outlive it.
process.once('SIGTERM', () => {
  void (async () => {
    await consumer.stop();
    clearInterval(report);
    clients.close();
    await database.close();
    process.exit(0);
  })();
});
process.on('disconnect', () => process.exit(0));

await consumer.start();
process.send?.({ ready: true });
