/**
 * The scope model, and exactly what differs offline (docs/identity.md, "Scopes offline"). Every authenticated
 * route requires the API scope. In AWS the pool's trigger puts it in every access token; cognito-local cannot,
 * and hard-codes the self-service scope instead, which stands in for the API scope only in a verifier configured
 * for the emulator (COGNITO_ENDPOINT set). The "AWS" verifier below is the same configuration with the emulator's
 * keys (the only thing AWS mode fetches from elsewhere), so a forged token with the self-service scope alone is
 * what a real pool's token would be without the trigger: refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifierFromConfig, verifierOptionsFromConfig } from '../../../../services/kit/auth/from-config';
import { createJwtVerifier, type AccessTokenVerifier } from '../../../../services/kit/auth/jwt-verifier';
import { API_SCOPE, COGNITO_USER_SCOPE } from '../../../../services/contracts/scopes';
import { AppError } from '../../../../services/kit/errors';
import { acquireTestCognito, createUserAndLogin, type TestCognito, type TestUserTokens } from '../../../support/cognito';
import { decodeJwt, reforge } from '../../../support/jwt-forge';

let cognito: TestCognito;
let user: TestUserTokens;
let emulatorMode: AccessTokenVerifier;
let awsMode: AccessTokenVerifier;

beforeAll(async () => {
  cognito = await acquireTestCognito();
  const { userPoolId, clientId, endpoint, jwksUrl } = cognito.env;
  emulatorMode = verifierFromConfig({ COGNITO_USER_POOL_ID: userPoolId, COGNITO_CLIENT_ID: clientId, COGNITO_ENDPOINT: endpoint });
  const aws = verifierOptionsFromConfig({ COGNITO_USER_POOL_ID: userPoolId, COGNITO_CLIENT_ID: clientId });
  awsMode = createJwtVerifier({ ...aws, jwksUrl });
  user = await createUserAndLogin(cognito.env);
});

afterAll(() => cognito?.stop());

async function status(verifier: AccessTokenVerifier, token: string): Promise<number> {
  return verifier.verify(token).then(
    () => 200,
    (error: unknown) => (error instanceof AppError ? error.status : 500),
  );
}

describe('the verifier configuration', () => {
  it('when COGNITO_ENDPOINT is unset (AWS), then the API scope is required and nothing stands in for it', () => {
    expect(verifierOptionsFromConfig({ COGNITO_USER_POOL_ID: 'us-east-1_AbC123', COGNITO_CLIENT_ID: 'client' })).toEqual({
      userPoolId: 'us-east-1_AbC123',
      clientId: 'client',
      requiredScopes: [API_SCOPE],
    });
  });

  it('when COGNITO_ENDPOINT is set (emulator), then the self-service scope stands in for the API scope, and only then', () => {
    const options = verifierOptionsFromConfig({ COGNITO_USER_POOL_ID: 'us-east-1_AbC123', COGNITO_CLIENT_ID: 'client', COGNITO_ENDPOINT: 'http://127.0.0.1:9229/' });
    expect(options).toMatchObject({
      requiredScopes: [API_SCOPE],
      scopeStandIns: { [COGNITO_USER_SCOPE]: API_SCOPE },
      jwksUrl: 'http://127.0.0.1:9229/us-east-1_AbC123/.well-known/jwks.json',
    });
  });
});

describe('when the emulator issues its access token (self-service scope only)', () => {
  it('then it carries no API scope of its own: the difference this file pins', () => {
    expect(decodeJwt(user.accessToken).payload.scope).toBe(COGNITO_USER_SCOPE);
  });

  it('then a verifier in emulator mode accepts it, with the API scope standing in', async () => {
    await expect(emulatorMode.verify(user.accessToken)).resolves.toMatchObject({ scopes: [COGNITO_USER_SCOPE, API_SCOPE] });
  });

  it('then a verifier in AWS mode refuses it with 401', async () => {
    expect(await status(awsMode, user.accessToken)).toBe(401);
  });
});

describe('when a token is shaped as the AWS trigger shapes it (API scope, self-service scope suppressed)', () => {
  it('then both modes accept it', async () => {
    const shaped = reforge(user.accessToken, { scope: API_SCOPE });
    expect(await status(awsMode, shaped)).toBe(200);
    expect(await status(emulatorMode, shaped)).toBe(200);
  });
});

describe.each([
  ['another scope only', { scope: 'openid profile' }],
  ['no scope at all', { scope: undefined }],
  ['a scope that merely contains the API scope', { scope: `${API_SCOPE}x x${API_SCOPE}` }],
])('when a token carries %s', (_case, claims) => {
  it('then both modes refuse it with 401', async () => {
    const token = reforge(user.accessToken, claims);
    expect(await status(awsMode, token)).toBe(401);
    expect(await status(emulatorMode, token)).toBe(401);
  });
});
