import { CreateUserPoolClientCommand, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCognitoClient, PLATFORM_AUTH_FLOWS } from '../../../../services/local/emulators/cognito-seed';
import { AppError } from '../../../../services/kit/errors';
import { createJwtVerifier, type AccessTokenVerifier } from '../../../../services/kit/auth/jwt-verifier';
import {
  acquireTestCognito,
  createUserAndLogin,
  login,
  type TestCognito,
  type TestUserTokens,
} from '../../../support/cognito';
import { cognitoLocalPrivateKey, cognitoLocalPublicPem, decodeJwt, strangerKey, nowSeconds, reforge } from '../../../support/jwt-forge';

let cognito: TestCognito;
let verifier: AccessTokenVerifier;
let user: TestUserTokens;
/** Real tokens that cognito-local issued, for the cases that need no forging. */
const real = { otherClient: '', otherPool: '' };

beforeAll(async () => {
  cognito = await acquireTestCognito();
  const { env } = cognito;
  verifier = createJwtVerifier({ userPoolId: env.userPoolId, clientId: env.clientId, jwksUrl: env.jwksUrl });
  user = await createUserAndLogin(env);
  const client = localCognitoClient(env.endpoint, env.region);
  const second = await client.send(
    new CreateUserPoolClientCommand({ UserPoolId: env.userPoolId, ClientName: `other-${Date.now()}`, ExplicitAuthFlows: [...PLATFORM_AUTH_FLOWS] }),
  );
  real.otherClient = (await login(env, user.email, user.password, second.UserPoolClient?.ClientId)).accessToken;
  // A pool made through the API gets a `local_…` id: another pool, signed by the very same shipped key.
  const pool = await client.send(new CreateUserPoolCommand({ PoolName: `other-${Date.now()}` }));
  const poolId = pool.UserPool?.Id ?? '';
  const poolClient = await client.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'x', ExplicitAuthFlows: [...PLATFORM_AUTH_FLOWS] }));
  const otherEnv = { ...env, userPoolId: poolId, clientId: poolClient.UserPoolClient?.ClientId ?? '' };
  real.otherPool = (await createUserAndLogin(otherEnv)).accessToken;
  client.destroy();
});

afterAll(() => cognito?.stop());

async function rejection(token: string): Promise<AppError> {
  const error: unknown = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/**
 * A real token's claims, re-signed, with `claim` set to raw JSON text: `1e999`, which JSON.parse reads as
 * Infinity and JSON.stringify cannot write.
 */
function withRawClaim(token: string, claim: string, json: string): string {
  const { header, payload } = decodeJwt(token);
  const claims = JSON.stringify({ ...payload, [claim]: 0 }).replace(`"${claim}":0`, `"${claim}":${json}`);
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(claims).toString('base64url')}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(cognitoLocalPrivateKey).toString('base64url')}`;
}

/** Keeps the header and the signature of a real token, swaps the claims. */
function tamper(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  const payload = Buffer.from(JSON.stringify({ ...decodeJwt(token).payload, ...changes })).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

describe('when a valid access token is presented', () => {
  it('then it yields the principal', async () => {
    const principal = await verifier.verify(user.accessToken);
    expect(principal).toEqual({
      sub: user.sub,
      username: expect.any(String),
      groups: [],
      scopes: ['aws.cognito.signin.user.admin'],
      exp: expect.any(Number),
      issuedAt: decodeJwt(user.accessToken).payload.iat,
    });
    expect(principal.exp).toBeGreaterThan(nowSeconds());
  });

  it('then a re-signed copy with no change passes too, so each rejection below is due to its one change', async () => {
    await expect(verifier.verify(reforge(user.accessToken, {}))).resolves.toMatchObject({ sub: user.sub });
  });

  it('then an admin token carries the admin group', async () => {
    const admin = await createUserAndLogin(cognito.env, { admin: true });
    await expect(verifier.verify(admin.accessToken)).resolves.toMatchObject({ groups: ['admin'] });
  });
});

describe('when the token is not acceptable', () => {
  // [situation, token, the aws-jwt-verify error behind the 401] — the reason proves which check fired.
  const cases: Array<[string, () => string, string]> = [
    ['it uses alg none', () => reforge(user.accessToken, {}, { header: { alg: 'none' } }), 'JwtParseError'],
    [
      'it is HS256 signed with the public key as the secret',
      () => reforge(user.accessToken, {}, { header: { alg: 'HS256' }, hmacSecret: cognitoLocalPublicPem }),
      'JwtInvalidSignatureAlgorithmError',
    ],
    [
      'its kid is unknown',
      () => reforge(user.accessToken, {}, { header: { kid: 'unknown-kid' }, key: strangerKey() }),
      'KidNotFoundInJwksError',
    ],
    [
      'it is signed by another key under the known kid',
      () => reforge(user.accessToken, {}, { key: strangerKey() }),
      'JwtInvalidSignatureError',
    ],
    [
      'its claims were changed after signing',
      () => tamper(user.accessToken, { 'cognito:groups': ['admin'] }),
      'JwtInvalidSignatureError',
    ],
    [
      'it has expired',
      () => reforge(user.accessToken, { exp: nowSeconds() - 5, iat: nowSeconds() - 3605 }),
      'JwtExpiredError',
    ],
    ['its nbf is in the future', () => reforge(user.accessToken, { nbf: nowSeconds() + 600 }), 'JwtNotBeforeError'],
    ['it has no exp', () => reforge(user.accessToken, { exp: undefined }), 'FailedAssertionError'],
    ['it has no iat', () => reforge(user.accessToken, { iat: undefined }), 'FailedAssertionError'],
    // aws-jwt-verify itself refuses an iat or exp that is not a finite number; pinned here because revocations.ts
    // compares `iat`: an Infinity would be issued after every revocation, and an infinite exp would never expire.
    ['its iat is a string', () => reforge(user.accessToken, { iat: String(nowSeconds()) }), 'JwtParseError'],
    ['its iat is not finite (1e999)', () => withRawClaim(user.accessToken, 'iat', '1e999'), 'JwtParseError'],
    ['its exp is not finite (1e999)', () => withRawClaim(user.accessToken, 'exp', '1e999'), 'JwtParseError'],
    ['its sub has a NUL in it', () => reforge(user.accessToken, { sub: 'a\u0000b' }), 'FailedAssertionError'],
    ['its sub is 10,000 characters long', () => reforge(user.accessToken, { sub: 'x'.repeat(10_000) }), 'FailedAssertionError'],
    ['it has no sub', () => reforge(user.accessToken, { sub: undefined }), 'FailedAssertionError'],
    // Revocation lists are looked up by the sub as text, and Identity revokes only a UUID's: such a token would
    // never be revoked. Cognito's subs are UUIDs in lower case.
    ['its sub is no UUID', () => reforge(user.accessToken, { sub: 'not-a-uuid' }), 'FailedAssertionError'],
    ['its sub is its user\'s UUID in capitals', () => reforge(user.accessToken, { sub: user.sub.toUpperCase() }), 'FailedAssertionError'],
    ['its sub is a UUID without its hyphens', () => reforge(user.accessToken, { sub: user.sub.replaceAll('-', '') }), 'FailedAssertionError'],
    [
      'its issuer is the emulator default instead of the pool',
      () => reforge(user.accessToken, { iss: `${cognito.env.endpoint}/${cognito.env.userPoolId}` }),
      'ParameterValidationError', // aws-jwt-verify's way to say "issuer not configured"
    ],
    ['it was issued to another app client', () => real.otherClient, 'CognitoJwtInvalidClientIdError'],
    ['it is an id token', () => user.idToken, 'CognitoJwtInvalidTokenUseError'],
    ['it comes from another pool', () => real.otherPool, 'ParameterValidationError'],
    ['it is not a JWT at all', () => 'not-a-jwt', 'MalformedTokenError'],
    // aws-jwt-verify accepts these spellings of a valid token: each would be a new key for a per-token limit.
    ['it is a valid token with "=" padding', () => `${user.accessToken}=`, 'MalformedTokenError'],
    ['it is a valid token with "==" padding', () => `${user.accessToken}==`, 'MalformedTokenError'],
    ['it is a valid token with a padded payload', () => user.accessToken.replace('.', '=.'), 'MalformedTokenError'],
  ];

  it.each(cases)('when %s, then it is rejected with 401 invalid_token', async (_name, token, reason) => {
    const error = await rejection(token());
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    expect((error.cause as Error).constructor.name).toBe(reason);
  });
});
