/**
 * The offline Cognito refuses what Cognito refuses on the platform's app client: no public password or SRP sign-in
 * with its client id (which every token carries), so offline, too, only the Identity service's AdminInitiateAuth
 * signs users in. cognito-local alone checks no app client's flows (services/local/emulators/cognito-auth-flows.mjs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminInitiateAuthCommand,
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  InitiateAuthCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCognito, type LocalCognito } from '../../../../services/local/emulators/cognito';
import { createConfirmedUser, localCognitoClient, PLATFORM_AUTH_FLOWS } from '../../../../services/local/emulators/cognito-seed';
import { TEST_PASSWORD, uniqueEmail } from '../../../support/cognito';

const admin = { adminEmail: 'admin@example.com', adminPassword: 'Admin-Passw0rd!' };
let dir: string;
let cognito: LocalCognito;
let client: CognitoIdentityProviderClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cognito-auth-flows-test-'));
  cognito = await startLocalCognito({ dataDir: dir, port: 0, ...admin });
  client = localCognitoClient(cognito.endpoint, cognito.region);
});

afterAll(async () => {
  client?.destroy();
  await cognito?.stop();
  await rm(dir, { recursive: true, force: true });
});

const failureOf = (attempt: Promise<unknown>) => attempt.then(() => undefined, (error: unknown) => error as Error);
const publicSignIn = (AuthFlow: 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH', ClientId = cognito.clientId) =>
  client.send(new InitiateAuthCommand({ ClientId, AuthFlow, AuthParameters: { USERNAME: admin.adminEmail, PASSWORD: admin.adminPassword, SRP_A: 'ab' } }));
const adminSignIn = (USERNAME: string, PASSWORD: string, ClientId = cognito.clientId) =>
  client.send(new AdminInitiateAuthCommand({ UserPoolId: cognito.userPoolId, ClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));
const flowsOf = async (ClientId: string) =>
  (await client.send(new DescribeUserPoolClientCommand({ UserPoolId: cognito.userPoolId, ClientId }))).UserPoolClient?.ExplicitAuthFlows;

describe('the platform app client', () => {
  it('when its flows are asked, then they are the CDK client\'s: admin password sign-in and refresh', async () => {
    expect(await flowsOf(cognito.clientId)).toEqual(['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it.each(['USER_PASSWORD_AUTH', 'USER_SRP_AUTH'] as const)('when anyone calls the public InitiateAuth with %s and its client id, then it is refused as Cognito refuses it, the right password notwithstanding', async (flow) => {
    const error = await failureOf(publicSignIn(flow));
    expect({ name: error?.name, message: error?.message }).toEqual({ name: 'InvalidParameterException', message: `${flow} flow not enabled for this client` });
  });

  it('when the Identity service signs in (AdminInitiateAuth), then tokens come back, and the refresh token refreshes, publicly too, as on Cognito', async () => {
    const { AuthenticationResult: signedIn } = await adminSignIn(admin.adminEmail, admin.adminPassword);
    expect(signedIn?.AccessToken).toBeTruthy();
    const refreshed = await client.send(new InitiateAuthCommand({ ClientId: cognito.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: signedIn!.RefreshToken! } }));
    expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();
  });
});

describe('an admin password sign-in, checked as Cognito checks it', () => {
  it('when the user has only a temporary password, then it answers the NEW_PASSWORD_REQUIRED challenge, not tokens', async () => {
    const email = uniqueEmail('temporary');
    await client.send(new AdminCreateUserCommand({ UserPoolId: cognito.userPoolId, Username: email, TemporaryPassword: TEST_PASSWORD, MessageAction: 'SUPPRESS' }));
    const answer = await adminSignIn(email, TEST_PASSWORD);
    expect({ challenge: answer.ChallengeName, tokens: answer.AuthenticationResult }).toEqual({ challenge: 'NEW_PASSWORD_REQUIRED', tokens: undefined });
  });

  it('when the user is disabled, then it is refused (NotAuthorizedException), the right password notwithstanding', async () => {
    const email = uniqueEmail('disabled');
    await createConfirmedUser(client, cognito.userPoolId, email, TEST_PASSWORD);
    await client.send(new AdminDisableUserCommand({ UserPoolId: cognito.userPoolId, Username: email }));
    expect((await failureOf(adminSignIn(email, TEST_PASSWORD)))?.name).toBe('NotAuthorizedException');
  });

  it('when a client allows only the public password flow, or was made without a list (Cognito\'s default: SRP, custom, refresh), then it is refused', async () => {
    const only = async (flows?: ['ALLOW_USER_PASSWORD_AUTH']) =>
      (await client.send(new CreateUserPoolClientCommand({ UserPoolId: cognito.userPoolId, ClientName: `flows-${Date.now()}`, ...(flows ? { ExplicitAuthFlows: flows } : {}) }))).UserPoolClient!.ClientId!;
    const [publicOnly, unlisted] = [await only(['ALLOW_USER_PASSWORD_AUTH']), await only()];
    expect((await failureOf(adminSignIn(admin.adminEmail, admin.adminPassword, publicOnly)))?.message).toBe('ADMIN_USER_PASSWORD_AUTH flow not enabled for this client');
    expect((await failureOf(adminSignIn(admin.adminEmail, admin.adminPassword, unlisted)))?.name).toBe('InvalidParameterException');
    expect((await failureOf(publicSignIn('USER_PASSWORD_AUTH', unlisted)))?.name).toBe('InvalidParameterException');
    await expect(publicSignIn('USER_PASSWORD_AUTH', publicOnly)).resolves.toMatchObject({ AuthenticationResult: { AccessToken: expect.any(String) } });
  });
});

describe('when a data directory kept from an earlier release holds the platform client with public password sign-in', () => {
  it('then a start gives it the platform\'s flows in place: the same id, so the services and every token keep it', async () => {
    await client.send(new UpdateUserPoolClientCommand({ UserPoolId: cognito.userPoolId, ClientId: cognito.clientId, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    const before = cognito.clientId;
    await cognito.stop();
    cognito = await startLocalCognito({ dataDir: dir, port: 0, ...admin });
    client.destroy();
    client = localCognitoClient(cognito.endpoint, cognito.region);
    expect(cognito.clientId).toBe(before);
    expect(await flowsOf(before)).toEqual([...PLATFORM_AUTH_FLOWS]);
    expect((await failureOf(publicSignIn('USER_PASSWORD_AUTH')))?.name).toBe('InvalidParameterException');
  });
});
