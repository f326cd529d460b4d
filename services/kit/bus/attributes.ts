/**
 * Message attributes carried by every event: its type (for subscription filter policies) and the correlation
 * of the request that caused it. With raw delivery, SNS passes them to SQS unchanged.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** Same as `TYPE_ATTRIBUTE` in services/contracts/events.ts; the filter policies match on it. */
export const TYPE_ATTRIBUTE = 'type';
export const REQUEST_ID_ATTRIBUTE = 'requestId';
/** W3C trace context: https://www.w3.org/TR/trace-context/#traceparent-header */
export const TRACEPARENT_ATTRIBUTE = 'traceparent';

/** Added when a consumer dead-letters a message itself, so the operator sees why. */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'deadLetterReason';
export const DEAD_LETTER_SOURCE_ATTRIBUTE = 'deadLetterSource';
export const DEAD_LETTER_RECEIVES_ATTRIBUTE = 'deadLetterReceiveCount';

export interface Correlation {
  readonly requestId?: string;
  readonly traceparent?: string;
}

type Attributes = Record<string, { DataType: string; StringValue?: string }>;

/** String attributes; absent or empty values are left out (SNS rejects empty attribute values). */
export function stringAttributes(values: Readonly<Record<string, string | undefined>>): Attributes {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(values)) {
    if (value) attributes[name] = { DataType: 'String', StringValue: value };
  }
  return attributes;
}

export function eventAttributes(type: string, correlation: Correlation): Attributes {
  return stringAttributes({
    [TYPE_ATTRIBUTE]: type,
    [REQUEST_ID_ATTRIBUTE]: correlation.requestId,
    [TRACEPARENT_ATTRIBUTE]: correlation.traceparent,
  });
}

export function readAttribute(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
  name: string,
): string | undefined {
  return attributes?.[name]?.StringValue;
}
