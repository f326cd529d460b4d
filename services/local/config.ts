/** `npm start`'s environment: ports, where data lives, and which real endpoints replace the emulators. */
import path from 'node:path';
import { z } from 'zod';
import { gatewayEnvSchema } from '../gateway/config';
import { EMAIL_MAX_CHARS } from '../identity/domain/profile';
import { ConfigError, env, loadConfig } from '../kit/config';
import { INTERNAL_GRPC, SERVICES } from '../contracts/services';

export const DEFAULT_ADMIN_PASSWORD = 'Admin-Passw0rd!';

/**
 * A port `npm start` listens on and tells the other parts (the gateway its services, Billing Product's gRPC
 * port): 0, any free port, would reach them as 0, and a service would never be found ready.
 */
const listenPort = (fallback: number) => env.port(fallback).refine((port) => port > 0, 'must be a port from 1 to 65535');

export const localEnvSchema = z.object({
  /**
   * A leading `~` reaches us only where no shell expanded it (quoted, an IDE's or a .env file's setting): it would
   * make a folder named `~` here while the start line says "data in ~/…", and `rm -rf ~/…` would then hit home.
   */
  DATA_DIR: z
    .string()
    .min(1)
    .refine((dir) => !dir.startsWith('~'), 'starts with ~, which no shell expanded here; give the full path (e.g. $HOME/…)')
    .default('.data')
    // Absolute from here on: npm runs the launcher in the repository's root wherever `npm start` is typed, so a
    // relative DATA_DIR typed in docs/ lands in the root, and every line that names it says where.
    .transform((dir) => path.resolve(dir)),
  /** A PostgreSQL server URL; each service gets its own database on it. Unset: embedded PostgreSQL 16. */
  DATABASE_URL: env.postgresUrl().optional(),
  POSTGRES_PORT: listenPort(54320),
  GATEWAY_PORT: listenPort(8080),
  IDENTITY_PORT: listenPort(SERVICES.identity.port),
  PRODUCT_PORT: listenPort(SERVICES.product.port),
  BILLING_PORT: listenPort(SERVICES.billing.port),
  /** Product's internal gRPC API (Billing reads prices there); the gateway never routes it. */
  PRODUCT_GRPC_PORT: listenPort(INTERNAL_GRPC.product.port),
  COGNITO_PORT: listenPort(9229),
  FAUXQS_PORT: listenPort(9324),
  /**
   * Lower-cased: Identity lower-cases every email it signs in, and cognito-local's user names are case-sensitive.
   * At most EMAIL_MAX_CHARS, as sign-in takes: a longer admin could be made, and never sign in.
   */
  ADMIN_EMAIL: z
    .email()
    .max(EMAIL_MAX_CHARS)
    .transform((email) => email.toLowerCase())
    .default('admin@example.com'),
  ADMIN_PASSWORD: z.string().min(8).default(DEFAULT_ADMIN_PASSWORD),
  /** LocalStack or another SNS/SQS endpoint instead of the embedded fauxqs. */
  AWS_ENDPOINT_URL: env.url().optional(),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2,}(-[a-z]+)+-\d+$/, 'must be an AWS region code such as us-east-1')
    .default('us-east-1'),
  /** Real Cognito instead of cognito-local: both ids must be set. */
  COGNITO_USER_POOL_ID: z.string().optional(),
  COGNITO_CLIENT_ID: z.string().optional(),
  LOG_LEVEL: env.logLevel(),
});

export type LocalConfig = z.infer<typeof localEnvSchema>;

/**
 * The gateway's own tuning variables (it reads them itself, from the environment it is started with): checked here
 * too, so a bad one stops `npm start` before anything starts, instead of a gateway that exits and is restarted.
 */
const gatewayTuning = gatewayEnvSchema.pick(
  Object.fromEntries(Object.keys(gatewayEnvSchema.shape).filter((name) => name.startsWith('GATEWAY_')).map((name) => [name, true])) as {
    [K in Extract<keyof typeof gatewayEnvSchema.shape, `GATEWAY_${string}`>]: true;
  },
);

export function loadLocalConfig(source: Readonly<Record<string, string | undefined>> = process.env): LocalConfig {
  const config = loadConfig(localEnvSchema, source);
  if (Boolean(config.COGNITO_USER_POOL_ID) !== Boolean(config.COGNITO_CLIENT_ID)) {
    throw new ConfigError(['COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID go together: set both to use a real pool, or neither']);
  }
  loadConfig(gatewayTuning, source);
  return config;
}
