import { createServer } from 'node:net';
import { GetQueueAttributesCommand, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { listDeadLetters, receive } from '../../../../services/kit/bus/dead-letter-tools';
import { createDatabase } from '../../../../services/kit/db/database';
import { handleOnce } from '../../../../services/kit/inbox/handle-once';
import { noteAddedEvent, type NoteAdded } from '../../../../harness/notes/events';
import * as schema from '../../../../harness/notes/schema';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

/**
 * Seconds a failing message waits between receives in these tests. The harness's maxReceiveCount is 5, so a message
 * retried to the end reaches the dead-letter queue 4 waits, 40 s, after its first receive; one dead-lettered at once
 * must be there well within the first wait.
 */
const RETRY = { base: 10, max: 10 };
const AT_ONCE_MS = 5_000;

describe('bus: a message that can never be handled reaches the dead-letter queue at once, and only such a message', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('failures');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.useNewQueue());

  const attributes = { ...eventAttributes('test.note.added', { requestId: 'req-malformed' }), origin: { DataType: 'String', StringValue: 'by hand' } };
  const send = async (body: string) => {
    const { MessageId } = await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: body, MessageAttributes: attributes }));
    return MessageId!;
  };
  /** Every dead letter, as SQS holds it; hidden for a minute afterwards, so read it once, at the end. */
  const deadLetterMessages = () => receive(h.clients.sqs, h.queue.deadLetterQueueUrl, 0);
  const deadLetters = () => listDeadLetters(h.clients.sqs, h.queue.deadLetterQueueUrl, undefined, { waitTimeSeconds: 0 });
  const inQueue = async () => {
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;
    const { Attributes } = await h.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: h.queue.queueUrl, AttributeNames: [...names] }));
    return names.reduce((sum, name) => sum + Number(Attributes?.[name] ?? 0), 0);
  };
  const attributesOf = (values: Record<string, MessageAttributeValue> | undefined) =>
    Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, value.StringValue]));

  it('when messages are no JSON or no CloudEvent, then each is dead-lettered at its first receive, within seconds, with its body and attributes as sent and the reason, and leaves the queue', async () => {
    const bodies = ['{"not json', '{"hello":"world"}', 'null', JSON.stringify({ ...noteAddedEvent('x'), specversion: '0.3' })];
    const sent = new Map<string, string>();
    for (const body of bodies) sent.set(await send(body), body);
    const consumer = h.consumer({ retrySeconds: RETRY });
    await consumer.start();
    const started = Date.now();
    try {
      await waitFor('every message dead-lettered', deadLetters, (letters) => letters.length === bodies.length, AT_ONCE_MS);
      expect(Date.now() - started).toBeLessThan(AT_ONCE_MS);
      await waitFor('the queue emptied', inQueue, (count) => count === 0);
    } finally {
      await consumer.stop();
    }
    const letters = await deadLetterMessages();
    expect(letters.map((letter) => letter.Body).sort()).toEqual([...bodies].sort());
    for (const letter of letters) {
      expect(attributesOf(letter.MessageAttributes)).toEqual({
        ...attributesOf(attributes),
        deadLetterReason: expect.stringMatching(/^malformed message: /),
        deadLetterSource: 'notes',
        deadLetterReceiveCount: '1',
      });
    }
    const lines = h.lines.filter((line) => sent.has(String(line.messageId)));
    expect(lines.map((line) => [line.msg, line.level, line.requestId])).toEqual(bodies.map(() => ['malformed message dead-lettered; it is never retried', 50, 'req-malformed']));
  });

  it('when the dead-letter queue refuses a malformed message, then it is given back at once and the redrive policy moves it within seconds, as sent', async () => {
    const body = '{"truncated":';
    await send(body);
    // A dead-letter queue the consumer may not send to (a permission taken away) refuses as one that is gone does.
    const consumer = h.consumer({ retrySeconds: RETRY, deadLetter: { queueUrl: `${h.queue.deadLetterQueueUrl}-gone`, maxReceiveCount: h.queue.maxReceiveCount } });
    await consumer.start();
    const started = Date.now();
    try {
      const [letter] = await waitFor('the dead letter', deadLetters, (letters) => letters.length === 1, AT_ONCE_MS * 2);
      expect(Date.now() - started).toBeLessThan(AT_ONCE_MS * 2);
      expect(letter).toMatchObject({ body, receiveCount: undefined, reason: expect.stringMatching(/redrive policy/) });
    } finally {
      await consumer.stop();
    }
    const [letter] = await deadLetterMessages();
    expect(attributesOf(letter?.MessageAttributes)).toEqual(attributesOf(attributes));
    const refusals = h.lines.filter((line) => line.msg === 'dead-lettering a malformed message failed; it is given back at once');
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(h.queue.maxReceiveCount);
  });

  it('when a malformed message, an event the catalogue refuses and an event whose database is down arrive together, then only the malformed one is dead-lettered at once, the others back off, and nothing is lost', { timeout: 60_000 }, async () => {
    const malformed = await send('<event/>');
    const refused = { ...noteAddedEvent('x'), data: { text: '' } };
    await send(JSON.stringify(refused));
    const waiting = noteAddedEvent('waits for its database');
    await send(JSON.stringify(waiting));
    const down = createDatabase({ connectionString: await urlOfAClosedPort(), schema, logger: h.logger, poolMax: 1 });
    let databaseUp = false;
    const tries: number[] = [];
    const consumer = h.consumer({
      retrySeconds: { base: 3, max: 3 },
      handle: async (event: NoteAdded) => {
        tries.push(Date.now());
        await handleOnce((databaseUp ? h.database : down).db, 'notes', event, async (tx) => {
          await tx.insert(schema.notes).values({ eventId: event.id, text: event.data.text });
        });
      },
    });
    await consumer.start();
    try {
      const [letter] = await waitFor('the malformed message dead-lettered', deadLetters, (letters) => letters.length > 0, AT_ONCE_MS);
      expect(letter).toMatchObject({ messageId: expect.any(String), receiveCount: 1, reason: expect.stringMatching(/^malformed message: /) });
      // The database-down event waits its backoff between tries, as before: a failover sends nothing to the dead-letter queue.
      await waitFor('two tries while the database is down', async () => tries.length, (count) => count >= 2, 10_000);
      expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(2_500);
      databaseUp = true;
      await waitFor('the effect once the database is back', h.effects, (effects) => effects.get(waiting.id) === 1, 10_000);
      expect((await deadLetters()).map((dead) => dead.receiveCount)).toEqual([1]);
    } finally {
      await consumer.stop();
      await down.close();
    }
    const refusedLines = h.lines.filter((line) => line.eventId === refused.id);
    expect(refusedLines.length).toBeGreaterThanOrEqual(2);
    expect(refusedLines.every((line) => line.msg === 'event failed; it will be redelivered' && String(line.reason).startsWith('invalid event: '))).toBe(true);
    expect(Number(refusedLines[1]!.time) - Number(refusedLines[0]!.time)).toBeGreaterThanOrEqual(2_500);
    // Every message accounted for: the malformed one dead-lettered, the refused one still retried, the other handled once.
    expect(await inQueue()).toBe(1);
    expect(h.lines.filter((line) => line.messageId === malformed).map((line) => line.msg)).toEqual(['malformed message dead-lettered; it is never retried']);
    expect(await h.effects()).toEqual(new Map([[waiting.id, 1]]));
  });
});

/** A PostgreSQL URL nothing listens at: connecting is refused, as when the database is down. */
async function urlOfAClosedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `postgres://postgres@127.0.0.1:${port}/down`;
}
