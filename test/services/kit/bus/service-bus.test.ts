/** What a service's main.ts starts for the bus, as a whole: here, the outbox backlog probe within its start and stop. */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNoteAdded } from '../../../../harness/notes/events';
import { MESSAGE_RETENTION_DAYS } from '../../../../services/contracts/bus-topology';
import { OUTBOX_BACKLOG_METRIC } from '../../../../services/contracts/outbox-backlog';
import { serviceBusAfter } from '../../../../services/kit/bus/service-bus';
import { createDatabase } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { INBOX_RETENTION_MS } from '../../../../services/kit/inbox/pruner';
import { freePort } from '../../../../services/local/free-port';
import { startBusHarness, waitFor } from '../../../support/bus/harness';
import { captureLogs } from '../../../support/bus/logs';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { readEmf } from '../../../support/emf';
import { showStdoutOnlyOnFailure } from '../../../support/quiet-stdout';
import { testLogger } from '../../../support/silent-logger';

const NOTES_MIGRATIONS = fileURLToPath(new URL('../../../../harness/notes/migrations', import.meta.url));
const stdout = showStdoutOnlyOnFailure();

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('service_bus');
  const migrated = createDatabase({ connectionString: database.url, schema: {}, logger: testLogger });
  await migrateWithLock(migrated.pool, NOTES_MIGRATIONS, 'test', testLogger);
  await migrated.close();
});
afterAll(() => database?.drop());

/** The EMF lines written to stdout so far in this test, read as CloudWatch Logs would. */
const backlogReports = () =>
  stdout
    .held()
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => readEmf(`${line}\n`))
    .filter((metric) => metric.namespace === OUTBOX_BACKLOG_METRIC.namespace && metric.name === OUTBOX_BACKLOG_METRIC.name);

describe('a producing service\'s bus', () => {
  it('when it starts, then it reports its outbox backlog on stdout at once, under its service and bus prefix; when it stops, then the report ends with it, cleanly', async () => {
    const logs = captureLogs();
    // No row to publish, so the relay never calls SNS: nothing needs to answer there.
    const bus = serviceBusAfter(Promise.resolve(), {
      service: 'notes',
      env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}`, AWS_REGION: 'us-east-1', BUS_PREFIX: 'platform-test', EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:none' },
      databaseUrl: database.url,
      logger: logs.logger,
      produces: true,
    });
    try {
      await bus.started;
      await waitFor('a backlog report', async () => backlogReports().length, (n) => n >= 1, 10_000);
    } finally {
      await bus.stop();
    }
    const { service, busPrefix } = OUTBOX_BACKLOG_METRIC.dimensions;
    expect(backlogReports()[0]).toMatchObject({ value: 0, dimensions: [{ [service]: 'notes', [busPrefix]: 'platform-test' }] });
    expect(logs.lines.filter((line) => (line.level as number) >= 40)).toEqual([]);
  });
});

type BusHarness = Awaited<ReturnType<typeof startBusHarness>>;

const DAY_MS = 24 * 3_600_000;

/** Handled event ids `ageMs` old, by default a day past the inbox's retention: what a pruning run deletes. */
async function seedAgedInbox(h: BusHarness, count: number, ageMs = INBOX_RETENTION_MS + DAY_MS, prefix = 'aged'): Promise<() => Promise<number | undefined>> {
  await h.database.db.execute(sql`
    INSERT INTO inbox (consumer, event_id, type, handled_at)
    SELECT 'notes', ${prefix} || '-' || n, 'test.note.added', now() - ${ageMs}::float8 * interval '1 millisecond'
    FROM generate_series(1, ${count}) AS n`);
  return async () => (await h.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM inbox`)).rows[0]?.n;
}

/** A bus that only consumes, on the harness's queue and database, as a consuming service's main.ts starts it. */
const consumingBus = (h: BusHarness, inboxPruning?: { intervalMs: number; catchUpMs: number }) =>
  serviceBusAfter(Promise.resolve(), {
    service: 'notes',
    env: { AWS_ENDPOINT_URL: h.emulator.endpoint, AWS_REGION: 'us-east-1', BUS_PREFIX: 'test', EVENTS_QUEUE_URL: h.queue.queueUrl },
    databaseUrl: (h.database.pool as unknown as { options: { connectionString: string } }).options.connectionString,
    logger: h.logger,
    produces: false,
    consumer: { parse: parseNoteAdded, handle: async () => {} },
    ...(inboxPruning ? { inboxPruning } : {}),
  });

describe('a consuming service\'s bus', () => {
  it('when its inbox holds more old entries than one pruning run deletes, then it prunes as soon as it consumes, and again after the catch-up pause rather than an hour later, until none is left', { timeout: 60_000 }, async () => {
    const h = await startBusHarness('inbox_pruning');
    try {
      // Half as many again as one run deletes (INBOX_PRUNE_RUN_MAX): an hour of a service taking 42 events/s.
      const aged = await seedAgedInbox(h, 150_000);
      const bus = consumingBus(h, { intervalMs: 3_600_000, catchUpMs: 100 });
      try {
        await bus.started;
        await waitFor('every aged entry pruned', aged, (n) => n === 0, 40_000);
      } finally {
        await bus.stop();
      }
      expect(h.lines.filter((line) => line.msg === 'pruned handled event ids from the inbox').map((line) => line.pruned)).toEqual([100_000, 50_000]);
    } finally {
      await h.close();
    }
  });

  it('when an event was handled as long ago as a dead letter and then its redriven copy can wait (the queues\' retention twice), then pruning keeps its id, so that copy has no second effect', { timeout: 60_000 }, async () => {
    const h = await startBusHarness('inbox_pruning_kept');
    try {
      await seedAgedInbox(h, 3);
      await seedAgedInbox(h, 1, (2 * MESSAGE_RETENTION_DAYS + 1) * DAY_MS, 'redriven');
      const bus = consumingBus(h);
      try {
        await bus.started;
        await waitFor('a pruning run', async () => h.lines.some((line) => line.msg === 'pruned handled event ids from the inbox'), Boolean, 20_000);
      } finally {
        await bus.stop();
      }
      const kept = await h.database.db.execute<{ event_id: string }>(sql`SELECT event_id FROM inbox`);
      expect(kept.rows.map((row) => row.event_id)).toEqual(['redriven-1']);
    } finally {
      await h.close();
    }
  });

  it('when it stops while a pruning run is under way, then the run finishes before the pool closes, without a warning', { timeout: 60_000 }, async () => {
    const h = await startBusHarness('inbox_pruning_stop');
    try {
      const aged = await seedAgedInbox(h, 100_000);
      const bus = consumingBus(h);
      await bus.started;
      await waitFor('the first chunk pruned', aged, (n) => n !== undefined && n < 100_000, 20_000);
      await bus.stop();
      expect(await aged()).toBe(0);
      expect(h.lines.filter((line) => (line.level as number) >= 40)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
