/** What a service's main.ts starts for the bus, as a whole: here, the outbox backlog probe within its start and stop. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_BACKLOG_METRIC } from '../../../../services/contracts/outbox-backlog';
import { serviceBusAfter } from '../../../../services/kit/bus/service-bus';
import { createDatabase } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { freePort } from '../../../../services/local/free-port';
import { waitFor } from '../../../support/bus/harness';
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
