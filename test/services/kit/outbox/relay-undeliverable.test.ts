/**
 * Rows the relay cannot publish. One past SNS's 256 KiB can never go out (enqueue() refuses such events now, but a
 * row written before that check is still there): it must end failed for good, visible to an operator, instead of
 * being retried every 30 s for ever. A row SNS rejects for any other reason is retried. PostgreSQL and fauxqs are real.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPublisher, type Publisher } from '../../../../services/kit/bus/publisher';
import { enqueue } from '../../../../services/kit/outbox/enqueue';
import { outboxStatus } from '../../../../services/kit/outbox/status';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

const ABANDONED = 'outbox events can never be published; marked failed, not retried';
const RETRIED = 'SNS rejected some outbox events; they will be retried';

describe('outbox relay and rows it cannot publish', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('outbox-undeliverable');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.useNewQueue());

  const status = () => outboxStatus(h.database.pool);
  const delivered = (ids: readonly string[]) => (effects: Map<string, number>) => ids.every((id) => effects.has(id));
  const lines = (msg: string) => h.lines.filter((line) => line.msg === msg);

  it('when a row past SNS\'s limit was written before enqueue checked sizes, then the rows beside it go out, and it is marked failed for good: named once, counted by status, never claimed again', async () => {
    const [before, tooLong, after] = [noteAddedEvent('before'), noteAddedEvent('x'.repeat(300_000)), noteAddedEvent('after')];
    await h.database.db.transaction(async (tx) => {
      await enqueue(tx, before);
      // As an older release wrote it: straight into the table, unchecked.
      await tx.execute(sql`INSERT INTO outbox (event_id, type, payload) VALUES (${tooLong.id}, ${tooLong.type}, ${JSON.stringify(tooLong)}::jsonb)`);
      await enqueue(tx, after);
    });
    const [row] = (await h.database.db.execute<{ seq: string }>(sql`SELECT seq::text AS seq FROM outbox WHERE event_id = ${tooLong.id}`)).rows;
    const relay = h.relay({ sweepIntervalMs: 100, retryMs: { base: 10, max: 50 } });
    const consumer = h.consumer();
    await Promise.all([relay.start(), consumer.start()]);
    try {
      await waitFor('the rows beside it', h.effects, delivered([before.id, after.id]));
      await waitFor('the row failed', status, (s) => s.failed === 1);
      // Ten sweeps and twenty of the longest retry pauses: a row still retried would be tried again meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await Promise.all([relay.stop(), consumer.stop()]);
    }
    const [after1s] = (await h.database.db.execute<{ attempts: number; failed: boolean }>(
      sql`SELECT attempts, failed_at IS NOT NULL AS failed FROM outbox WHERE event_id = ${tooLong.id}`)).rows;
    expect(after1s).toEqual({ attempts: 1, failed: true });
    expect(await status()).toMatchObject({
      pending: 0, retrying: 0, failed: 1, lastError: null,
      lastFailure: { seq: row?.seq, error: expect.stringMatching(/^MessageTooLong: message too long for SNS: \d+ bytes/) },
      // Still unsent, waiting for an operator's decision: counted as failed, not as a pending row that ages.
      oldestPendingAt: null,
    });
    expect(lines(ABANDONED).map((line) => line.abandoned)).toEqual([[{ seq: row?.seq, type: tooLong.type, reason: expect.stringMatching(/too long/) }]]);
    expect(lines(ABANDONED)[0]?.level).toBe(50); // error
    expect(lines(RETRIED)).toEqual([]);
    await h.database.db.execute(sql`DELETE FROM outbox WHERE event_id = ${tooLong.id}`);
  });

  // A too-long row is refused before any call, so it is marked failed for good even when the call for the rows
  // beside it fails (SNS unreachable): that step must still name it, as it is never claimed, so never named, again.
  it('when a row past SNS\'s limit is claimed in a step whose call to SNS fails, then it is still named once at error', async () => {
    const [beside, tooLong] = [noteAddedEvent('beside'), noteAddedEvent('x'.repeat(300_000))];
    await h.database.db.transaction(async (tx) => {
      await enqueue(tx, beside);
      await tx.execute(sql`INSERT INTO outbox (event_id, type, payload) VALUES (${tooLong.id}, ${tooLong.type}, ${JSON.stringify(tooLong)}::jsonb)`);
    });
    const [row] = (await h.database.db.execute<{ seq: string }>(sql`SELECT seq::text AS seq FROM outbox WHERE event_id = ${tooLong.id}`)).rows;
    // A topic that does not exist: the call for the row beside it fails as a whole, as when SNS cannot be reached.
    const relay = h.relay({ publisher: createPublisher(h.clients.sns, `${h.bus.topicArn}-gone`) });
    await relay.start();
    try {
      await waitFor('the row failed', status, (s) => s.failed === 1);
    } finally {
      await relay.stop();
      await h.database.db.execute(sql`DELETE FROM outbox WHERE event_id IN (${tooLong.id}, ${beside.id})`);
    }
    const named = lines(ABANDONED).filter((line) => (line.abandoned as Array<{ seq: string }>).some((entry) => entry.seq === row?.seq));
    expect(named.map((line) => line.level)).toEqual([50]);
  });

  it('when SNS rejects a row for another reason, then it is retried, not failed, and goes out once SNS takes it', async () => {
    const refusedOnce = new Set<string>();
    // fauxqs cannot be made to fail one entry of a batch: the real publisher, with one entry's first answer turned
    // into the Failed entry SNS gives for a passing fault.
    const flaky: Publisher = {
      publish: async (messages) => {
        const first = messages.find((message) => !refusedOnce.has(message.key));
        if (!first) return h.publisher.publish(messages);
        refusedOnce.add(first.key);
        const outcome = await h.publisher.publish(messages.filter((message) => message !== first));
        return { ...outcome, failed: [...outcome.failed, { key: first.key, reason: 'InternalError: try again' }] };
      },
    };
    const [id] = await h.produce(1, 'flaky');
    const relay = h.relay({ publisher: flaky });
    const consumer = h.consumer();
    await Promise.all([relay.start(), consumer.start()]);
    try {
      await waitFor('the effect', h.effects, delivered([id!]));
    } finally {
      await Promise.all([relay.stop(), consumer.stop()]);
    }
    expect(await status()).toMatchObject({ pending: 0, failed: 0 });
    expect(lines(RETRIED).at(-1)).toMatchObject({ rejected: [{ type: 'test.note.added', reason: 'InternalError: try again' }] });
  });
});
