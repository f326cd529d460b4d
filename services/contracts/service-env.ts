/**
 * What each service is told about the rest of the platform, derived from the event catalogue and the list of
 * services: the topic if it publishes, its own queue if it consumes, the base URL of each service it calls, and
 * the port of the internal gRPC API it serves.
 * The CDK stack (with CloudFormation tokens) and the local launcher (with the emulator's URLs) both build a
 * service's environment through these functions, so the two cannot hand out different variables.
 */
import { consumedBy, producedBy } from './events';
import { INTERNAL_GRPC, type ServiceName } from './services';

/** Where the bus is, in whatever form the caller has it (real ARNs and URLs, or tokens). */
export interface BusLocation {
  /** Prefix of the topic and queue names (`BUS_PREFIX`). */
  readonly prefix: string;
  readonly topicArn: string;
  queueUrl(consumer: ServiceName): string;
}

export function busEnvironment(service: ServiceName, bus: BusLocation): Record<string, string> {
  return {
    BUS_PREFIX: bus.prefix,
    ...(producedBy(service).length > 0 ? { EVENTS_TOPIC_ARN: bus.topicArn } : {}),
    ...(consumedBy(service).length > 0 ? { EVENTS_QUEUE_URL: bus.queueUrl(service) } : {}),
  };
}

/**
 * Database connections a service on the bus opens beside its pool: the outbox relay's and the inbox pruner's (the
 * outbox backlog probe's one query every 30 s shares them).
 * The relay's pool (services/kit/bus/service-bus.ts) and the stage's connection budget (lib/connection-budget.ts)
 * both read it.
 */
export const BUS_DATABASE_CONNECTIONS = 2;

/** How a service reaches another: its public REST API, or its internal gRPC API (INTERNAL_GRPC). */
export type CallProtocol = 'http' | 'grpc';

/**
 * The services each service calls, and the variable that carries each one's base URL per protocol. Billing
 * reads prices over Product's gRPC API and keeps the REST URL for its fallback (PRODUCT_CATALOG_PROTOCOL=http).
 */
export const CALLS: Readonly<Record<ServiceName, Readonly<Partial<Record<ServiceName, Readonly<Partial<Record<CallProtocol, string>>>>>>>> = {
  identity: {},
  product: {},
  billing: { product: { http: 'PRODUCT_SERVICE_URL', grpc: 'PRODUCT_GRPC_URL' } },
};

export function callEnvironment(service: ServiceName, urlOf: (callee: ServiceName, protocol: CallProtocol) => string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(CALLS[service]).flatMap(([callee, variables]) =>
      Object.entries(variables ?? {}).map(([protocol, variable]) => [variable, urlOf(callee as ServiceName, protocol as CallProtocol)]),
    ),
  );
}

/** The variable that sets the service's internal gRPC port (INTERNAL_GRPC), with `port`; none if it serves none. */
export function grpcPortEnvironment(service: ServiceName, port: number): Record<string, string> {
  const grpc = (INTERNAL_GRPC as Partial<Record<ServiceName, { readonly variable: string }>>)[service];
  return grpc ? { [grpc.variable]: String(port) } : {};
}
