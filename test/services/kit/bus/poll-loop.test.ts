/**
 * The consumer's poll loop when processing a batch throws what nothing in it expected: a handler's throw that the
 * failure line could not describe did it; a log sink that breaks once, given through the consumer's options,
 * stands for whatever else may. The consumer goes on.
 */
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';

let h: BusHarness;
beforeAll(async () => {
  h = await startBusHarness('poll-loop');
});
afterAll(() => h?.close());

/** The harness's logger, except that its first line with each message of `msgs` throws instead of being written. */
function breakingOnce(...msgs: string[]): Logger {
  const broken = new Set<string>();
  return new Proxy(h.logger, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if ((key !== 'warn' && key !== 'error') || typeof value !== 'function') return value;
      return (fields: unknown, text?: string) => {
        if (text !== undefined && msgs.includes(text) && !broken.has(text)) {
          broken.add(text);
          throw new Error('the log sink broke');
        }
        return (value as (...args: unknown[]) => void).call(target, fields, text);
      };
    },
  });
}

const send = (event: ReturnType<typeof noteAddedEvent>) =>
  h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: JSON.stringify(event), MessageAttributes: eventAttributes(event.type, {}) }));

describe('the consumer\'s poll loop', { timeout: 30_000 }, () => {
  it('when processing a batch throws unexpectedly, then the loop logs it as an error and goes on: that batch is redelivered, later events are consumed', async () => {
    const first = noteAddedEvent('fails once, and its failure line breaks the logger');
    let attempts = 0;
    const consumer = h.consumer({
      logger: breakingOnce('event failed; it will be redelivered'),
      beforeEffect: (event) => {
        if (event.id === first.id && ++attempts === 1) throw new Error('first attempt fails');
      },
    });
    await send(first);
    await consumer.start();
    try {
      await waitFor('the unexpected failure logged', async () => h.lines.filter((line) => line.msg === 'processing a batch failed unexpectedly; its messages will be redelivered'), (lines) => lines.length === 1);
      const later = noteAddedEvent('sent after it');
      await send(later);
      const effects = await waitFor('both consumed', () => h.effects(), (seen) => seen.has(first.id) && seen.has(later.id));
      expect([effects.get(first.id), effects.get(later.id)]).toEqual([1, 1]);
    } finally {
      await consumer.stop();
    }
    const [line] = h.lines.filter((l) => l.msg === 'processing a batch failed unexpectedly; its messages will be redelivered');
    expect(line).toMatchObject({ level: 50, consumer: 'notes', messages: 1, err: { message: 'the log sink broke' } });
  });

  it('when the line saying a batch failed unexpectedly cannot be written either, then the loop still goes on', async () => {
    await h.useNewQueue();
    const first = noteAddedEvent('fails once; its failure line and the line about that break the logger');
    let attempts = 0;
    const consumer = h.consumer({
      logger: breakingOnce('event failed; it will be redelivered', 'processing a batch failed unexpectedly; its messages will be redelivered'),
      beforeEffect: (event) => {
        if (event.id === first.id && ++attempts === 1) throw new Error('first attempt fails');
      },
    });
    await send(first);
    await consumer.start();
    try {
      await waitFor('the failed attempt', async () => attempts, (count) => count === 1);
      const later = noteAddedEvent('sent after it');
      await send(later);
      const effects = await waitFor('both consumed', () => h.effects(), (seen) => seen.has(first.id) && seen.has(later.id));
      expect([effects.get(first.id), effects.get(later.id)]).toEqual([1, 1]);
    } finally {
      await consumer.stop();
    }
  });

  it('when processing a batch throws unexpectedly while another of its handlers still runs, then stop() waits for that handler', async () => {
    await h.useNewQueue();
    const slow = noteAddedEvent('handled slowly');
    const failing = noteAddedEvent('fails, and its failure line breaks the logger');
    const seen = { slowStarted: false, slowDone: false, failed: false };
    const consumer = h.consumer({
      logger: breakingOnce('event failed; it will be redelivered'),
      handle: async (event) => {
        if (event.id === failing.id) {
          seen.failed = true;
          throw new Error('it fails');
        }
        seen.slowStarted = true;
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        seen.slowDone = true;
      },
    });
    await send(slow);
    await send(failing);
    await consumer.start();
    await waitFor('both handlers started', async () => seen, (now) => now.slowStarted && now.failed);
    await consumer.stop();
    expect(seen.slowDone).toBe(true);
  });

  it('when a receive fails and the line saying so cannot be written, then the loop goes on', async () => {
    await h.useNewQueue();
    let failedOnce = false;
    const sqs = new Proxy(h.clients.sqs, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key !== 'send' || typeof value !== 'function') return value;
        return (command: unknown, ...rest: unknown[]) => {
          if (command instanceof ReceiveMessageCommand && !failedOnce) {
            failedOnce = true;
            return Promise.reject(new Error('the emulator blinked'));
          }
          return (value as (...args: unknown[]) => unknown).call(target, command, ...rest);
        };
      },
    });
    const event = noteAddedEvent('received after a failed receive');
    const consumer = h.consumer({ sqs, logger: breakingOnce('receive failed') });
    await send(event);
    await consumer.start();
    try {
      await waitFor('the event consumed', () => h.effects(), (seen) => seen.get(event.id) === 1);
    } finally {
      await consumer.stop();
    }
    expect(failedOnce).toBe(true);
  });

  it('when a handler throws a value that cannot be made text (an object with no prototype), then that event fails like any other, with a reason, and the loop goes on', async () => {
    await h.useNewQueue();
    const odd = noteAddedEvent('its handler throws a bare object');
    let attempts = 0;
    const consumer = h.consumer({
      beforeEffect: (event) => {
        if (event.id === odd.id && ++attempts === 1) throw Object.create(null) as unknown;
      },
    });
    await send(odd);
    await consumer.start();
    try {
      await waitFor('the event consumed on its redelivery', () => h.effects(), (seen) => seen.get(odd.id) === 1);
    } finally {
      await consumer.stop();
    }
    const failures = h.lines.filter((line) => line.eventId === odd.id && line.msg === 'event failed; it will be redelivered');
    expect(failures.map((line) => line.reason)).toEqual(['handler failed: unprintable [Object: null prototype] {}']);
  });
});
