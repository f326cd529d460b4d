import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { listDeadLetters } from '../../../../services/kit/bus/dead-letter-tools';
import { redriveDeadLetters } from '../../../../services/kit/bus/redrive-dead-letters';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

describe('bus: bad events end in the dead-letter queue', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('dlq');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.useNewQueue());

  const send = (body: unknown, type = 'test.note.added') =>
    h.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: JSON.stringify(body), MessageAttributes: eventAttributes(type, { requestId: 'req-bad' }) }),
    );
  // fauxqs answers every receive from all of its messages, so nothing is missed without waiting (SQS's 1 s).
  const scan = { waitTimeSeconds: 0 };
  const deadLetters = () => listDeadLetters(h.clients.sqs, h.queue.deadLetterQueueUrl, undefined, scan);

  it('when an event fails its schema, then after maxReceiveCount receives it is dead-lettered with its reason, and every failure is logged', async () => {
    const invalid = { ...noteAddedEvent('x'), data: { text: '' } };
    await send(invalid);
    const consumer = h.consumer();
    await consumer.start();
    try {
      const [letter] = await waitFor('a dead letter', deadLetters, (letters) => letters.length === 1);
      expect(letter).toMatchObject({ eventId: invalid.id, type: 'test.note.added', receiveCount: h.queue.maxReceiveCount });
      expect(letter?.reason).toMatch(/^invalid event: .*text/s);
    } finally {
      await consumer.stop();
    }
    const failures = h.lines.filter((line) => line.eventId === invalid.id);
    expect(failures.map((line) => line.msg)).toEqual([...Array(h.queue.maxReceiveCount - 1).fill('event failed; it will be redelivered'), 'event dead-lettered']);
    expect(failures.every((line) => String(line.reason).startsWith('invalid event') && line.requestId === 'req-bad')).toBe(true);
    expect((await h.effects()).has(invalid.id)).toBe(false);
    await h.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: h.queue.deadLetterQueueUrl }));
  });

  it('when a handler keeps failing, then the event is dead-lettered, and a redrive after the fix delivers it once', async () => {
    const event = noteAddedEvent('needs a fix');
    await send(event);
    let fixed = false;
    const consumer = h.consumer({
      beforeEffect: (e) => {
        if (!fixed && e.id === event.id) throw new Error('downstream is broken');
      },
    });
    await consumer.start();
    try {
      const [letter] = await waitFor('a dead letter', deadLetters, (letters) => letters.length === 1);
      expect(letter).toMatchObject({ eventId: event.id, reason: 'handler failed: Error: downstream is broken' });
      fixed = true;
      expect(await redriveDeadLetters(h.clients.sqs, h.queue.deadLetterQueueUrl, h.queue.queueUrl, scan)).toBe(1);
      await waitFor('the effect', h.effects, (effects) => effects.get(event.id) === 1);
      expect(await deadLetters()).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });

  it('when the consumer never gets to dead-letter a message itself, then the redrive policy moves it after maxReceiveCount', async () => {
    const event = noteAddedEvent('crashes every time');
    await send(event);
    let receives = 0;
    const consumer = h.consumer({
      // As if the process died on this message each time: it never reaches its own last-failure forwarding.
      deadLetter: { queueUrl: h.queue.deadLetterQueueUrl, maxReceiveCount: Number.MAX_SAFE_INTEGER },
      beforeEffect: (e) => {
        if (e.id === event.id) receives++;
        throw new Error('crash');
      },
    });
    await consumer.start();
    try {
      const [letter] = await waitFor('a dead letter', deadLetters, (letters) => letters.length === 1);
      expect(letter).toMatchObject({ eventId: event.id, receiveCount: undefined });
      expect(letter?.reason).toMatch(/redrive policy/);
      // At most: a long poll abandoned by an earlier consumer may take one receive without running the handler.
      expect(receives).toBeLessThanOrEqual(h.queue.maxReceiveCount);
    } finally {
      await consumer.stop();
    }
  });
});
