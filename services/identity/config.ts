import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { serviceBusEnvShape } from '../kit/bus/service-bus';
import { serviceEnvSchema } from '../kit/config';
import { SERVICES } from '../contracts/services';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Beyond the shared variables: the region of the user pool. COGNITO_ENDPOINT (shared) also points the SDK at the
 * emulator offline; in AWS it is unset and the task role's credentials sign the admin calls.
 */
export const identityConfigSchema = serviceEnvSchema(SERVICES.identity.port).extend({
  ...serviceBusEnvShape,
  /** Unset: us-east-1 where the client is made (why not here: kit/aws/region.ts). */
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').optional(),
  /** The image sets it next to the bundle; from source the folder beside the schema is used. */
  MIGRATIONS_DIR: z.string().default(path.join(here, 'data-access', 'migrations')),
});

export type IdentityConfig = z.infer<typeof identityConfigSchema>;
