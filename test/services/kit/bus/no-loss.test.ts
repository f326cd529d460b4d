import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxStatus } from '../../../../services/kit/outbox/status';
import type { NoteAdded } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

const N = 300;
const ROUNDS = 6;

/** A stable pseudo-random pick, so a failure replays the same faults. */
const picked = (id: string, percent: number) => createHash('sha1').update(id).digest()[0]! % 100 < percent;

describe('bus: nothing lost, nothing doubled', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('noloss');
  });
  afterAll(() => h?.close());

  const queueDepth = async () => {
    const { Attributes = {} } = await h.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: h.queue.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  };

  it(`when ${N} events flow through consumer restarts, duplicate sends, crashes after commit and an emulator restart, then the effects are exactly the events`, { timeout: 120_000 }, async () => {
    const crashed = new Set<string>();
    // 5% of events crash the consumer between its commit and its delete, once each.
    const afterCommit = (event: NoteAdded) => {
      if (picked(event.id, 5) && !crashed.has(event.id)) {
        crashed.add(event.id);
        throw new Error('simulated crash after commit');
      }
    };
    const relay = h.relay();
    let consumer = h.consumer({ afterCommit, pollers: 2 });
    await Promise.all([relay.start(), consumer.start()]);
    const ids: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        ids.push(...(await h.produce(N / ROUNDS, `round ${round}`)));
        if (round === 1) {
          // Consumer restart: a new one starts while the old one stops with work in hand.
          const next = h.consumer({ afterCommit, pollers: 2 });
          await next.start();
          await consumer.stop();
          consumer = next;
        }
        if (round === 2) {
          // Duplicate sends: every seventh row already sent goes out again.
          await h.database.db.execute(sql`UPDATE outbox SET sent_at = NULL WHERE sent_at IS NOT NULL AND seq % 7 = 0`);
          relay.wake();
        }
        if (round === 3) await h.emulator.restart();
      }
      await waitFor('every event handled', h.effects, (effects) => ids.every((id) => effects.has(id)), 60_000);
      await waitFor('an empty outbox and queue', async () => (await outboxStatus(h.database.pool)).pending + (await queueDepth()), (left) => left === 0, 30_000);
    } finally {
      await Promise.all([relay.stop(), consumer.stop()]);
    }
    const effects = await h.effects();
    const republished = await h.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM outbox WHERE attempts > 1`);
    const expected = new Set(ids);
    const report = {
      events: ids.length,
      effects: [...effects.values()].reduce((sum, n) => sum + n, 0),
      lost: ids.filter((id) => !effects.has(id)).length,
      duplicated: [...effects.values()].filter((n) => n > 1).length,
      unexpected: [...effects.keys()].filter((id) => !expected.has(id)).length,
      // The faults really happened: rows sent twice, and deliveries that crashed after their commit.
      republished: republished.rows[0]?.n ?? 0,
      crashesAfterCommit: crashed.size,
    };
    expect(report).toMatchObject({ events: N, effects: N, lost: 0, duplicated: 0, unexpected: 0 });
    expect(report.republished).toBeGreaterThan(0);
    expect(report.crashesAfterCommit).toBeGreaterThan(0);
  });
});
