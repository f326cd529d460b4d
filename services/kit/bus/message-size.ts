/**
 * SNS's size limit, in one place: the publisher checks each message against it before sending, and enqueue()
 * checks each event against it before writing it to the outbox, so an event SNS could never take fails its use
 * case (a rollback, a 500) instead of committing a row that can never be delivered. Both ask the same function
 * about the same message: the body is the event's JSON and the attributes come from eventAttributes().
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Message: "up to 256 KB", attributes included)
 */
import { eventAttributes, type Correlation } from './attributes';

/** SNS's limit for one message with its attributes, and for a whole batch (a topic's default MaximumMessageSize). */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;

export interface SizedMessage {
  readonly type: string;
  /** The CloudEvent JSON, as published. */
  readonly body: string;
  readonly correlation: Correlation;
}

/** What SNS counts against its limit: the body, and each attribute's name, data type and value, in UTF-8 bytes. */
export function snsMessageSize(message: SizedMessage): number {
  const attributes = Object.entries(eventAttributes(message.type, message.correlation))
    .reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + Buffer.byteLength(value.StringValue ?? ''), 0);
  return Buffer.byteLength(message.body) + attributes;
}

export const tooLongForSns = (size: number): boolean => size > SNS_MAX_PAYLOAD_BYTES;

/** The words the relay's line, the outbox row's last_error and enqueue()'s error share, so a search finds all three. */
export const tooLongReason = (size: number): string =>
  `MessageTooLong: message too long for SNS: ${size} bytes with its attributes, over ${SNS_MAX_PAYLOAD_BYTES}; not sent`;
