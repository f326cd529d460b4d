import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { serviceBusEnvShape } from '../kit/bus/service-bus';
import { env, serviceEnvSchema } from '../kit/config';
import { SERVICES } from '../contracts/services';

const here = path.dirname(fileURLToPath(import.meta.url));

export const billingConfigSchema = serviceEnvSchema(SERVICES.billing.port).extend({
  ...serviceBusEnvShape,
  /** Where Product's HTTP API answers (service to service, not through the gateway). */
  PRODUCT_SERVICE_URL: env.url(),
  /** Per attempt; with two retries and backoff a request waits at most about 3 × this plus 2 s. */
  PRODUCT_TIMEOUT_MS: env.positiveInt(2_000),
  /** The image sets it next to the bundle; from source the folder beside the schema is used. */
  MIGRATIONS_DIR: z.string().default(path.join(here, 'data-access', 'migrations')),
});

export type BillingConfig = z.infer<typeof billingConfigSchema>;
