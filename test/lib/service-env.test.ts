/**
 * The environment each service gets in AWS (the synthesized task definitions) against the one `npm start` gives
 * it (services/local/service-env.ts): the same variables, apart from a short list that says where things run.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { billingConfigSchema } from '../../services/billing/config';
import { SERVICE_NAMES, type ServiceName } from '../../services/contracts/services';
import { identityConfigSchema } from '../../services/identity/config';
import { productConfigSchema } from '../../services/product/config';
import { localServiceEnvironment } from '../../services/local/service-env';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();

/** Only offline: the emulators' endpoints, and where the migrations and the database are (as either role). */
const OFFLINE_ONLY = ['AWS_ENDPOINT_URL', 'COGNITO_ENDPOINT', 'DATABASE_URL', 'DATABASE_MIGRATION_URL', 'MIGRATIONS_DIR'];
/**
 * Only in AWS: libpq settings from RDS and the app role's IAM login (offline, DATABASE_URL says all of it), the
 * schema check in place of migrations (a deploy step applied them: offline the service applies them itself, as the
 * owner of DATABASE_MIGRATION_URL), and the pool size, tied to the instance's connection budget (offline, one
 * process per service: the defaults).
 */
const AWS_ONLY = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGSSLMODE', 'PGUSER', 'DATABASE_IAM_AUTH', 'DATABASE_MIGRATIONS', 'DATABASE_POOL_MAX'];

function deployedNames(template: Template, service: string): string[] {
  for (const task of Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'))) {
    const containers = task.Properties?.ContainerDefinitions as Array<{ Name: string; Environment?: Array<{ Name: string }>; Secrets?: Array<{ Name: string }> }>;
    const container = containers.find((c) => c.Name === service);
    if (container) return [...(container.Environment ?? []), ...(container.Secrets ?? [])].map((e) => e.Name);
  }
  throw new Error(`no task definition runs ${service}`);
}

/** The variables each service's config schema reads: what it is given must be among them, or a rename went unseen. */
const READ_BY: Record<ServiceName, readonly string[]> = {
  identity: Object.keys(identityConfigSchema.shape),
  product: Object.keys(productConfigSchema.shape),
  billing: Object.keys(billingConfigSchema.shape),
};
/** Read by node-postgres itself (libpq's names), not by the schema: where the app role logs in, and how. */
const READ_BY_NODE_POSTGRES = ['PGDATABASE', 'PGSSLMODE'];

const LOCAL_CONFIG = { IDENTITY_PORT: 3001, PRODUCT_PORT: 3002, BILLING_PORT: 3003, PRODUCT_GRPC_PORT: 3012, LOG_LEVEL: 'info', AWS_REGION: 'us-east-1' } as const;
const LOCAL_PARTS = {
  databaseUrls: { identity: 'postgres://x/identity', product: 'postgres://x/product', billing: 'postgres://x/billing' },
  migrationUrls: { identity: 'postgres://m/identity', product: 'postgres://m/product', billing: 'postgres://m/billing' },
  cognito: { COGNITO_USER_POOL_ID: 'us-east-1_x', COGNITO_CLIENT_ID: 'c', COGNITO_ENDPOINT: 'http://127.0.0.1:9229', AWS_REGION: 'us-east-1' },
  bus: { endpoint: 'http://127.0.0.1:9324', location: { prefix: 'platform', topicArn: 'arn:t', queueUrl: (name: string) => `http://q/${name}` } },
};

describe.each(['dev', 'prod'] as const)('each service\'s environment, deployed (%s) and offline', (stage) => {
  it.each(SERVICE_NAMES)('when %s is deployed and started offline, then it gets the same variables apart from where things run', (service) => {
    const deployed = deployedNames(synthesized[stage].appTemplate, service).filter((name) => !AWS_ONLY.includes(name));
    const offline = Object.keys(localServiceEnvironment(service, LOCAL_CONFIG, LOCAL_PARTS)).filter((name) => !OFFLINE_ONLY.includes(name));
    expect(offline.sort()).toEqual(deployed.sort());
  });
});

describe.each(['dev', 'prod'] as const)('each variable a service is given (%s)', (stage) => {
  it.each(SERVICE_NAMES)('when %s is deployed or started offline, then its config schema reads every variable it is given', (service) => {
    const given = new Set([...deployedNames(synthesized[stage].appTemplate, service), ...Object.keys(localServiceEnvironment(service, LOCAL_CONFIG, LOCAL_PARTS))]);
    const unread = [...given].filter((name) => !READ_BY[service].includes(name) && !READ_BY_NODE_POSTGRES.includes(name));
    expect(unread).toEqual([]);
  });
});

describe('the pre-stop delay offline', () => {
  it.each(SERVICE_NAMES)('when %s is started offline, then it is told no pre-stop delay, whatever the shell exports: no load balancer waits on it, and a stop stays as quick as ever', (service) => {
    // The launcher's variables are applied over the inherited environment (services/kit/launcher-env.ts).
    expect(localServiceEnvironment(service, LOCAL_CONFIG, LOCAL_PARTS).SHUTDOWN_DELAY_SECONDS).toBe('0');
  });
});
