/**
 * SNS and SQS clients for the bus. One switch: an endpoint (the embedded emulator, LocalStack) or, when absent,
 * real AWS with the SDK's default credential chain and region.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { DEFAULT_AWS_REGION } from '../aws/region';
import { requestHandlerWith } from '../aws/request-deadlines';

export interface BusClients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** The endpoint override, when not real AWS. */
  readonly endpoint?: string;
  close(): void;
}

export interface BusClientOptions {
  /** `AWS_ENDPOINT_URL`: the emulator's or LocalStack's URL. Unset means real AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Publish calls give up after this, so a hung SNS never holds outbox row locks for long. */
  readonly publishTimeoutMs?: number;
}

/** Environment variables of the bus, to spread into a service's config schema. */
export const busEnvShape = {
  AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Unset: DEFAULT_AWS_REGION, applied by createBusClients (why not here: kit/aws/region.ts). */
  AWS_REGION: z.string().min(1).optional(),
  /** Prefix of the topic and queue names (`busTopology(prefix)`), so environments can share an account. */
  BUS_PREFIX: z.string().regex(/^[a-zA-Z0-9-]{1,40}$/, 'letters, digits and dashes').default('platform'),
};

// Emulators accept any credentials; a developer's machine may have none configured at all.
const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export function createBusClients(options: BusClientOptions = {}): BusClients {
  const region = options.region || process.env.AWS_REGION || DEFAULT_AWS_REGION;
  const local = options.endpoint
    ? { endpoint: options.endpoint, ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: EMULATOR_CREDENTIALS }) }
    : {};
  const sns = new SNSClient({
    region,
    ...local,
    maxAttempts: 2, // the outbox relay retries with its own capped backoff
    requestHandler: requestHandlerWith({ connectMs: 2_000, requestMs: options.publishTimeoutMs ?? 10_000 }),
  });
  const sqs = new SQSClient({
    region,
    ...local,
    // Longer than the 20 s long poll, so a waiting receive is never cut off by the client.
    requestHandler: requestHandlerWith({ connectMs: 2_000, requestMs: 30_000 }),
  });
  return {
    sns,
    sqs,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    close: () => {
      sns.destroy();
      sqs.destroy();
    },
  };
}
