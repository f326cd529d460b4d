/**
 * Deletion signs the user out everywhere (AdminUserGlobalSignOut) before deleting it, so its refresh tokens stop
 * working even if the delete itself fails. cognito-local 5.3 has no such operation: offline the adapter skips it
 * (globalSignOut: false, as main.ts sets it when COGNITO_ENDPOINT is set), and the emulator's AdminDeleteUser
 * takes the refresh tokens with the user. Against AWS the call is made; here a middleware answers for the
 * missing operation and records the order of the calls that reach the pool.
 */
import { AdminUserGlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityProviderCognito } from '../../../../services/identity/data-access/identity-provider-cognito';
import { localCognitoClient } from '../../../../services/local/emulators/cognito-seed';
import { bearerOf, signIn, signUp, startIdentityHarness, type IdentityHarness } from '../../../support/identity';

let harness: IdentityHarness;

beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

/** A client on the emulator that records each command and answers AdminUserGlobalSignOut as AWS would. */
function recordingClient(calls: string[]) {
  const client = localCognitoClient(harness.cognito.endpoint, harness.cognito.region);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(`${context.commandName}:${(args.input as { Username?: string }).Username ?? ''}`);
      if (context.commandName === 'AdminUserGlobalSignOutCommand') return { output: { $metadata: { httpStatusCode: 200 } }, response: {} };
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return client;
}

describe('deleting an account', () => {
  it('when the pool supports global sign-out (AWS), then the user is signed out everywhere before it is deleted', async () => {
    const calls: string[] = [];
    const client = recordingClient(calls);
    try {
      const identityProvider = identityProviderCognito({ client, userPoolId: harness.cognito.userPoolId, clientId: harness.cognito.clientId, globalSignOut: true });
      const account = await signUp(harness.app);
      const tokens = await signIn(harness.app, account.email);
      const username = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1]!, 'base64url').toString()).username as string;
      const res = await request(harness.appWith({ identityProvider })).delete('/identity/me').set(bearerOf(tokens.accessToken));
      expect(res.status).toBe(204);
      expect(calls).toEqual([`AdminGetUserCommand:${username}`, `AdminUserGlobalSignOutCommand:${username}`, `AdminDeleteUserCommand:${username}`]);
    } finally {
      client.destroy();
    }
  });

  it('when the pool is the emulator (offline), then no global sign-out is sent, and the old refresh token fails all the same', async () => {
    const calls: string[] = [];
    const client = recordingClient(calls);
    try {
      const identityProvider = identityProviderCognito({ client, userPoolId: harness.cognito.userPoolId, clientId: harness.cognito.clientId, globalSignOut: false });
      const account = await signUp(harness.app);
      const tokens = await signIn(harness.app, account.email);
      expect((await request(harness.appWith({ identityProvider })).delete('/identity/me').set(bearerOf(tokens.accessToken))).status).toBe(204);
      expect(calls.map((call) => call.split(':')[0])).toEqual(['AdminGetUserCommand', 'AdminDeleteUserCommand']);
      expect((await request(harness.app).post('/identity/token/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(401);
    } finally {
      client.destroy();
    }
  });

  it('when cognito-local is asked for AdminUserGlobalSignOut, then it refuses: the reason offline skips it', async () => {
    const account = await signUp(harness.app);
    const call = harness.cognitoClient.send(new AdminUserGlobalSignOutCommand({ UserPoolId: harness.cognito.userPoolId, Username: account.email }));
    await expect(call).rejects.toThrow();
  });
});
