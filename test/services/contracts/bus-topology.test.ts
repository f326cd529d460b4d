import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { CatalogueMismatchError, consumedBy, EVENT_CATALOG, EVENT_TYPES, eventSourceOf, parseEvent } from '../../../services/contracts/events';
import { busTopology, MAX_RECEIVE_COUNT } from '../../../services/contracts/bus-topology';
import { backoffDelay } from '../../../services/kit/bus/backoff';
import { DEFAULT_RETRY_SECONDS } from '../../../services/kit/bus/consumer';
import { BILLING_HANDLED_EVENTS } from '../../../services/billing/entry-points/events/handlers';
import { IDENTITY_HANDLED_EVENTS } from '../../../services/identity/entry-points/events/handlers';
import { PRODUCT_HANDLED_EVENTS } from '../../../services/product/entry-points/events/handlers';
import type { ServiceName } from '../../../services/contracts/services';

/** Every service's handlers: typed by ServiceName, so a service added to SERVICES is not left out of the check (tsc names it). */
const registered: Record<ServiceName, readonly string[]> = { billing: BILLING_HANDLED_EVENTS, identity: IDENTITY_HANDLED_EVENTS, product: PRODUCT_HANDLED_EVENTS };

describe('the bus topology', () => {
  it('when derived, then each consumer queue filters exactly the event types its service registers handlers for', () => {
    const topology = busTopology('test');
    for (const [service, handled] of Object.entries(registered)) {
      const queue = topology.queues.find((q) => q.consumer === service);
      if (handled.length === 0) {
        expect(queue, service).toBeUndefined();
        continue;
      }
      expect(queue?.filterPolicy.type?.slice().sort(), service).toEqual([...handled].sort());
      expect(consumedBy(service as ServiceName).slice().sort(), service).toEqual([...handled].sort());
    }
  });

  it('when a consumer keeps failing an event, then with the default delays it retries it for over 10 minutes before the dead-letter queue, outlasting a database failover', () => {
    const waits = Array.from({ length: MAX_RECEIVE_COUNT - 1 }, (_, index) => backoffDelay(DEFAULT_RETRY_SECONDS, index + 1));
    const total = waits.reduce((sum, wait) => sum + wait, 0);
    expect(total).toBeGreaterThan(10 * 60);
    // …and not for hours: a poison message still reaches the dead-letter queue (and its alarm) the same morning.
    expect(total).toBeLessThan(30 * 60);
  });

  it('when derived, then every queue has a dead-letter queue after MAX_RECEIVE_COUNT receives and a prefixed name', () => {
    const topology = busTopology('stage1');
    expect(topology.topicName).toBe('stage1-events');
    for (const queue of topology.queues) {
      expect(queue.deadLetterQueueName).toBe(`${queue.queueName}-dlq`);
      expect(queue.queueName.startsWith('stage1-')).toBe(true);
      expect(queue.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    }
  });

  it('when an event type has no consumer, then it is not in the catalogue (nothing is published into the void)', () => {
    for (const type of EVENT_TYPES) expect(EVENT_CATALOG[type].consumers.length, type).toBeGreaterThan(0);
  });
});

const sampleData = {
  'identity.user.registered': { userId: 'u1', email: 'a@example.com', name: 'A' },
  'identity.user.deleted': { userId: 'u1' },
  'billing.invoice.paid': { invoiceId: crypto.randomUUID(), accountId: crypto.randomUUID(), userId: 'u1', totalCents: 5, currency: 'USD' },
} as const;

describe('parseEvent', () => {
  const envelope = {
    specversion: '1.0',
    id: 'e1',
    type: 'identity.user.deleted',
    source: '/identity',
    time: '2026-11-27T10:00:00Z',
    datacontenttype: 'application/json',
    data: { userId: 'u1' },
  };

  it('when the envelope and data are valid, then the event is returned typed', () => {
    expect(parseEvent(envelope)).toMatchObject({ type: 'identity.user.deleted', data: { userId: 'u1' } });
  });

  it('when an event\'s source is not its type\'s producer in the catalogue, then it is invalid, naming both', () => {
    // Any service allowed to publish could otherwise close every account with a made-up identity.user.deleted.
    expect(() => parseEvent({ ...envelope, source: '/billing' })).toThrow(/"identity.user.deleted" events come from \/identity; got source "\/billing"/);
    for (const type of EVENT_TYPES) {
      const producer = EVENT_CATALOG[type].producer;
      expect(eventSourceOf(producer), type).toBe(`/${producer}`);
      for (const other of ['/identity', '/billing', '/product', 'identity', '/identity/', ''].filter((source) => source !== eventSourceOf(producer))) {
        expect(() => parseEvent({ ...envelope, type, source: other }), `${type} from "${other}"`).toThrow();
      }
    }
  });

  it('when its data has a field the catalogue does not name, then the event is read without it, not refused', () => {
    // A producer that added a field deploys before (or rolls back after) its consumers: they must keep handling it.
    const registered = { ...envelope, type: 'identity.user.registered', data: { userId: 'u1', email: 'a@example.com', name: 'A', locale: 'fr' } };
    expect(parseEvent(registered).data).toEqual({ userId: 'u1', email: 'a@example.com', name: 'A' });
    expect(parseEvent({ ...envelope, data: { userId: 'u1', reason: 'asked' } }).data).toEqual({ userId: 'u1' });
  });

  it('when a producer writes a field the catalogue does not name, then its strict schema refuses it', () => {
    for (const type of EVENT_TYPES) {
      expect(EVENT_CATALOG[type].data.safeParse({ ...sampleData[type], surprise: 1 }).success, type).toBe(false);
      expect(EVENT_CATALOG[type].data.safeParse(sampleData[type]).success, type).toBe(true);
    }
  });

  it('when an event is well formed but this catalogue refuses its type, source or data, then it throws a CatalogueMismatchError (retried: another release may take it); when its envelope is broken, a ZodError (dead-lettered at once)', () => {
    for (const change of [{ type: 'identity.user.exploded' }, { source: '/billing' }, { data: { user: 'u1' } }]) {
      expect(() => parseEvent({ ...envelope, ...change }), JSON.stringify(change)).toThrow(CatalogueMismatchError);
    }
    expect(() => parseEvent({ ...envelope, data: { userId: '' } })).toThrow(expect.objectContaining({ cause: expect.any(ZodError) }));
    for (const broken of [null, 'text', { ...envelope, specversion: '0.3' }, { ...envelope, id: 7 }, { ...envelope, type: undefined }]) {
      expect(() => parseEvent(broken), JSON.stringify(broken)).toThrow(ZodError);
    }
  });

  it.each([
    ['an unknown type', { type: 'identity.user.exploded' }],
    ['a type that is a name every object has', { type: 'constructor', source: '/undefined' }],
    ['a type named __proto__', { type: '__proto__', source: '/undefined' }],
    ['data of the wrong shape', { data: { user: 'u1' } }],
    ['another CloudEvents version', { specversion: '0.3' }],
    ['no time', { time: undefined }],
  ])('when it has %s, then it throws', (_what, change) => {
    expect(() => parseEvent({ ...envelope, ...change })).toThrow();
  });
});
