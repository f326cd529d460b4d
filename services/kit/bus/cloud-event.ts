/** CloudEvents 1.0 structured-mode envelopes (https://github.com/cloudevents/spec), the body of every message. */
import { randomUUID } from 'node:crypto';

export interface CloudEventEnvelope<T extends string = string, D = unknown> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly type: T;
  readonly source: string;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype: 'application/json';
  readonly data: D;
}

export interface NewCloudEvent<T extends string, D> {
  readonly type: T;
  /** Who produced it, e.g. `/identity`. */
  readonly source: string;
  readonly data: D;
  readonly subject?: string;
  /** Defaults to a random UUID; consumers deduplicate on it. */
  readonly id?: string;
  readonly time?: Date;
}

export function newCloudEvent<T extends string, D>(event: NewCloudEvent<T, D>): CloudEventEnvelope<T, D> {
  return {
    specversion: '1.0',
    id: event.id ?? randomUUID(),
    type: event.type,
    source: event.source,
    time: (event.time ?? new Date()).toISOString(),
    ...(event.subject === undefined ? {} : { subject: event.subject }),
    datacontenttype: 'application/json',
    data: event.data,
  };
}
