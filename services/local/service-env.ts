/**
 * The environment `npm start` gives each service once PostgreSQL, Cognito and the bus are up. What a service is
 * told about the platform (its topic, its queue, the services it calls) comes from the contracts, exactly as
 * the CDK stack's does; test/lib/service-env.test.ts pins the two against each other. The rest says where things
 * run on this machine.
 */
import path from 'node:path';
import { busEnvironment, callEnvironment, grpcPortEnvironment, type BusLocation, type CallProtocol } from '../contracts/service-env';
import { migrationsFolder, type ServiceName } from '../contracts/services';
import type { LocalConfig } from './config';

/** Which pool and client tokens come from, and (offline) the emulator that serves its keys. */
export interface CognitoSettings {
  readonly COGNITO_USER_POOL_ID: string;
  readonly COGNITO_CLIENT_ID: string;
  readonly COGNITO_ENDPOINT?: string;
  readonly AWS_REGION: string;
}

export interface LocalParts {
  /** Each service's database as its app role (rows only), and as the owner its migrations log in as. */
  readonly databaseUrls: Readonly<Record<ServiceName, string>>;
  readonly migrationUrls: Readonly<Record<ServiceName, string>>;
  readonly cognito: CognitoSettings;
  /** The SNS/SQS endpoint (fauxqs or LocalStack) and the bus provisioned on it. */
  readonly bus: { readonly endpoint: string; readonly location: BusLocation };
}

type PortConfig = Pick<LocalConfig, 'IDENTITY_PORT' | 'PRODUCT_PORT' | 'BILLING_PORT' | 'PRODUCT_GRPC_PORT'>;

export function localPort(config: PortConfig, name: ServiceName): number {
  return { identity: config.IDENTITY_PORT, product: config.PRODUCT_PORT, billing: config.BILLING_PORT }[name];
}

/** Where a service's API in `protocol` listens on this machine: its PORT, or its internal gRPC port. */
export function localUrl(config: PortConfig, name: ServiceName, protocol: CallProtocol): string {
  if (protocol === 'http') return `http://127.0.0.1:${localPort(config, name)}`;
  if (name !== 'product') throw new Error(`${name} serves no internal gRPC API`);
  return `http://127.0.0.1:${config.PRODUCT_GRPC_PORT}`;
}

/** Settings every process gets: the log level, loopback only, and the Cognito pool. */
export function commonEnvironment(config: Pick<LocalConfig, 'LOG_LEVEL'>, cognito: CognitoSettings): Record<string, string> {
  return { LOG_LEVEL: config.LOG_LEVEL, HOST: '127.0.0.1', ...cognito };
}

export function localServiceEnvironment(name: ServiceName, config: PortConfig & Pick<LocalConfig, 'LOG_LEVEL' | 'AWS_REGION'>, parts: LocalParts): Record<string, string> {
  return {
    ...commonEnvironment(config, parts.cognito),
    AWS_ENDPOINT_URL: parts.bus.endpoint,
    AWS_REGION: config.AWS_REGION,
    ...busEnvironment(name, parts.bus.location),
    ...callEnvironment(name, (callee, protocol) => localUrl(config, callee, protocol)),
    PORT: String(localPort(config, name)),
    ...grpcPortEnvironment(name, config.PRODUCT_GRPC_PORT),
    DATABASE_URL: parts.databaseUrls[name],
    DATABASE_MIGRATION_URL: parts.migrationUrls[name],
    MIGRATIONS_DIR: path.resolve(migrationsFolder(name)),
    // No load balancer to wait for offline: a stop closes at once, whatever the shell exports (services/kit/http/pre-stop.ts).
    SHUTDOWN_DELAY_SECONDS: '0',
  };
}
