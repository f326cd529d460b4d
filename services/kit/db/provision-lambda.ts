/**
 * The provisioning step in AWS: a CloudFormation custom resource (lib/constructs/database-provisioner.ts) whose
 * function runs in the VPC on every deploy that changes it, before the services update. It runs the same code as
 * npm start and the tests (provision.ts), as the instance's master user, the only place that user is used.
 *
 * Plain Node and pg, no AWS SDK: the master secret comes from the AWS Parameters and Secrets Lambda extension on
 * localhost (with its cache off, so a rotated password is read at once), and the answer to CloudFormation is a
 * PUT to the presigned URL of the event. Every outcome is answered, so a failure fails the deploy at once
 * (and rolls it back) instead of leaving CloudFormation waiting: retries and a database that does not answer
 * stop `ANSWER_RESERVE_MS` before the function's timeout.
 */
import { z } from 'zod';
import { databaseServerEnv, loadStepConfig } from '../config';
import { answerCustomResource, type CustomResourceEvent, type LambdaContext } from '../custom-resource';
import { beforeDeadline } from '../deadline';
import { adminFromUrl, provisionDatabases, type ServiceDatabase } from './provision';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Pauses before reading the master secret again when the database refuses it: a rotation changes the password
 * on the database a moment before the secret's current version moves to it (the first rotation runs right after
 * the instance is created, while this step may run). About 75 s in all, inside the function's 2 minutes.
 */
export const REFUSED_SECRET_RETRIES_MS: readonly number[] = [5_000, 10_000, 20_000, 40_000];

/** Lambda's entry point: Lambda calls it with the event and its context; settings come from the environment. */
export async function handler(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  await provisionAndAnswer(event, context, process.env, REFUSED_SECRET_RETRIES_MS);
}

export async function provisionAndAnswer(event: CustomResourceEvent, context: LambdaContext, env: Env, retriesMs: readonly number[]): Promise<void> {
  await answerCustomResource(event, context, {
    // One physical resource per instance: an update never replaces it, so CloudFormation never sends a Delete for the old one.
    physicalIdSuffix: 'provisioning',
    run: async (deadline) => {
      await provisionRetrying(databasesOf(event.ResourceProperties.Databases), env, retriesMs, deadline);
      return 'roles and databases provisioned';
    },
    // Deleting the resource keeps the roles and the data: they go with the instance, or stay with its snapshot.
    onDelete: 'nothing to remove',
    failed: 'provisioning failed',
  });
}

/**
 * `[{database, role, appRole?}]` (the owner, and the role the service runs as), checked: the template is ours, but
 * a mistake must fail the deploy with its reason.
 */
export function databasesOf(value: unknown): ServiceDatabase[] {
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`Databases must be a non-empty list of {database, role}; got ${JSON.stringify(value)}`);
  return list.map((item: { database?: unknown; role?: unknown; appRole?: unknown }) => {
    if (typeof item?.database !== 'string' || typeof item.role !== 'string') throw new Error(`each of Databases needs a database and a role; got ${JSON.stringify(item)}`);
    if (item.appRole !== undefined && typeof item.appRole !== 'string') throw new Error(`appRole of Databases must be a role name; got ${JSON.stringify(item)}`);
    // Services log in with IAM tokens: no password to set, none to rotate.
    return { database: item.database, role: item.role, iamAuth: true, ...(item.appRole === undefined ? {} : { app: { role: item.appRole } }) };
  });
}

/** Provisions, reading the secret again while the database refuses it, and gives up in time to answer by `deadline`. */
async function provisionRetrying(databases: ServiceDatabase[], env: Env, retriesMs: readonly number[], deadline: number): Promise<void> {
  let lastReason = '';
  for (let attempt = 0; ; attempt += 1) {
    try {
      const late = () => `provisioning did not finish before the function's timeout${lastReason ? `; last: ${lastReason}` : ''}`;
      return await beforeDeadline(provision(databases, env), deadline, late);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const pause = retriesMs[attempt];
      if ((code !== '28P01' && code !== '28000') || pause === undefined) throw error;
      lastReason = error instanceof Error ? error.message : String(error);
      if (Date.now() + pause >= deadline) throw new Error(`no time left to read the master secret again before the function's timeout; last: ${lastReason}`);
      console.error(JSON.stringify({ msg: 'the database refused the master secret: reading it again', code, attempt: attempt + 1 }));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The function's environment (lib/constructs/database-provisioner.ts sets it); checked all the same. */
const { DB_SSLMODE, ...server } = databaseServerEnv;
const provisionerSchema = z.object({ ...server, MASTER_SECRET_ARN: z.string().min(1), DB_SSLMODE });

async function provision(databases: ServiceDatabase[], env: Env): Promise<void> {
  const settings = loadStepConfig(provisionerSchema, env, 'the provisioning function\'s environment');
  const master = await secretFromExtension(settings.MASTER_SECRET_ARN, env);
  const server = new URL(`postgres://${settings.DB_HOST}:${settings.DB_PORT}`);
  server.username = encodeURIComponent(master.username);
  server.password = encodeURIComponent(master.password);
  // RDS requires TLS; the runtime's bundle of RDS certificates is trusted through NODE_EXTRA_CA_CERTS.
  server.searchParams.set('sslmode', settings.DB_SSLMODE);
  await provisionDatabases(adminFromUrl(server.toString()), databases);
}

async function secretFromExtension(secretArn: string, env: Env): Promise<{ username: string; password: string }> {
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  const response = await fetch(`http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretArn)}`, {
    headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`reading the master secret failed: ${response.status} ${await response.text()}`);
  const { SecretString } = (await response.json()) as { SecretString?: string };
  const secret = JSON.parse(SecretString ?? '{}') as { username?: unknown; password?: unknown };
  if (typeof secret.username !== 'string' || typeof secret.password !== 'string') throw new Error('the master secret has no username and password');
  return { username: secret.username, password: secret.password };
}
