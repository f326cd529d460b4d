/**
 * The event catalogue: every cross-service event, its schema, its producer and its consumers.
 *
 * This is the single source of truth for the bus. The services validate against these schemas, the offline
 * platform creates queues and subscriptions from `busTopology()`, and the CDK event-bus construct reads the same
 * topology, so the deployed bus and the local one cannot drift.
 */
import { z } from 'zod';
import type { ServiceName } from './services';

/**
 * The email as Identity holds it: signup's pass z.email(), but a directory user adopted at its first call
 * (services/identity/domain/profile-adoption.ts) brings whatever Cognito took, which z.email() may refuse
 * (`x!y@example.com` is valid RFC 5322). Checked with z.email(), such a user answered 500 on every call and never
 * had a profile or a billing account. An address with an @, up to Cognito's 2,048 characters for an attribute.
 * No handler reads it, but every consumer checks it with the catalogue it was built with: one still running the
 * z.email() check during a deploy refuses such an event until it is replaced (docs/events.md, "Changing an event").
 */
const DIRECTORY_ATTRIBUTE_MAX_CHARS = 2_048;

const userRegistered = z.strictObject({
  userId: z.string().min(1),
  email: z.string().max(DIRECTORY_ATTRIBUTE_MAX_CHARS).includes('@'),
  name: z.string(),
});

const userDeleted = z.strictObject({
  userId: z.string().min(1),
});

const invoicePaid = z.strictObject({
  invoiceId: z.uuid(),
  accountId: z.uuid(),
  userId: z.string().min(1),
  totalCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
});

interface EventDefinition<T extends z.ZodType = z.ZodType> {
  readonly producer: ServiceName;
  readonly consumers: readonly ServiceName[];
  readonly data: T;
}

export const EVENT_CATALOG = {
  'identity.user.registered': { producer: 'identity', consumers: ['billing'], data: userRegistered },
  // Product consumes it only to refuse the deleted user's tokens on its admin routes (docs/identity.md).
  'identity.user.deleted': { producer: 'identity', consumers: ['billing', 'product'], data: userDeleted },
  'billing.invoice.paid': { producer: 'billing', consumers: ['identity'], data: invoicePaid },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENT_CATALOG;

export type EventData<T extends EventType> = z.infer<(typeof EVENT_CATALOG)[T]['data']>;

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

/**
 * What consumers read: each type's fields, with fields they do not know dropped rather than refused (a tolerant
 * reader). Producers write with the strict schemas above, so a typo fails where it is made; a field added to an
 * event reaches consumers still running the old schema (a rolling deploy, a rollback) as an event they handle,
 * not as one that fails 8 times and is dead-lettered (docs/events.md, "Changing an event").
 */
const READ_SCHEMAS: Readonly<Record<string, z.ZodType>> = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, z.object(EVENT_CATALOG[type].data.shape)]),
);

/** The SNS/SQS message attribute that carries the event type, used by subscription filter policies. */
export const TYPE_ATTRIBUTE = 'type';

/** CloudEvents 1.0 structured-mode JSON envelope. */
export const cloudEventEnvelope = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  type: z.string().min(1),
  source: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().optional(),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});

export type CloudEvent<T extends EventType = EventType> = Omit<z.infer<typeof cloudEventEnvelope>, 'type' | 'data'> & {
  type: T;
  data: EventData<T>;
};

/** The CloudEvents `source` of the events a service produces. */
export function eventSourceOf(service: ServiceName): string {
  return `/${service}`;
}

/**
 * A well-formed CloudEvent that this catalogue refuses: a type it does not name, a source that is not its type's
 * producer, data its schema refuses. A consumer built from another catalogue may take it (a deploy under way: see
 * docs/events.md, "Changing an event"), so consumers retry it like a failed handler; what no catalogue could read
 * (not JSON, no CloudEvents 1.0 envelope) is dead-lettered at once (services/kit/bus/failures.ts).
 */
export class CatalogueMismatchError extends Error {
  override readonly name = 'CatalogueMismatchError';
}

/**
 * Parses an envelope and its data against the catalogue, leaving out data fields the catalogue does not name.
 * Throws a ZodError naming what is wrong for a broken envelope, and a CatalogueMismatchError (with the ZodError as
 * its cause, for data) for an event this catalogue refuses. An event whose
 * `source` is not its type's producer is refused too: a service that may publish to the bus cannot pass its
 * events off as another's by their type alone (it would have to lie about its source as well: see
 * docs/infrastructure.md, "Events", for what this does not stop).
 */
export function parseEvent(raw: unknown): CloudEvent {
  const envelope = cloudEventEnvelope.parse(raw);
  // Own keys only: "constructor" or "__proto__" is no event type.
  const definition = Object.hasOwn(EVENT_CATALOG, envelope.type) ? EVENT_CATALOG[envelope.type as EventType] : undefined;
  if (!definition) throw new CatalogueMismatchError(`unknown event type "${envelope.type}"; known: ${EVENT_TYPES.join(', ')}`);
  const producer = eventSourceOf(definition.producer);
  if (envelope.source !== producer) throw new CatalogueMismatchError(`"${envelope.type}" events come from ${producer}; got source "${envelope.source}"`);
  const data = READ_SCHEMAS[envelope.type]!.safeParse(envelope.data);
  if (!data.success) throw new CatalogueMismatchError(`"${envelope.type}" data that its schema refuses`, { cause: data.error });
  return { ...envelope, type: envelope.type as EventType, data: data.data } as CloudEvent;
}

/** Event types a service consumes, according to the catalogue. */
export function consumedBy(service: ServiceName): EventType[] {
  return EVENT_TYPES.filter((type) => (EVENT_CATALOG[type].consumers as readonly ServiceName[]).includes(service));
}

/** Event types a service publishes, according to the catalogue. */
export function producedBy(service: ServiceName): EventType[] {
  return EVENT_TYPES.filter((type) => EVENT_CATALOG[type].producer === service);
}
