import { CreateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localCognitoClient, PLATFORM_AUTH_FLOWS } from '../../../services/local/emulators/cognito-seed';
import type { Principal } from '../../../services/kit/auth/jwt-verifier';
import { loginAs, testVerifier, type TestTokens } from '../../support/auth';
import { login } from '../../support/cognito';
import { cognitoLocalPublicPem, nowSeconds, reforge, strangerKey } from '../../support/jwt-forge';
import { call, FakeClock, startEchoUpstreams, startTestGateway, type Problem, type TestServer, type Upstreams } from './support';

let upstreams: Upstreams;
let gateway: TestServer;
let user: TestTokens;
let admin: TestTokens;
let otherClientToken: string;
/** The real verifier, counted: how many tokens reached a signature check. */
const verifications = { count: 0 };
const clock = new FakeClock();

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  const real = testVerifier();
  const verifier = {
    verify: (token: string): Promise<Principal> => {
      verifications.count++;
      return real.verify(token);
    },
  };
  gateway = await startTestGateway({ upstreams: upstreams.urls, verifier, clock: clock.now });
  [user, admin] = await Promise.all([loginAs(), loginAs({ admin: true })]);
  const env = inject('cognito');
  const client = localCognitoClient(env.endpoint, env.region);
  const other = await client.send(new CreateUserPoolClientCommand({ UserPoolId: env.userPoolId, ClientName: `gw-${Date.now()}`, ExplicitAuthFlows: [...PLATFORM_AUTH_FLOWS] }));
  client.destroy();
  otherClientToken = (await login(env, user.email, user.password, other.UserPoolClient?.ClientId)).accessToken;
});

afterAll(async () => {
  await gateway?.close();
  await upstreams?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => call(gateway.url, 'GET', path, { headers });
const seenBy = (service: 'identity' | 'billing' | 'product') => upstreams.byService[service].seen.length;

describe('when a user route is called with a valid access token from cognito-local', () => {
  it('then the request reaches the service', async () => {
    const answer = await get('/billing/account', { authorization: `Bearer ${user.accessToken}` });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ service: 'billing', url: '/billing/account' });
  });

  it('then the scheme is case-insensitive', async () => {
    const answer = await get('/identity/me', { authorization: `bearer ${user.accessToken}` });
    expect(answer.status).toBe(200);
  });
});

describe('when an admin route is called by a user outside the admin group', () => {
  it('then the gateway forwards it: groups are for the service to check (403), as in API Gateway', async () => {
    const answer = await call(gateway.url, 'DELETE', '/products/p1', { headers: { authorization: `Bearer ${user.accessToken}` } });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ service: 'product', method: 'DELETE' });
  });

  it('then an admin token passes the same way', async () => {
    const answer = await call(gateway.url, 'DELETE', '/products/p1', { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(answer.status).toBe(200);
  });
});

describe('when no usable bearer credentials are sent', () => {
  it.each([
    ['no Authorization header', {}],
    ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('when %s, then 401 with a bare Bearer challenge and the service is not called', async (_name, headers) => {
    const before = seenBy('identity');
    const answer = await get('/identity/me', headers as Record<string, string>);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    expect(answer.json<Problem>()).toMatchObject({ type: 'urn:problem-type:platform:unauthorized', status: 401 });
    expect(seenBy('identity')).toBe(before);
  });
});

describe('when the token is not acceptable', () => {
  const cases: Array<[string, () => string]> = [
    ['it uses alg none', () => reforge(user.accessToken, {}, { header: { alg: 'none' } })],
    ['it is HS256 signed with the public key', () => reforge(user.accessToken, {}, { header: { alg: 'HS256' }, hmacSecret: cognitoLocalPublicPem })],
    ['its kid is unknown', () => reforge(user.accessToken, {}, { header: { kid: 'unknown-kid' }, key: strangerKey() })],
    ['its signature is bad', () => reforge(user.accessToken, {}, { key: strangerKey() })],
    ['it has expired', () => reforge(user.accessToken, { exp: nowSeconds() - 5, iat: nowSeconds() - 3605 })],
    ['its nbf is in the future', () => reforge(user.accessToken, { nbf: nowSeconds() + 600 })],
    ['it has no exp', () => reforge(user.accessToken, { exp: undefined })],
    ['its issuer is wrong', () => reforge(user.accessToken, { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other1234' })],
    ['it was issued to another client', () => otherClientToken],
    ['it is an id token', () => user.idToken],
    ['it lacks the required scope', () => reforge(user.accessToken, { scope: 'openid profile' })],
    ['it has no scope at all', () => reforge(user.accessToken, { scope: undefined })],
    ['it is not a JWT', () => 'not-a-jwt'],
    ['it has characters a token cannot have', () => 'abc def"ghi'],
    ['it is a valid token with "=" padding (another key for a per-token limit)', () => `${user.accessToken}=`],
    ['it is a valid token with "==" padding', () => `${user.accessToken}==`],
  ];

  it.each(cases)('when %s, then 401 invalid_token problem and the service is not called', async (_name, token) => {
    const before = seenBy('billing');
    const answer = await get('/billing/invoices', { authorization: `Bearer ${token()}`, 'x-request-id': 'jwt-matrix' });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(answer.json<Problem>()).toMatchObject({ status: 401, requestId: 'jwt-matrix', instance: '/billing/invoices' });
    expect(seenBy('billing')).toBe(before);
  });
});

describe('when the same token is used again', () => {
  it('then its signature is checked once, not per request', async () => {
    const fresh = await loginAs();
    const before = verifications.count;
    for (let i = 0; i < 5; i++) expect((await get('/identity/me', { authorization: `Bearer ${fresh.accessToken}` })).status).toBe(200);
    expect(verifications.count - before).toBe(1);
  });

  it('then a cached token is checked again once the clock reaches its exp', async () => {
    const fresh = await loginAs();
    const exp = JSON.parse(Buffer.from(fresh.accessToken.split('.')[1] ?? '', 'base64url').toString()) as { exp: number };
    await get('/identity/me', { authorization: `Bearer ${fresh.accessToken}` });
    const before = verifications.count;
    clock.ms = exp.exp * 1000;
    try {
      // The gateway's clock says expired, so the cache does not answer; the verifier (real time) decides again.
      await get('/identity/me', { authorization: `Bearer ${fresh.accessToken}` });
      expect(verifications.count - before).toBe(1);
    } finally {
      clock.ms = Date.now();
    }
  });

  it('then a route needing a scope the cached token lacks still gets 401', async () => {
    const noScope = reforge(user.accessToken, { scope: 'openid' });
    // The first call verifies and caches it; the second is answered from the cache, and the scope is still checked.
    expect((await get('/identity/me', { authorization: `Bearer ${noScope}` })).status).toBe(401);
    expect((await get('/identity/me', { authorization: `Bearer ${noScope}` })).status).toBe(401);
  });
});

describe('when a public route is called with a broken token', () => {
  it('then the token is not looked at, as API Gateway does for routes without an authorizer', async () => {
    const answer = await get('/products', { authorization: 'Bearer not-a-jwt' });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ headers: { authorization: 'Bearer not-a-jwt' } });
  });
});
