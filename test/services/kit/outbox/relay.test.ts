import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../../services/kit/bus/publisher';
import { runWithContext } from '../../../../services/kit/context';
import { enqueue } from '../../../../services/kit/outbox/enqueue';
import { pruneOutbox } from '../../../../services/kit/outbox/prune';
import { outboxStatus } from '../../../../services/kit/outbox/status';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';
import { outbox } from '../../../../harness/notes/schema';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('outbox relay', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('outbox');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.useNewQueue());

  const status = () => outboxStatus(h.database.pool);
  const allDelivered = (ids: readonly string[]) => (effects: Map<string, number>) => ids.every((id) => effects.has(id));
  const counts = async (ids: readonly string[]) => {
    const effects = await h.effects();
    return ids.map((id) => effects.get(id) ?? 0);
  };

  it('when the transaction rolls back, then no event is kept; when it commits, then the row carries the request context', async () => {
    const lost = noteAddedEvent('rolled back');
    await h.database.db
      .transaction(async (tx) => {
        await enqueue(tx, lost);
        tx.rollback();
      })
      .catch(() => {});
    const kept = noteAddedEvent('committed');
    await runWithContext({ requestId: 'req-1', traceparent: TRACEPARENT }, () => h.database.db.transaction((tx) => enqueue(tx, kept)));
    const rows = await h.database.db.select().from(outbox);
    expect(rows.map((row) => row.eventId)).toEqual([kept.id]);
    expect(rows[0]).toMatchObject({ type: kept.type, payload: kept, requestId: 'req-1', traceparent: TRACEPARENT, sentAt: null });
  });

  it('when a transaction commits, then the relay is woken right away and the event is delivered', async () => {
    // The sweep is an hour away: only the signal sent when the transaction ends can wake this relay.
    const relay = h.relay({ sweepIntervalMs: 3_600_000 });
    const consumer = h.consumer();
    await Promise.all([relay.start(), consumer.start()]);
    try {
      await waitFor('the earlier row sent', status, (s) => s.pending === 0);
      const ids = await h.produce(5, 'woken');
      await waitFor('5 effects', h.effects, allDelivered(ids));
      expect((await status()).pending).toBe(0);
    } finally {
      await Promise.all([relay.stop(), consumer.stop()]);
    }
  });

  it('when events are written outside a transaction or in a nested one, then the relay is still woken right away', async () => {
    const relay = h.relay({ sweepIntervalMs: 3_600_000 });
    const consumer = h.consumer();
    await Promise.all([relay.start(), consumer.start()]);
    try {
      await waitFor('the earlier rows sent', status, (s) => s.pending === 0);
      const alone = noteAddedEvent('autocommit');
      await enqueue(h.database.db, alone);
      const nested = noteAddedEvent('savepoint');
      await h.database.db.transaction((tx) => tx.transaction((inner) => enqueue(inner, nested)));
      await waitFor('both effects', h.effects, allDelivered([alone.id, nested.id]));
    } finally {
      await Promise.all([relay.stop(), consumer.stop()]);
    }
  });

  it('when the emulator is down while producing, then writes succeed, the outbox holds the events, and after a restart each is delivered once', async () => {
    const relay = h.relay();
    const consumer = h.consumer();
    await Promise.all([relay.start(), consumer.start()]);
    try {
      await h.emulator.stop();
      const ids = await h.produce(20, 'outage');
      await waitFor('failed publish attempts', status, (s) => s.retrying === 20);
      expect(await status()).toMatchObject({ pending: 20 });
      await h.emulator.restart();
      await waitFor('20 effects', h.effects, allDelivered(ids));
      expect(await counts(ids)).toEqual(ids.map(() => 1));
      expect((await status()).pending).toBe(0);
    } finally {
      await Promise.all([relay.stop(), consumer.stop()]);
    }
  });

  it('when two relays run side by side, then no row is published twice', { timeout: 60_000 }, async () => {
    const published = new Map<string, number>();
    // The real publisher, counting what each call got accepted.
    const recording = (): Publisher => ({
      publish: async (messages) => {
        const outcome = await h.publisher.publish(messages);
        for (const key of outcome.published) published.set(key, (published.get(key) ?? 0) + 1);
        return outcome;
      },
    });
    const ids = await h.produce(300, 'pair');
    const relays = [h.relay({ publisher: recording(), batchSize: 20 }), h.relay({ publisher: recording(), batchSize: 20 })];
    await Promise.all(relays.map((relay) => relay.start()));
    try {
      await waitFor('an empty outbox', status, (s) => s.pending === 0);
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
    expect(published.size).toBeGreaterThanOrEqual(ids.length);
    expect([...published.values()].filter((times) => times > 1)).toEqual([]);
  });

  it('when sent rows are older than the retention, then pruning deletes them and keeps unsent and recent ones', async () => {
    await h.database.db.execute(sql`UPDATE outbox SET sent_at = now() - interval '2 days' WHERE sent_at IS NOT NULL`);
    const [recent] = await h.produce(1, 'recent');
    await h.database.db.execute(sql`UPDATE outbox SET sent_at = now() WHERE event_id = ${recent}`);
    const [unsent] = await h.produce(1, 'unsent');
    const before = await status();
    const pruned = await pruneOutbox(h.database.pool, 24 * 3_600_000);
    expect(pruned).toBe(before.sent - 1);
    const left = await h.database.db.select({ eventId: outbox.eventId }).from(outbox);
    expect(left.map((row) => row.eventId).sort()).toEqual([recent, unsent].sort());
  });

  it('when more sent rows are past the retention than one pruning run deletes, then the next run comes after pruneCatchUpMs, not an hour later, and takes the rest', { timeout: 60_000 }, async () => {
    // Half as many again as one run deletes (OUTBOX_PRUNE_RUN_MAX): an hour of a busy service.
    await h.database.db.execute(sql`
      INSERT INTO outbox (event_id, type, payload, created_at, sent_at)
      SELECT 'aged-' || n, 'test.note.added', '{}'::jsonb, now() - interval '8 days', now() - interval '8 days' FROM generate_series(1, 150000) AS n`);
    const aged = async () => (await h.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM outbox WHERE event_id LIKE 'aged-%'`)).rows[0]?.n;
    const relay = h.relay({ pruneIntervalMs: 3_600_000, pruneCatchUpMs: 100 });
    await relay.start();
    try {
      await waitFor('every aged row pruned', aged, (n) => n === 0, 40_000);
    } finally {
      await relay.stop();
    }
    expect(h.lines.filter((line) => line.msg === 'pruned sent outbox rows').map((line) => line.pruned)).toEqual([100_000, 50_000]);
  });
});
