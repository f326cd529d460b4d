/**
 * Cognito for tests: one seeded cognito-local per run (started from globalSetup), shared by every file.
 * Files never clean the pool; they stay apart by using fresh random emails.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminAddUserToGroupCommand, AdminInitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { inject } from 'vitest';
import { startLocalCognito } from '../../services/local/emulators/cognito';
import { createConfirmedUser, localCognitoClient } from '../../services/local/emulators/cognito-seed';

export interface TestCognitoEnv {
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly jwksUrl: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly adminGroup: string;
}

export interface TestCognito {
  readonly env: TestCognitoEnv;
  stop(): Promise<void>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by test/support/global-setup.ts from setupCognitoForTests(). */
    cognito: TestCognitoEnv;
  }
}

export const TEST_PASSWORD = 'Test-Passw0rd!';

/** A seeded emulator on a free port with its state in a temporary directory that stop() removes. */
export async function setupCognitoForTests(): Promise<TestCognito> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-test-cognito-'));
  const adminEmail = `admin-${randomBytes(4).toString('hex')}@example.com`;
  const adminPassword = 'Admin-Passw0rd!';
  try {
    const cognito = await startLocalCognito({ dataDir: dir, port: 0, adminEmail, adminPassword });
    const { endpoint, region, userPoolId, clientId, jwksUrl } = cognito;
    return {
      env: { endpoint, region, userPoolId, clientId, jwksUrl, adminEmail, adminPassword, adminGroup: 'admin' },
      stop: async () => {
        await cognito.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Same as setupCognitoForTests, flattened, for a file that needs its own emulator (restarts, other pools). */
export async function startTestCognito(): Promise<TestCognitoEnv & { stop(): Promise<void> }> {
  const { env, stop } = await setupCognitoForTests();
  return { ...env, stop };
}

/**
 * The run's shared emulator when globalSetup provides one; otherwise one for this file alone (the caller stops
 * it), so a file also runs under a config without the global setup.
 */
export async function acquireTestCognito(): Promise<TestCognito> {
  const shared = inject('cognito') as TestCognitoEnv | undefined;
  if (shared) return { env: shared, stop: async () => {} };
  return setupCognitoForTests();
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}@example.com`;
}

export interface TestUserTokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly refreshToken: string;
  readonly sub: string;
  readonly email: string;
  readonly password: string;
}

/** A confirmed user (optionally in the admin group), signed in as the Identity service does (ADMIN_USER_PASSWORD_AUTH). */
export async function createUserAndLogin(
  env: TestCognitoEnv,
  user: { email?: string; password?: string; admin?: boolean } = {},
): Promise<TestUserTokens> {
  const email = user.email ?? uniqueEmail(user.admin ? 'admin' : 'user');
  const password = user.password ?? TEST_PASSWORD;
  const client = localCognitoClient(env.endpoint, env.region);
  try {
    await createConfirmedUser(client, env.userPoolId, email, password);
    if (user.admin) {
      const add = { UserPoolId: env.userPoolId, Username: email, GroupName: env.adminGroup };
      await client.send(new AdminAddUserToGroupCommand(add));
    }
    return { ...(await login(env, email, password)), email, password };
  } finally {
    client.destroy();
  }
}

/** Signs in with AdminInitiateAuth: the platform's app client, like Cognito's, allows no public password sign-in. */
export async function login(env: TestCognitoEnv, email: string, password: string, clientId = env.clientId) {
  const client = localCognitoClient(env.endpoint, env.region);
  try {
    const { AuthenticationResult: result } = await client.send(
      new AdminInitiateAuthCommand({
        UserPoolId: env.userPoolId,
        ClientId: clientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    if (!result?.AccessToken || !result.IdToken || !result.RefreshToken) throw new Error(`no tokens for ${email}`);
    const { AccessToken: accessToken, IdToken: idToken, RefreshToken: refreshToken } = result;
    return { accessToken, idToken, refreshToken, sub: subOf(accessToken) };
  } finally {
    client.destroy();
  }
}

function subOf(jwt: string): string {
  const payload: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
  const sub = (payload as { sub?: unknown }).sub;
  if (typeof sub !== 'string') throw new Error('access token without sub');
  return sub;
}
