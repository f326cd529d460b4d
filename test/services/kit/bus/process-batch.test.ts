import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { listDeadLetters } from '../../../../services/kit/bus/dead-letter-tools';
import { handleOnce } from '../../../../services/kit/inbox/handle-once';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

describe('bus: what a failing event leaves in the logs and the dead-letter queue', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('failures');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.useNewQueue());

  const deadLetters = () => listDeadLetters(h.clients.sqs, h.queue.deadLetterQueueUrl, undefined, { waitTimeSeconds: 0 });
  const linesOf = (eventId: string) => h.lines.filter((line) => line.eventId === eventId);

  it('when a handler\'s statement fails, then every failure line and the dead letter name the database\'s reason, and not the statement\'s parameters', async () => {
    const event = noteAddedEvent('statement times out');
    await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: JSON.stringify(event), MessageAttributes: eventAttributes(event.type, {}) }));
    const consumer = h.consumer({
      handle: (e) =>
        handleOnce(h.database.db, 'notes', e, async (tx) => {
          await tx.execute(sql`SET LOCAL statement_timeout = 20`);
          await tx.execute(sql`SELECT pg_sleep(1), ${'ann@example.com'}::text`);
        }).then(() => {}),
    });
    await consumer.start();
    try {
      const [letter] = await waitFor('a dead letter', deadLetters, (letters) => letters.length === 1);
      expect(letter?.reason).toMatch(/^handler failed: .*caused by error 57014: canceling statement due to statement timeout$/);
      expect(letter?.reason).not.toContain('ann@example.com');
    } finally {
      await consumer.stop();
    }
    const lines = linesOf(event.id);
    expect(lines).toHaveLength(h.queue.maxReceiveCount);
    for (const line of lines) {
      expect(line.reason).toMatch(/57014: canceling statement due to statement timeout/);
      expect(JSON.stringify(line)).not.toContain('ann@example.com');
    }
    await h.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: h.queue.deadLetterQueueUrl }));
  });
});
