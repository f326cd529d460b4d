import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OUTBOX_BACKLOG_METRIC } from '../../../../services/contracts/outbox-backlog';
import { createPool } from '../../../../services/kit/db/pool';
import { createOutboxBacklogProbe, OUTBOX_BACKLOG, type OutboxBacklogProbeOptions } from '../../../../services/kit/outbox/backlog-probe';
import { outboxStatus } from '../../../../services/kit/outbox/status';
import { freePort } from '../../../../services/local/free-port';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';
import { readEmf } from '../../../support/emf';

const { namespace, name, unit, failed, dimensions } = OUTBOX_BACKLOG_METRIC;

describe('outbox backlog probe', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('backlog');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.database.db.execute(sql`DELETE FROM outbox`));

  /** A probe on the harness's database whose metric lines the test reads. */
  const probe = (options: Partial<OutboxBacklogProbeOptions> = {}) => {
    const lines: string[] = [];
    const created = createOutboxBacklogProbe({ pool: h.database.pool, logger: h.logger, service: 'notes', busPrefix: 'platform-test', write: (line) => lines.push(line), ...options });
    return Object.assign(created, { lines });
  };
  const writtenAgo = (seconds: number, eventId: string) =>
    h.database.db.execute(sql`UPDATE outbox SET created_at = now() - ${seconds} * interval '1 second' WHERE event_id = ${eventId}`);
  const ages = (lines: readonly string[]) => lines.map((line) => readEmf(line)[0]!.value);

  it('when no row is unsent, then it reports 0', async () => {
    const [sent] = await h.produce(1, 'sent');
    await h.database.db.execute(sql`UPDATE outbox SET sent_at = now() WHERE event_id = ${sent}`);
    const empty = probe();
    expect(await empty.report()).toEqual({ ageSeconds: 0, failed: 0 });
    expect(ages(empty.lines)).toEqual([0]);
  });

  it('when unsent rows were written 5 and 2 minutes ago, then it reports the oldest one\'s age; once the relay has published them, 0 again', async () => {
    const [oldest, newer] = await h.produce(2, 'stuck');
    await writtenAgo(300, oldest!);
    await writtenAgo(120, newer!);
    const backlog = probe();
    const age = (await backlog.report())?.ageSeconds;
    expect(age).toBeGreaterThanOrEqual(300);
    expect(age).toBeLessThan(330); // the test's own seconds, however slow the machine
    const relay = h.relay();
    await relay.start();
    try {
      await waitFor('the outbox sent', () => outboxStatus(h.database.pool), (s) => s.pending === 0);
    } finally {
      await relay.stop();
    }
    expect(await backlog.report()).toEqual({ ageSeconds: 0, failed: 0 });
    expect(ages(backlog.lines)).toEqual([age, 0]);
  });

  it('when it reports, then the line is valid EMF: the contract\'s namespace, metrics, units and dimensions, the age and the failed count as values, now as the time', async () => {
    const [row] = await h.produce(1, 'shape');
    await writtenAgo(42, row!);
    const shape = probe({ service: 'billing', busPrefix: 'platform-prod' });
    const before = Date.now();
    await shape.report();
    expect(shape.lines).toHaveLength(1);
    const metrics = readEmf(shape.lines[0]!);
    const common = { namespace, dimensions: [{ [dimensions.service]: 'billing', [dimensions.busPrefix]: 'platform-prod' }], timestamp: expect.any(Number) };
    expect(metrics).toEqual([
      { ...common, name, unit, value: expect.any(Number) },
      { ...common, name: failed.name, unit: failed.unit, value: 0 },
    ]);
    expect(metrics[0]!.value).toBeGreaterThanOrEqual(42);
    expect(metrics[0]!.timestamp).toBeGreaterThanOrEqual(before);
    // Read as a log line too, it names its service and says what it is.
    expect(JSON.parse(shape.lines[0]!)).toMatchObject({ service: 'billing', msg: 'outbox backlog' });
  });

  it('when the outbox holds many sent rows, then finding the oldest pending one is a lookup in the pending rows\' index', async () => {
    await h.database.db.execute(sql`INSERT INTO outbox (event_id, type, payload, sent_at)
      SELECT 'sent-' || n, 'note.added', '{}'::jsonb, now() FROM generate_series(1, 5000) AS n`);
    await h.produce(3, 'waiting');
    await h.database.db.execute(sql`ANALYZE outbox`);
    const { rows } = await h.database.pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${OUTBOX_BACKLOG}`);
    const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
    expect(plan).toContain('"Index Name":"outbox_unsent_idx"');
    expect(plan).toContain('"Node Type":"Limit"');
    expect(plan).not.toContain('"Node Type":"Seq Scan"');
    expect(plan).not.toContain('"Node Type":"Sort"');
  });

  it('when started, then it reports at once and then every interval; when stopped, then it reports no more', async () => {
    const running = probe({ intervalMs: 20 });
    running.start();
    await waitFor('three reports', async () => running.lines.length, (n) => n >= 3);
    await running.stop();
    const reported = running.lines.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(running.lines).toHaveLength(reported);
    expect(ages(running.lines).every((age) => age === 0)).toBe(true);
  });

  it('when the database cannot be reached, then each report logs a warning and writes no number, and the probe keeps trying until stopped', async () => {
    const unreachable = createPool({ connectionString: `postgres://nobody@127.0.0.1:${await freePort()}/none`, max: 1 }, h.logger);
    const warned = () => h.lines.filter((line) => line.msg === 'outbox backlog probe failed; will try again').length;
    const before = warned();
    const down = probe({ pool: unreachable, intervalMs: 20 });
    try {
      expect(await down.report()).toBeUndefined();
      down.start();
      await waitFor('two more failed reports', async () => warned() - before, (n) => n >= 3);
      await down.stop();
      expect(down.lines).toEqual([]);
      expect(h.lines.find((line) => line.msg === 'outbox backlog probe failed; will try again')).toMatchObject({ level: 40, reason: expect.stringContaining('ECONNREFUSED') });
    } finally {
      await unreachable.end();
    }
  });
});
