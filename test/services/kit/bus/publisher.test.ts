/**
 * The publisher against SNS's PublishBatch limits as AWS states them: at most 10 entries, and at most 262,144 bytes
 * for all the entries' bodies and attributes together, past which SNS refuses the whole call with
 * BatchRequestTooLong (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html). A message alone past that
 * size is such a call too. The emulator the other bus tests run on (fauxqs) answers that case with a Failed entry
 * instead, so it cannot show the difference: this stand-in applies AWS's rules and records what reached it.
 */
import type { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createPublisher, type OutgoingMessage } from '../../../../services/kit/bus/publisher';

/** AWS's figure, stated here rather than read from the code under test. */
const SNS_MAX_PAYLOAD_BYTES = 262_144;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:platform-test-events';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function snsWithAwsLimits() {
  const calls: string[][] = [];
  const sns = {
    async send(command: PublishBatchCommand) {
      const entries = command.input.PublishBatchRequestEntries ?? [];
      const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.Message ?? '') +
        Object.entries(entry.MessageAttributes ?? {}).reduce((s, [name, value]) =>
          s + Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? ''), 0), 0);
      if (entries.length > 10) throw Object.assign(new Error('The batch request contains more entries than permissible.'), { name: 'TooManyEntriesInBatchRequestException' });
      if (bytes > SNS_MAX_PAYLOAD_BYTES) {
        throw Object.assign(new Error('The length of all the batch messages put together is more than the limit.'), { name: 'BatchRequestTooLongException' });
      }
      calls.push(entries.map((entry) => entry.Message ?? ''));
      return { Successful: entries.map((entry) => ({ Id: entry.Id, MessageId: `id-${entry.Id}` })), Failed: [] };
    },
  };
  return { sns: sns as unknown as SNSClient, calls };
}

const message = (key: string, bodyBytes: number): OutgoingMessage => ({
  key,
  type: 'test.note.added',
  body: JSON.stringify({ id: key, text: 'x'.repeat(Math.max(0, bodyBytes - 30)) }),
  correlation: { requestId: `req-${key}`, traceparent: TRACEPARENT },
});

describe('publisher', () => {
  it('when one message is past 256 KiB with its attributes, then it alone fails, for good (permanent), SNS never sees it, and no call fails', async () => {
    const { sns, calls } = snsWithAwsLimits();
    const outcome = await createPublisher(sns, TOPIC).publish([message('1', 1_000), message('2', 300_000), message('3', 1_000)]);
    expect(outcome.callError).toBeUndefined();
    expect(outcome.published).toEqual(['1', '3']);
    expect(outcome.failed).toEqual([{ key: '2', reason: expect.stringMatching(/^MessageTooLong: message too long for SNS: \d+ bytes with its attributes, over 262144/), permanent: true }]);
    expect(calls.flat().some((body) => body.length > 250_000)).toBe(false);
  });

  it('when a message is just under the limit only with its attributes left out, then it is refused, not sent', async () => {
    const { sns, calls } = snsWithAwsLimits();
    const body = message('edge', 0);
    const nearLimit = { ...body, body: 'x'.repeat(SNS_MAX_PAYLOAD_BYTES - 10) };
    const outcome = await createPublisher(sns, TOPIC).publish([nearLimit]);
    expect(outcome).toMatchObject({ published: [], failed: [{ key: 'edge' }] });
    expect(outcome.callError).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('when messages together pass 256 KiB or 10 entries, then they go out in several calls, each within both limits', async () => {
    const { sns, calls } = snsWithAwsLimits();
    const messages = [...Array.from({ length: 9 }, (_, i) => message(`big${i}`, 60_000)), ...Array.from({ length: 25 }, (_, i) => message(`small${i}`, 200))];
    const outcome = await createPublisher(sns, TOPIC).publish(messages);
    expect(outcome.callError).toBeUndefined();
    expect(outcome.failed).toEqual([]);
    expect([...outcome.published].sort()).toEqual(messages.map((m) => m.key).sort());
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) expect(call.length).toBeLessThanOrEqual(10);
  });
});
