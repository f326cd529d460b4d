/**
 * The consumer when SQS takes messages but will not settle them: DeleteMessageBatch or ChangeMessageVisibilityBatch
 * fails (the call throws, or answers every entry Failed) while receives still work. A proxy in front of fauxqs fails
 * only those calls, for a while, and counts them.
 */
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { createBusClients, type BusClients } from '../../../../services/kit/bus/clients';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, waitFor, type BusHarness } from '../../../support/bus/harness';
import { everyEntryFailed, internalError, startSqsProxy, type SqsInterception, type SqsProxy } from '../../../support/sqs-proxy';

let h: BusHarness;
let proxy: SqsProxy;
let proxied: BusClients;
beforeAll(async () => {
  h = await startBusHarness('settle-failures');
  proxy = await startSqsProxy(h.emulator.endpoint);
  proxied = createBusClients({ endpoint: proxy.url });
});
afterAll(async () => {
  proxied?.close();
  await proxy?.close();
  await h?.close();
});

/** 100 events, all in the queue before the consumer starts: without pauses it takes 10 batches every visibility timeout (2 s). */
async function backlog(label: string): Promise<string[]> {
  const events = Array.from({ length: 100 }, (_, index) => noteAddedEvent(`${label} ${index}`));
  for (let start = 0; start < events.length; start += 10) {
    const Entries = events.slice(start, start + 10).map((event, index) => ({ Id: `e${index}`, MessageBody: JSON.stringify(event), MessageAttributes: eventAttributes(event.type, {}) }));
    await h.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: h.queue.queueUrl, Entries }));
  }
  return events.map((event) => event.id);
}

/**
 * Pauses of 500, 1000, 2000, 2000… ms, each at least halved by jitter (250, 500, 1000…): in 6 s of failures at most 7
 * of them, so at most 8 batches, and one more whose failure is known only after the next batch was received.
 */
const PAUSE = { base: 500, max: 2_000 };
const MOST_BATCHES = 9;

const callsOf = (action: string, from: number, to = Infinity) => (proxy.calls.get(action) ?? []).filter((at) => at >= from && at < to).length;

async function queueEmpty(): Promise<boolean> {
  const { Attributes } = await h.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: h.queue.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
}

/** Runs a consumer through the proxy while `failing` answers for `action` for `failForMs`, then lets the calls through. */
async function throughOutage(action: string, failing: SqsInterception, failForMs: number, beforeEffect?: () => void) {
  proxy.intercept((called, body) => (called === action ? failing(called, body) : undefined));
  const consumer = h.consumer({ sqs: proxied.sqs, receiveErrorPauseMs: PAUSE, ...(beforeEffect ? { beforeEffect } : {}) });
  const started = Date.now();
  await consumer.start();
  await new Promise((resolve) => setTimeout(resolve, failForMs));
  proxy.intercept(undefined);
  return { consumer, started, recovered: Date.now() };
}

describe('the consumer when settling its batches fails', { timeout: 60_000 }, () => {
  it('when DeleteMessageBatch fails for a while (500), then the consumer pauses with backoff instead of going on at full speed, and once it works again every event is deleted, its effect made once', async () => {
    await h.useNewQueue();
    const ids = await backlog('deletes fail');
    const { consumer, started, recovered } = await throughOutage('DeleteMessageBatch', () => internalError, 6_000);
    try {
      await waitFor('the queue emptied', queueEmpty, (empty) => empty, 30_000);
      const effects = await h.effects();
      expect(ids.map((id) => effects.get(id))).toEqual(ids.map(() => 1));
    } finally {
      await consumer.stop();
    }
    // Each failing call is three requests (the SDK's retries); without the pauses there were 23 calls.
    expect(callsOf('DeleteMessageBatch', started, recovered)).toBeLessThanOrEqual(MOST_BATCHES * 3);
    expect(callsOf('DeleteMessageBatch', recovered)).toBeGreaterThan(0);
  });

  it('when ChangeMessageVisibilityBatch answers every entry Failed, then the consumer pauses as well, and once it works again failing events are retried and then handled', async () => {
    await h.useNewQueue();
    const ids = await backlog('visibility fails');
    let failing = true;
    const { consumer, started, recovered } = await throughOutage('ChangeMessageVisibilityBatch', (_action, body) => everyEntryFailed(body), 6_000, () => {
      if (failing) throw new Error('the handler fails during the outage');
    });
    failing = false;
    try {
      await waitFor('the queue emptied', queueEmpty, (empty) => empty, 30_000);
      const effects = await h.effects();
      expect(ids.map((id) => effects.get(id))).toEqual(ids.map(() => 1));
    } finally {
      await consumer.stop();
    }
    expect(callsOf('ChangeMessageVisibilityBatch', started, recovered)).toBeLessThanOrEqual(MOST_BATCHES);
    const warned = h.lines.filter((line) => line.msg === 'changing message visibility failed' && line.consumer === 'notes');
    expect(warned.length).toBeGreaterThan(0);
  });
});
