/**
 * What a service's main.ts starts for the bus: the outbox relay and its backlog probe (when it produces events) and
 * the queue consumer (when it consumes some). The same code runs against fauxqs, LocalStack and AWS; only
 * AWS_ENDPOINT_URL changes.
 */
import { z } from 'zod';
import type { PasswordSource } from '../db/password-source';
import { createPool } from '../db/pool';
import type { Logger } from '../logger';
import { busEnvShape, createBusClients } from './clients';
import { createConsumer, type EventHandler } from './consumer';
import { createPublisher } from './publisher';
import { startInboxPruner, type InboxPruning } from '../inbox/pruner';
import { createOutboxBacklogProbe } from '../outbox/backlog-probe';
import { createOutboxRelay } from '../outbox/relay';
import { BUS_DATABASE_CONNECTIONS } from '../../contracts/service-env';

/** Bus variables for a service's config schema; the launcher or the CDK stack sets them. */
export const serviceBusEnvShape = {
  ...busEnvShape,
  /** The topic the outbox relay publishes to. Required by producers. */
  EVENTS_TOPIC_ARN: z.string().min(1).optional(),
  /** This service's queue (its dead-letter queue is read from the redrive policy). Required by consumers. */
  EVENTS_QUEUE_URL: z.url().optional(),
};

type BusEnv = z.infer<z.ZodObject<typeof serviceBusEnvShape>>;

export interface ServiceBusOptions<E extends { id: string; type: string }> {
  readonly service: string;
  readonly env: BusEnv;
  /** The service's database (a URL, or unset for the libpq variables); the relay takes two connections of its own. */
  readonly databaseUrl: string | undefined;
  /** The service pool's password source (IAM tokens, a file), shared so both pools follow a credential change. */
  readonly databasePassword?: PasswordSource | undefined;
  readonly logger: Logger;
  readonly produces: boolean;
  readonly consumer?: { readonly parse: (raw: unknown) => E; readonly handle: EventHandler<E> };
  /** When the consumer's inbox is pruned (services/kit/inbox/pruner.ts); the defaults suit every service. */
  readonly inboxPruning?: InboxPruning;
}

export interface ServiceBus {
  stop(): Promise<void>;
}

/**
 * A relay connection silent this long has lost its server (a failover's vanished host): given up, the relay goes on
 * with a new one instead of stalling about 15 minutes. Longer than a service's 45 s: a relay step publishes to SNS
 * inside its transaction (up to 10 s a call, with the SDK's retries), its connection silent meanwhile; a step cut
 * short only publishes its rows again later, which the consumers' inboxes absorb.
 */
const RELAY_SILENT_CONNECTION_MS = 120_000;

/**
 * The relay and the consumer, built but not started: `stop()` reaches both even while `start()` still waits (the
 * consumer waits for SQS to answer; a service stopping then must not leave the relay running).
 */
function createServiceBus<E extends { id: string; type: string }>(options: ServiceBusOptions<E>): ServiceBus & { start(): Promise<void> } {
  const { env, logger } = options;
  const missing = [
    ...(options.produces && !env.EVENTS_TOPIC_ARN ? ['EVENTS_TOPIC_ARN'] : []),
    ...(options.consumer && !env.EVENTS_QUEUE_URL ? ['EVENTS_QUEUE_URL'] : []),
  ];
  if (missing.length > 0) throw new Error(`${options.service} needs ${missing.join(' and ')} for the event bus`);

  const clients = createBusClients({ ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}), region: env.AWS_REGION });
  const relayPool = createPool(
    {
      ...(options.databaseUrl ? { connectionString: options.databaseUrl } : {}),
      ...(options.databasePassword ? { password: options.databasePassword } : {}),
      max: BUS_DATABASE_CONNECTIONS,
      silentConnectionMs: RELAY_SILENT_CONNECTION_MS,
    },
    logger,
    'outbox relay',
  );
  const relay = options.produces
    ? createOutboxRelay({ pool: relayPool, publisher: createPublisher(clients.sns, env.EVENTS_TOPIC_ARN!), logger })
    : undefined;
  const backlogProbe = options.produces
    ? createOutboxBacklogProbe({ pool: relayPool, logger, service: options.service, busPrefix: env.BUS_PREFIX })
    : undefined;
  const consumer = options.consumer
    ? createConsumer({
        sqs: clients.sqs,
        queueUrl: env.EVENTS_QUEUE_URL!,
        name: options.service,
        logger,
        ...options.consumer,
      })
    : undefined;

  let stopped = false;
  let stopInboxPruner: (() => Promise<void>) | undefined;
  return {
    async start() {
      if (stopped) return;
      await relay?.start();
      // A stop that came while the relay started has stopped nothing yet of what starts after it.
      if (stopped) return void (await relay?.stop());
      backlogProbe?.start();
      await consumer?.start();
      if (stopped || !consumer) return;
      stopInboxPruner = startInboxPruner(relayPool, logger, options.inboxPruning);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer?.stop();
      // Before the pool closes under it, as the probe's below.
      await stopInboxPruner?.();
      // Before the pool closes under it: a report under way finishes first.
      await backlogProbe?.stop();
      await relay?.stop();
      await relayPool.end();
      clients.close();
    },
  };
}

export interface DeferredServiceBus extends ServiceBus {
  /** Settles once the bus runs (or the service stopped first); rejects if `tablesReady` or the start failed. */
  readonly started: Promise<void>;
}

/**
 * A bus that starts once the service's tables exist (the relay reads the outbox, the consumer writes the inbox),
 * i.e. after its migrations, which run while the service already answers /health/live. Stopped before that, it
 * never starts.
 */
export function serviceBusAfter<E extends { id: string; type: string }>(tablesReady: Promise<void>, options: ServiceBusOptions<E>): DeferredServiceBus {
  let stopped = false;
  let bus: (ServiceBus & { start(): Promise<void> }) | undefined;
  const started = tablesReady.then(async () => {
    if (stopped) return;
    bus = createServiceBus(options);
    await bus.start();
  });
  return {
    started,
    async stop() {
      stopped = true;
      await bus?.stop();
    },
  };
}

/** Routes each event to the handler registered for its type; a type with none is a bug, so it fails loudly. */
export function dispatchByType<E extends { id: string; type: string }>(
  handlers: Readonly<Partial<Record<E['type'], EventHandler<E>>>>,
): EventHandler<E> {
  return async (event, delivery) => {
    const handler = handlers[event.type as E['type']];
    if (!handler) throw new Error(`no handler for event type "${event.type}"`);
    await handler(event, delivery);
  };
}
