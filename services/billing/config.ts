import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { serviceBusEnvShape } from '../kit/bus/service-bus';
import { env, serviceEnvSchema } from '../kit/config';
import { SERVICES } from '../contracts/services';

const here = path.dirname(fileURLToPath(import.meta.url));

export const billingConfigSchema = serviceEnvSchema(SERVICES.billing.port)
  .extend({
    ...serviceBusEnvShape,
    /**
     * How prices are read: Product's internal API in the gRPC protocol (`grpc`) or in the Connect protocol
     * (`connect`: the same contract, port and codes), or its public REST API (`http`, the fallback).
     */
    PRODUCT_CATALOG_PROTOCOL: z.enum(['grpc', 'connect', 'http']).default('grpc'),
    /** Where Product's internal API answers (h2c, through Service Connect in AWS); needed with `grpc` and `connect`. */
    PRODUCT_GRPC_URL: env.url().optional(),
    /** Where Product's HTTP API answers (service to service, not through the gateway); needed with `http`. */
    PRODUCT_SERVICE_URL: env.url().optional(),
    /** Deadline per attempt; with two retries and backoff a request waits at most about 3 × this plus 2 s. */
    PRODUCT_TIMEOUT_MS: env.positiveInt(2_000),
    /** The image sets it next to the bundle; from source the folder beside the schema is used. */
    MIGRATIONS_DIR: z.string().default(path.join(here, 'data-access', 'migrations')),
  })
  .superRefine((config, ctx) => {
    const needed = config.PRODUCT_CATALOG_PROTOCOL === 'http' ? 'PRODUCT_SERVICE_URL' : 'PRODUCT_GRPC_URL';
    if (!config[needed]) ctx.addIssue({ code: 'custom', path: [needed], message: `must be set when PRODUCT_CATALOG_PROTOCOL is ${config.PRODUCT_CATALOG_PROTOCOL}` });
  });

export type BillingConfig = z.infer<typeof billingConfigSchema>;
