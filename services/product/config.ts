import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { env, serviceEnvSchema } from '../kit/config';
import { serviceBusEnvShape } from '../kit/bus/service-bus';
import { DEFAULT_GRPC_MAX_CONNECTIONS } from '../kit/grpc/connection-cap';
import { INTERNAL_GRPC, SERVICES } from '../contracts/services';

const here = path.dirname(fileURLToPath(import.meta.url));

export const productConfigSchema = serviceEnvSchema(SERVICES.product.port).extend({
  /** EVENTS_QUEUE_URL: Product's queue (identity.user.deleted, for its revocation record). */
  ...serviceBusEnvShape,
  /** The internal gRPC port (ProductCatalog, grpc.health.v1), on HOST beside PORT; never routed by the edge. */
  [INTERNAL_GRPC.product.variable]: env.port(INTERNAL_GRPC.product.port),
  /** Connections the gRPC port holds at once (services/kit/grpc/connection-cap.ts); one past it is closed unanswered. */
  PRODUCT_GRPC_MAX_CONNECTIONS: env.positiveInt(DEFAULT_GRPC_MAX_CONNECTIONS),
  /** The image sets it next to the bundle; from source the folder beside the schema is used. */
  MIGRATIONS_DIR: z.string().default(path.join(here, 'data-access', 'migrations')),
});

export type ProductConfig = z.infer<typeof productConfigSchema>;
