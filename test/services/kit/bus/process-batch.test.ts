import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { listDeadLetters } from '../../../../services/kit/bus/dead-letter-tools';
import { createDatabase } from '../../../../services/kit/db/database';
import { handleOnce } from '../../../../services/kit/inbox/handle-once';
import { noteAddedEvent, type NoteAdded } from '../../../../harness/notes/events';
import * as schema from '../../../../harness/notes/schema';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';
import { startSilentProxy } from '../../../support/silent-proxy';

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

  it('when a message is an SNS envelope with a null attribute (sent to the queue by hand), then the event it wraps is handled, and so are the events beside it', async () => {
    const wrapped = noteAddedEvent('in the odd envelope');
    const beside = noteAddedEvent('beside it');
    const envelope = { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:000000000000:x', Message: JSON.stringify(wrapped), MessageAttributes: { type: null } };
    await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: JSON.stringify(envelope) }));
    await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: JSON.stringify(beside), MessageAttributes: eventAttributes(beside.type, {}) }));
    // Reading it threw before any handler ran: the batch's poll loop died (an unhandled rejection), and with it
    // the consumer; restarted, it died on it again, each time raising the receive count of the batch beside it.
    const consumer = h.consumer();
    await consumer.start();
    try {
      const effects = await waitFor('both effects', () => h.effects(), (seen) => seen.size === 2);
      expect([effects.get(wrapped.id), effects.get(beside.id)]).toEqual([1, 1]);
    } finally {
      await consumer.stop();
    }
    expect(await deadLetters()).toEqual([]);
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

  it('when a handler\'s database connection goes silent, then its message is given back after handlerTimeoutSeconds, saying so, and the events behind it are handled meanwhile', { timeout: 60_000 }, async () => {
    // The handler of `stalled` reaches the database through a proxy that then goes silent under its open connection.
    const server = new URL((h.database.pool as unknown as { options: { connectionString: string } }).options.connectionString);
    const proxy = await startSilentProxy({ host: server.hostname, port: Number(server.port) });
    const viaProxy = createDatabase({ connectionString: Object.assign(new URL(server), { port: String(proxy.port) }).toString(), schema, logger: h.logger, poolMax: 1 });
    await viaProxy.pool.query('SELECT 1'); // its one connection is open before the silence
    const addNote = (db: typeof h.database.db, event: NoteAdded) =>
      handleOnce(db, 'notes', event, async (tx) => {
        await tx.insert(schema.notes).values({ eventId: event.id, text: event.data.text });
      });
    const stalled = noteAddedEvent('its connection goes silent');
    const behind = noteAddedEvent('sent after it');
    const send = (event: NoteAdded) =>
      h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: JSON.stringify(event), MessageAttributes: eventAttributes(event.type, {}) }));
    const consumer = h.consumer({
      handlerTimeoutSeconds: 2,
      retrySeconds: { base: 60, max: 60 }, // given back, it stays away for the rest of the test
      handle: async (event) => void (await addNote(event.id === stalled.id ? viaProxy.db : h.database.db, event)),
    });
    proxy.freeze();
    await send(stalled);
    await consumer.start();
    try {
      const [given] = await waitFor('the stalled handler given up', async () => linesOf(stalled.id), (lines) => lines.length > 0, 10_000);
      expect(given).toMatchObject({ msg: 'event failed; it will be redelivered', reason: 'handler failed: HandlerTimeoutError: still running after 2 s; its message is given back for redelivery' });
      await send(behind);
      await waitFor('the event behind it handled', h.effects, (effects) => effects.get(behind.id) === 1, 10_000);
      // The silent connection speaks again: the first handler commits after all, and only it.
      proxy.thaw();
      await waitFor('the stalled event\'s late effect', h.effects, (effects) => effects.get(stalled.id) === 1, 10_000);
      expect(await addNote(h.database.db, stalled)).toBe(false);
    } finally {
      proxy.thaw();
      await consumer.stop();
      await viaProxy.close();
      await proxy.close();
    }
  });
});
