import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { listDeadLetters } from '../../../../services/kit/bus/dead-letter-tools';
import { handleOnce } from '../../../../services/kit/inbox/handle-once';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

/** Past this, the container's log driver splits a line into pieces that are no JSON. */
const LOG_DRIVER_LINE_MAX = 16 * 1024;

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

  it('when a message carries a huge id, type, body and correlation, then each of its failure lines stays short and names it, and it is dead-lettered', async () => {
    const id = `poison-${'i'.repeat(100_000)}`;
    const poison = { ...noteAddedEvent('x'), id, type: 't'.repeat(50_000), data: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`field${i}`, i])) };
    const { MessageId } = await h.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.queue.queueUrl,
        MessageBody: JSON.stringify(poison),
        MessageAttributes: eventAttributes('test.note.added', { requestId: 'r'.repeat(20_000), traceparent: `00-${'f'.repeat(20_000)}` }),
      }),
    );
    const consumer = h.consumer();
    await consumer.start();
    try {
      const [letter] = await waitFor('a dead letter', deadLetters, (letters) => letters.length === 1);
      expect(letter?.reason).toMatch(/^invalid event: /);
    } finally {
      await consumer.stop();
    }
    const lines = h.lines.filter((line) => line.messageId === MessageId);
    expect(lines.map((line) => line.msg)).toEqual([...Array(h.queue.maxReceiveCount - 1).fill('event failed; it will be redelivered'), 'event dead-lettered']);
    for (const line of lines) {
      expect(JSON.stringify(line).length).toBeLessThan(LOG_DRIVER_LINE_MAX);
      // Still found by what it carries, under the message id in place of a request id no producer writes.
      expect(line).toMatchObject({ eventId: expect.stringMatching(/^poison-i+…$/), type: expect.stringMatching(/^t+…$/), requestId: MessageId });
      expect(line.traceparent).toBeUndefined();
    }
    await h.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: h.queue.deadLetterQueueUrl }));
  });
});
