/**
 * enqueue() against SNS's limit: 262,144 bytes for a message's body and attributes together, AWS's figure stated
 * here rather than read from the code under test. An event past it could never be published, so it must fail its
 * transaction rather than commit a row no relay can deliver. PostgreSQL and fauxqs are real.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithContext } from '../../../../services/kit/context';
import { enqueue } from '../../../../services/kit/outbox/enqueue';
import { outboxStatus } from '../../../../services/kit/outbox/status';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { notes } from '../../../../harness/notes/schema';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

const SNS_MAX_PAYLOAD_BYTES = 262_144;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const REQUEST_ID = 'req-size';
/** What SNS counts besides the body: each attribute's name, data type ("String") and value. */
const ATTRIBUTE_BYTES = ['type', 'test.note.added', 'requestId', REQUEST_ID, 'traceparent', TRACEPARENT].join('').length + 3 * 'String'.length;

/** A note event of exactly `total` bytes with its attributes; its text is made of two-byte characters, as far as it goes. */
function eventOfSize(total: number) {
  const empty = noteAddedEvent('');
  const textBytes = total - ATTRIBUTE_BYTES - Buffer.byteLength(JSON.stringify(empty));
  const text = 'é'.repeat(Math.floor(textBytes / 2)) + 'x'.repeat(textBytes % 2);
  const event = { ...empty, data: { text } };
  expect(Buffer.byteLength(JSON.stringify(event)) + ATTRIBUTE_BYTES).toBe(total);
  return event;
}

const sameLengthOtherId = (id: string) => `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`;

describe('enqueue and SNS\'s size limit', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('outbox-size');
  });
  afterAll(() => h?.close());

  const inRequest = <T>(work: () => Promise<T>) => runWithContext({ requestId: REQUEST_ID, traceparent: TRACEPARENT }, work);

  it('when an event is one byte past 256 KiB with its attributes, then enqueue throws in the transaction, and neither it nor the change beside it is committed', async () => {
    const tooLong = eventOfSize(SNS_MAX_PAYLOAD_BYTES + 1);
    const attempt = inRequest(() =>
      h.database.db.transaction(async (tx) => {
        await tx.insert(notes).values({ eventId: tooLong.id, text: 'the state change' });
        await enqueue(tx, noteAddedEvent('beside it'), tooLong);
      }),
    );
    await expect(attempt).rejects.toMatchObject({ name: 'OutboxEventTooLargeError', message: expect.stringMatching(/test\.note\.added.* 262145 bytes with its attributes, over 262144/) });
    const { rows } = await h.database.db.execute(sql`SELECT (SELECT count(*) FROM notes)::int AS notes, (SELECT count(*) FROM outbox)::int AS events`);
    expect(rows[0]).toEqual({ notes: 0, events: 0 });
  });

  it('when an event is exactly 256 KiB with its attributes, then it is written and the relay publishes it; with a request id one character longer, it is refused', async () => {
    const atLimit = eventOfSize(SNS_MAX_PAYLOAD_BYTES);
    await inRequest(() => h.database.db.transaction((tx) => enqueue(tx, atLimit)));
    const longerId = runWithContext({ requestId: `${REQUEST_ID}x`, traceparent: TRACEPARENT }, () =>
      h.database.db.transaction((tx) => enqueue(tx, { ...atLimit, id: sameLengthOtherId(atLimit.id) })),
    );
    await expect(longerId).rejects.toMatchObject({ name: 'OutboxEventTooLargeError' });
    // The relay measures as enqueue did: the row it was given goes out, not refused as too long.
    const relay = h.relay();
    await relay.start();
    try {
      const status = await waitFor('the row sent', () => outboxStatus(h.database.pool), (s) => s.sent === 1 || s.retrying + s.failed > 0);
      expect(status).toMatchObject({ sent: 1, pending: 0, failed: 0, lastError: null });
    } finally {
      await relay.stop();
    }
  });
});
