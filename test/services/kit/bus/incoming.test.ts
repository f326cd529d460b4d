import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../../services/kit/bus/backoff';
import { decodeMessage } from '../../../../services/kit/bus/incoming';

describe('incoming messages and retry delays', () => {
  const event = { specversion: '1.0', id: 'e-1', type: 'test.note.added' };

  it('when the subscription delivers raw, then the body is the event and attributes are read as they are', () => {
    const decoded = decodeMessage({
      MessageId: 'm-1',
      Body: JSON.stringify(event),
      MessageAttributes: { requestId: { DataType: 'String', StringValue: 'req-1' } },
      Attributes: { ApproximateReceiveCount: '3' },
    });
    expect(decoded).toMatchObject({ messageId: 'm-1', body: JSON.stringify(event), attributes: { requestId: 'req-1' }, receiveCount: 3 });
  });

  it('when the subscription wraps messages in an SNS envelope, then the event and its attributes are unwrapped', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'sns-1',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      Message: JSON.stringify(event),
      MessageAttributes: { requestId: { Type: 'String', Value: 'req-2' }, traceparent: { Type: 'String', Value: '00-a-b-01' } },
    };
    const decoded = decodeMessage({ MessageId: 'm-2', Body: JSON.stringify(envelope) });
    expect(decoded).toMatchObject({ body: JSON.stringify(event), attributes: { requestId: 'req-2', traceparent: '00-a-b-01' }, receiveCount: 1 });
  });

  it('when a message keeps failing, then its delay doubles with each receive up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((receive) => backoffDelay({ base: 2, max: 300 }, receive));
    expect(delays).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
  });
});
