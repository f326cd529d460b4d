/**
 * What a consumer reads from an SQS message. Our subscriptions use raw delivery, so the body is the CloudEvent
 * and the attributes are SQS message attributes. A subscription without raw delivery (a hand-made one, another
 * tool's) wraps both in an SNS envelope; that is unwrapped too, so such a queue still works.
 */
import type { Message } from '@aws-sdk/client-sqs';

export interface IncomingMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The event JSON, unwrapped from an SNS envelope if there was one. */
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** 1 on the first delivery. */
  readonly receiveCount: number;
  readonly message: Message;
}

interface SnsEnvelope {
  readonly Type: 'Notification';
  readonly Message: string;
  /** As the body says: SNS writes objects, but a message sent to the queue by hand may hold anything here. */
  readonly MessageAttributes?: unknown;
}

export function decodeMessage(message: Message): IncomingMessage {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  let body = message.Body ?? '';
  const envelope = snsEnvelope(body);
  if (envelope) {
    body = envelope.Message;
    // Read defensively: this runs before any handler's try, so a throw here (`{"type": null}`) killed the poll loop
    // and the consumer, and each restart died on the message again, raising the receive counts of its whole batch.
    for (const [name, value] of Object.entries(envelope.MessageAttributes ?? {})) {
      const text: unknown = typeof value === 'object' && value !== null ? (value as { Value?: unknown }).Value : undefined;
      if (typeof text === 'string') attributes[name] ??= text;
    }
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    attributes,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1) || 1,
    message,
  };
}

function snsEnvelope(body: string): SnsEnvelope | undefined {
  // Cheap test first: every SNS envelope names its TopicArn, a CloudEvent has no such field.
  if (!body.includes('"TopicArn"')) return undefined;
  try {
    const parsed = JSON.parse(body) as Partial<SnsEnvelope>;
    return parsed.Type === 'Notification' && typeof parsed.Message === 'string' ? (parsed as SnsEnvelope) : undefined;
  } catch {
    return undefined;
  }
}
