import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { currentContext, type RequestContext } from '../../../../services/kit/context';
import { noteAddedEvent, type NoteAdded } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';
import { within } from '../../../support/within';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('bus: publish and consume', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('publish');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.useNewQueue());

  /** Sends one event straight to the queue, as a raw-delivery subscription would. */
  const send = (event: ReturnType<typeof noteAddedEvent>, requestId = 'req-direct') =>
    h.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.queue.queueUrl,
        MessageBody: JSON.stringify(event),
        MessageAttributes: eventAttributes(event.type, { requestId, traceparent: TRACEPARENT }),
      }),
    );

  it('when 25 events are published in batches, then each is consumed once with its correlation', async () => {
    const events = Array.from({ length: 25 }, (_, i) => noteAddedEvent(`batch ${i}`));
    const outcome = await h.publisher.publish(
      events.map((event, i) => ({ key: event.id, type: event.type, body: JSON.stringify(event), correlation: { requestId: `req-${i}`, traceparent: TRACEPARENT } })),
    );
    expect(outcome.failed).toEqual([]);
    const contexts = new Map<string, RequestContext | undefined>();
    const consumer = h.consumer({ afterCommit: (event: NoteAdded) => contexts.set(event.id, currentContext()) });
    await consumer.start();
    try {
      // The context is recorded just after the commit, so an effect can be seen a moment before its context.
      const handled = (seen: Map<string, number>) => events.every((event) => seen.has(event.id) && contexts.has(event.id));
      const effects = await waitFor('25 effects and their contexts', h.effects, handled);
      expect([...effects.values()].every((count) => count === 1)).toBe(true);
      events.forEach((event, i) => expect(contexts.get(event.id)).toEqual({ requestId: `req-${i}`, traceparent: TRACEPARENT }));
    } finally {
      await consumer.stop();
    }
  });

  it('when the same message is delivered twice, then it has one effect', async () => {
    const event = noteAddedEvent('twice');
    await send(event);
    await send(event);
    const handled: string[] = [];
    const consumer = h.consumer({ afterCommit: (e: NoteAdded) => handled.push(e.id) });
    await consumer.start();
    try {
      await waitFor('both deliveries', async () => handled.filter((id) => id === event.id).length, (n) => n === 2);
      expect((await h.effects()).get(event.id)).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it('when the consumer crashes after its commit and before the delete, then the redelivery has no second effect', async () => {
    const event = noteAddedEvent('crash after commit');
    await send(event);
    let deliveries = 0;
    const consumer = h.consumer({
      afterCommit: (e: NoteAdded) => {
        if (e.id === event.id && ++deliveries === 1) throw new Error('simulated crash between commit and delete');
      },
    });
    await consumer.start();
    try {
      await waitFor('the redelivery', async () => deliveries, (n) => n >= 2);
      expect((await h.effects()).get(event.id)).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it('when a handler outlives the visibility timeout, then its message is not delivered again meanwhile', { timeout: 30_000 }, async () => {
    const event = noteAddedEvent('slow handler');
    await send(event);
    let starts = 0;
    let finished!: () => void;
    const handled = new Promise<void>((resolve) => (finished = resolve));
    const consumer = h.consumer({
      // A heartbeat every second keeps a 6 s visibility alive: a stall of a few seconds on a busy host is absorbed
      // (fauxqs runs in its own process, so its clock goes on while this one stalls).
      visibilityTimeoutSeconds: 6,
      heartbeatSeconds: 1,
      pollers: 2, // a second poller would receive the message if its visibility lapsed
      handle: async (e) => {
        if (e.id !== event.id) return;
        starts++;
        // Half as long again as the visibility timeout: without the heartbeat, the second poller would get it.
        await new Promise((resolve) => setTimeout(resolve, 7_500));
        finished();
      },
    });
    await consumer.start();
    try {
      await within(20_000, 'the slow handler finishing', handled);
      expect(starts).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it('when an event is handled, then the consumer logs carry its request id', async () => {
    const event = noteAddedEvent('logged');
    await send(event, 'req-logged');
    const consumer = h.consumer({
      handle: async () => {
        h.logger.info('handling');
      },
    });
    await consumer.start();
    try {
      await waitFor('a log line', async () => h.lines.filter((line) => line.msg === 'handling'), (lines) => lines.length > 0);
      expect(h.lines.find((line) => line.msg === 'handling')).toMatchObject({ requestId: 'req-logged' });
    } finally {
      await consumer.stop();
    }
  });
});
