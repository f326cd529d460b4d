/**
 * The backlog probe and rows failed for good (failed_at: the relay will never send them). Such a row must not age the
 * backlog, whose alarm would otherwise stay on for ever and could not page again for a new outage of the relay; it
 * is counted apart instead, for an alarm of its own. On PostgreSQL, against each producer's own migrations and the
 * bus-test harness's, since each database gets its indexes from its own migration.
 */
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OUTBOX_BACKLOG_METRIC } from '../../../../services/contracts/outbox-backlog';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { createOutboxBacklogProbe, OUTBOX_BACKLOG } from '../../../../services/kit/outbox/backlog-probe';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { readEmf } from '../../../support/emf';
import { testLogger } from '../../../support/silent-logger';

const MIGRATIONS = {
  notes: 'harness/notes/migrations',
  identity: 'services/identity/data-access/migrations',
  billing: 'services/billing/data-access/migrations',
};

/** Every node of an EXPLAIN (FORMAT JSON) plan, subplans included. */
function nodesOf(node: Record<string, unknown>): Record<string, unknown>[] {
  return [node, ...((node.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(nodesOf)];
}

describe.each(Object.entries(MIGRATIONS))('outbox backlog probe and rows failed for good (%s\'s migrations)', (label, folder) => {
  let testDatabase: TestDatabase;
  let database: Database<Record<string, never>>;
  beforeAll(async () => {
    testDatabase = await createTestDatabase(`probe_failed_${label}`);
    database = createDatabase({ connectionString: testDatabase.url, schema: {}, logger: testLogger });
    await migrateWithLock(database.pool, path.resolve(folder), 'test', testLogger);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });
  beforeEach(() => database.pool.query('DELETE FROM outbox'));

  /** `count` rows written `agoSeconds` ago, in that state; the label names them. */
  const insert = (label: string, count: number, agoSeconds: number, state: 'pending' | 'failed' | 'sent') =>
    database.pool.query(
      `INSERT INTO outbox (event_id, type, payload, created_at, failed_at, last_error, sent_at)
       SELECT $1 || '-' || n, 'test.note.added', '{}'::jsonb, now() - $2 * interval '1 second',
              CASE WHEN $3 = 'failed' THEN now() END, CASE WHEN $3 = 'failed' THEN 'MessageTooLong: message too long for SNS' END,
              CASE WHEN $3 = 'sent' THEN now() END
       FROM generate_series(1, $4::int) AS n`,
      [label, agoSeconds, state, count],
    );
  const probe = () => {
    const lines: string[] = [];
    const created = createOutboxBacklogProbe({ pool: database.pool, logger: testLogger, service: label, busPrefix: 'platform-test', write: (line) => lines.push(line) });
    return Object.assign(created, { lines });
  };
  const { name, failed } = OUTBOX_BACKLOG_METRIC;

  it('when the oldest unsent row failed for good and a pending one waits behind it, then the age is the pending row\'s, and the failed row is counted on the same line', async () => {
    await insert('failed', 1, 600, 'failed');
    await insert('pending', 1, 60, 'pending');
    const reporting = probe();
    const backlog = await reporting.report();
    expect(backlog?.ageSeconds).toBeGreaterThanOrEqual(60);
    expect(backlog?.ageSeconds).toBeLessThan(90); // the test's own seconds, however slow the machine; the failed row's is 600
    expect(backlog?.failed).toBe(1);
    expect(readEmf(reporting.lines[0]!).map((metric) => [metric.name, metric.value])).toEqual([[name, backlog?.ageSeconds], [failed.name, 1]]);
  });

  it('when every unsent row failed for good, then the age is 0 and each is counted; once an operator sends one again, it ages the backlog again, and once the other is marked sent, none is counted', async () => {
    await insert('failed', 2, 600, 'failed');
    const reporting = probe();
    expect(await reporting.report()).toEqual({ ageSeconds: 0, failed: 2 });
    // The runbook's two ways out (docs/events.md, "Outbox backlog"): send it again, or mark it sent.
    await database.pool.query(`UPDATE outbox SET failed_at = NULL, next_attempt_at = now() WHERE event_id = 'failed-1'`);
    expect(await reporting.report()).toEqual({ ageSeconds: expect.any(Number), failed: 1 });
    expect((await reporting.report())?.ageSeconds).toBeGreaterThanOrEqual(600);
    await database.pool.query(`UPDATE outbox SET sent_at = now() WHERE event_id = 'failed-2' AND failed_at IS NOT NULL`);
    expect(await reporting.report()).toMatchObject({ failed: 0 });
  });

  it('when a thousand failed rows lie ahead of the pending one among many sent rows, then the age and the count are read from the unsent and failed rows\' indexes alone, no table scanned', async () => {
    await insert('sent', 5_000, 900, 'sent');
    await insert('failed', 1_000, 600, 'failed');
    await insert('pending', 1, 60, 'pending');
    // Fresh statistics and visibility map, as autovacuum keeps them on a table this busy.
    await database.pool.query('VACUUM ANALYZE outbox');
    const { rows } = await database.pool.query<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${OUTBOX_BACKLOG}`);
    const nodes = nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
    const onIndex = (index: string) => nodes.filter((node) => node['Index Name'] === index);
    // The failed rows ahead are passed over on the way to the pending one (there are none but a bug's: schema.ts).
    expect(onIndex('outbox_unsent_idx')).toHaveLength(1);
    expect(onIndex('outbox_failed_idx')).toHaveLength(1);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Sort');
    expect(await probe().report()).toMatchObject({ failed: 1_000 });
  });
});
