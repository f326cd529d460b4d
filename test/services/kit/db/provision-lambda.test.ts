import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANSWER_RESERVE_MS } from '../../../../services/kit/custom-resource';
import { databasesOf, handler, provisionAndAnswer, REFUSED_SECRET_RETRIES_MS } from '../../../../services/kit/db/provision-lambda';
import { urlOfDatabase } from '../../../../services/kit/db/provision';
import { passwordCheckingServer, type PasswordCheckingServer } from '../../../support/database-passwords';
import { queryRows } from '../../../support/database';

/**
 * The provisioning function as CloudFormation calls it, against a PostgreSQL that checks passwords (so a refused
 * master password is refused, as RDS refuses it): the Parameters and Secrets extension and CloudFormation's
 * response URL are stood in for by one local HTTP server, the only parts of AWS it talks to.
 */
const run = randomBytes(3).toString('hex');
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf';
const databases = [
  { database: `t_lambda_${run}_a`, role: `t_lambda_${run}_a_service`, appRole: `t_lambda_${run}_a_app` },
  { database: `t_lambda_${run}_b`, role: `t_lambda_${run}_b_service`, appRole: `t_lambda_${run}_b_app` },
];

let postgres: PasswordCheckingServer;
let server: URL;
/** How many more reads of the secret answer a password the database refuses (a rotation half done). */
let staleReads = 0;
let aws: Server;
let awsPort: number;
const answers: Array<Record<string, unknown>> = [];
let createdRdsIam = false;

const asAdmin = <R extends pg.QueryResultRow>(text: string): Promise<R[]> => queryRows<R>(urlOfDatabase(server.toString(), 'postgres'), text);

beforeAll(async () => {
  postgres = await passwordCheckingServer();
  server = new URL(postgres.url);
  aws = createServer((request, response) => {
    const url = new URL(request.url!, 'http://localhost');
    if (url.pathname === '/secretsmanager/get') {
      const allowed = request.headers['x-aws-parameters-secrets-token'] === 'session-token' && url.searchParams.get('secretId') === SECRET_ARN;
      const password = staleReads > 0 ? 'the-password-before-rotation' : decodeURIComponent(server.password);
      staleReads = Math.max(0, staleReads - 1);
      response.writeHead(allowed ? 200 : 403).end(allowed ? JSON.stringify({ SecretString: JSON.stringify({ username: decodeURIComponent(server.username), password }) }) : 'forbidden');
      return;
    }
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      answers.push({ method: request.method, path: url.pathname, ...(JSON.parse(body) as Record<string, unknown>) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
  awsPort = (aws.address() as AddressInfo).port;
  // RDS's role for IAM logins; a plain server has none, so one stands in for it (and stays: it grants nothing).
  if ((await asAdmin("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'")).length === 0) {
    await asAdmin('CREATE ROLE rds_iam NOLOGIN').catch(() => {}); // another file may have made it meanwhile
    createdRdsIam = true;
  }
});
afterAll(async () => {
  for (const { database, role, appRole } of databases) {
    await asAdmin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await asAdmin(`DROP ROLE IF EXISTS "${role}"`);
    await asAdmin(`DROP ROLE IF EXISTS "${appRole}"`);
  }
  if (createdRdsIam) await asAdmin('DROP ROLE IF EXISTS rds_iam').catch(() => {});
  await new Promise((resolve) => aws.close(resolve));
  await postgres.stop();
}, 30_000);

const env = () => ({
  DB_HOST: server.hostname,
  DB_PORT: server.port || '5432',
  DB_SSLMODE: 'disable', // the test server has no TLS; in AWS it is verify-full
  MASTER_SECRET_ARN: SECRET_ARN,
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(awsPort),
  AWS_SESSION_TOKEN: 'session-token',
});
/** Lambda's context, with `ms` left before the function's timeout (2 minutes in AWS). */
const lambdaContext = (ms = 120_000) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};
const call = (e: ReturnType<typeof event>, settings: Record<string, string> = env(), retriesMs: readonly number[] = REFUSED_SECRET_RETRIES_MS, context = lambdaContext()) =>
  provisionAndAnswer(e, context, settings, retriesMs);
const event = (RequestType: 'Create' | 'Update' | 'Delete', Databases: unknown = databases) => ({
  RequestType,
  ResponseURL: `http://127.0.0.1:${awsPort}/cfn-response?signature=x`,
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/platform-dev-data/1',
  RequestId: `request-${answers.length}`,
  LogicalResourceId: 'SharedDatabaseProvisionerRun',
  ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'SharedDatabaseProvisionerRun-provisioning' }),
  ResourceProperties: { Databases },
});

describe('the provisioning function', () => {
  it('when CloudFormation creates the resource, then each owner and app role is made for IAM logins, the owner owns its database, the app role may connect, and SUCCESS is answered', async () => {
    await call(event('Create'));
    expect(answers.at(-1)).toMatchObject({ method: 'PUT', path: '/cfn-response', Status: 'SUCCESS', PhysicalResourceId: 'SharedDatabaseProvisionerRun-provisioning', RequestId: 'request-0' });
    for (const { database, role, appRole } of databases) {
      const [owner] = await asAdmin<{ owner: string }>(`SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = '${database}'`);
      expect(owner).toEqual({ owner: role });
      for (const login of [role, appRole]) {
        const iam = await asAdmin(`SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = 'rds_iam' AND u.rolname = '${login}'`);
        expect(iam).toHaveLength(1);
      }
      const [connect] = await asAdmin<{ ok: boolean }>(`SELECT has_database_privilege('${appRole}', '${database}', 'CONNECT') AS ok`);
      expect(connect).toEqual({ ok: true });
    }
  });

  it('when a redeploy updates it, then it runs again and succeeds; when it is deleted, then the data stays', async () => {
    await call(event('Update'));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS' });
    await call(event('Delete'));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', Reason: 'nothing to remove' });
    expect(await asAdmin(`SELECT 1 FROM pg_database WHERE datname = '${databases[0]!.database}'`)).toHaveLength(1);
  });

  it('when the secret cannot be read or the list is wrong, then FAILED is answered with the reason, so the deploy rolls back at once, and the log says why', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await call(event('Update'), { ...env(), AWS_SESSION_TOKEN: 'stolen' });
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/reading the master secret failed: 403/) });
      await call(event('Update', [{ database: 'x' }]));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/needs a database and a role; got \{"database":"x"\}/) });
      expect(logged.mock.calls.map(([line]) => JSON.parse(String(line)).msg)).toEqual(['provisioning failed', 'provisioning failed']);
    } finally {
      logged.mockRestore();
    }
  });

  it('when its settings are missing or wrong, then FAILED is answered on one line naming each, before any secret is read', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { MASTER_SECRET_ARN: _arn, ...withoutSecret } = env();
      await call(event('Update'), { ...withoutSecret, DB_PORT: '54x', DB_SSLMODE: 'strict' });
      expect(answers.at(-1)).toMatchObject({
        Status: 'FAILED',
        Reason: expect.stringMatching(/^the provisioning function's environment: DB_PORT: [^;]+ \(got "54x"\); MASTER_SECRET_ARN: [^;]+ \(it is not set\); DB_SSLMODE: [^;]+ \(got "strict"\)$/),
      });
    } finally {
      logged.mockRestore();
    }
  });

  it('when the database refuses the secret\'s password for a while (a rotation half done), then it reads the secret again and succeeds', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      staleReads = 2;
      await call(event('Update'), env(), [10, 10, 10]);
      expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS' });
      expect(logged).toHaveBeenCalledTimes(2);
      staleReads = 5;
      await call(event('Update'), env(), [10, 10]);
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/password authentication failed/) });
    } finally {
      staleReads = 0;
      logged.mockRestore();
    }
  });

  it('when Lambda calls the handler with the event and its context, then the settings come from the environment', async () => {
    for (const [name, value] of Object.entries(env())) vi.stubEnv(name, value);
    try {
      await handler(event('Update'), lambdaContext());
      // The answer's Reason in the message: a FAILED here (once in CI, 12-04) says why.
      expect(answers.at(-1), String(answers.at(-1)?.Reason)).toMatchObject({ Status: 'SUCCESS' });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('when the next pause would outlast the function\'s time less the reserve to answer, then FAILED is answered at once with the last refusal', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      staleReads = 5;
      const started = Date.now();
      // 30 s left past the reserve, and a 60 s pause next: waiting would end after the function's timeout.
      await call(event('Update'), env(), [60_000], lambdaContext(ANSWER_RESERVE_MS + 30_000));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/no time left .* before the function's timeout; last: .*password authentication failed/) });
    } finally {
      staleReads = 0;
      logged.mockRestore();
    }
  });

  it('when the database does not answer, then FAILED is answered before the function\'s timeout, not after', async () => {
    // Accepts connections and never speaks: a database behind a black hole.
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const port = String((silent.address() as AddressInfo).port);
      await call(event('Update'), { ...env(), DB_HOST: '127.0.0.1', DB_PORT: port }, [10], lambdaContext(ANSWER_RESERVE_MS + 500));
      expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not finish before the function's timeout/) });
    } finally {
      logged.mockRestore();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('when Databases arrives as a JSON string, then it is read the same; roles always get IAM logins', () => {
    expect(databasesOf(JSON.stringify(databases))).toEqual(databases.map(({ appRole, ...d }) => ({ ...d, iamAuth: true, app: { role: appRole } })));
    expect(databasesOf([{ database: 'd', role: 'r' }])).toEqual([{ database: 'd', role: 'r', iamAuth: true }]);
    expect(() => databasesOf([{ database: 'd', role: 'r', appRole: 7 }])).toThrow(/appRole of Databases must be a role name; got \{"database":"d","role":"r","appRole":7\}/);
    expect(() => databasesOf([])).toThrow(/non-empty list/);
  });
});
