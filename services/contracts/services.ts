/**
 * The services of the platform, stated once: their names, the path prefix each owns at the edge (the ALB and the
 * local gateway route on it), the port each listens on by default offline, and the database each owns. The CDK
 * app, the local launcher, the gateway, the services' config defaults and the scripts all read this list.
 */
export const SERVICES = {
  identity: { prefix: '/identity', port: 3001, database: 'identity' },
  product: { prefix: '/products', port: 3002, database: 'product' },
  billing: { prefix: '/billing', port: 3003, database: 'billing' },
} as const;

export type ServiceName = keyof typeof SERVICES;

/**
 * Internal gRPC APIs: a second port beside a service's public REST API, for other services only. Neither the
 * ALB nor the local gateway routes it; in AWS it is reached through Service Connect (appProtocol grpc) and its
 * security group admits only the callers. `port` is the default offline and the container port in AWS;
 * `variable` sets it. The contract itself is services/contracts/grpc.
 */
export const INTERNAL_GRPC = {
  product: { port: 3012, variable: 'PRODUCT_GRPC_PORT' },
} as const satisfies Partial<Record<ServiceName, { port: number; variable: string }>>;

/**
 * Every service's health routes (never routed by the edge):
 * - `live`: the process runs, from its first second (also during migrations); the container's health check.
 * - `started`: it has finished starting (migrations done; Product: its gRPC server listens), whatever its database
 *   says now; the deployed load balancer's check. ECS replaces the tasks that fail that check, so one that followed
 *   the database would replace every task of a service during a database failover or reboot, and the new tasks
 *   could not start until it was back.
 * - `ready`: it can serve now (migrated, and its database answers); `npm start` and operators read it.
 */
export const HEALTH_PATHS = { live: '/health/live', started: '/health/started', ready: '/health/ready' } as const;

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/**
 * Where a service's migrations are, from the repository root: `npm run db:generate` writes them there, the CDK
 * migration step bundles them from there, `npm start` and the benchmarks apply them from there, and the image copies
 * them (services/Dockerfile, which cannot import this).
 */
export const migrationsFolder = (name: ServiceName) => `services/${name}/data-access/migrations`;

/** The same record for every service, e.g. one construct or URL per service. */
export function perService<T>(make: (name: ServiceName) => T): Record<ServiceName, T> {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, make(name)])) as Record<ServiceName, T>;
}
