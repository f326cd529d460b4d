/**
 * The attacker's first tries, replayed against the real gateway in front of the real services, and straight at
 * each service: none may answer 5xx, and each answer is the problem a client can act on. Where the gateway and a
 * service answer differently, the gateway's answer is the deployed API's.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../services/contracts/routes';
import { loginAs, type TestTokens } from '../../support/auth';
import { reforge } from '../../support/jwt-forge';
import { rawRequest } from '../kit/http/raw-http';
import { startEdgePlatform, type EdgePlatform } from './edge-platform';

let platform: EdgePlatform;
let user: TestTokens;
let admin: TestTokens;

beforeAll(async () => {
  [platform, user, admin] = await Promise.all([startEdgePlatform(), loginAs(), loginAs({ admin: true })]);
}, 60_000);
afterAll(() => platform?.close());

interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly problem: { type?: string; status?: number; requestId?: string; detail?: string };
}

async function call(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  const res = await request(base + path, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, problem: text ? (JSON.parse(text) as Answer['problem']) : {} };
}

function expectProblem(answer: Answer, status: number, code?: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(answer.problem).toMatchObject({ status, requestId: answer.headers['x-request-id'] });
  if (code) expect(answer.problem.type).toBe(`urn:problem-type:platform:${code}`);
}

const everywhere = () => ({ gateway: platform.url, ...platform.services });

describe('a token signed with the pool\'s key whose sub is no UUID (forgeable offline only: the emulator\'s key ships in its package)', () => {
  const guarded = ROUTES.filter((route) => route.auth !== 'public');

  // Every revocation list is looked up by the sub, and Identity's deletion revokes only a UUID's (a profile's id):
  // such a token would never be revoked. A Cognito sub always is a UUID, so it is no Cognito token.
  it.each(guarded.map((route) => [`${route.method} ${route.path}`, route] as const))(
    'when %s is called with it, then the gateway and the service each answer 401 invalid_token',
    async (_key, route) => {
      const token = reforge((route.auth === 'admin' ? admin : user).accessToken, { sub: 'not-a-uuid' });
      const path = route.path.replace(/\{[^}]+\}/g, '7c4a8d09-ca37-4e3b-9a2d-000000000000');
      for (const base of [platform.url, platform.services[route.service]]) {
        const answer = await call(base, route.method, path, { authorization: `Bearer ${token}` });
        expectProblem(answer, 401, 'unauthorized');
        expect(answer.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
    },
  );
});

describe('a path with an invalid percent escape', () => {
  it.each([
    ['/products/%ff', 404, 404],
    ['/identity/%', 404, 404],
    ['/billing/invoices/%E0%A4%A', 401, 404],
  ])('when %s is asked for, then the gateway answers %i and its service %i, never a 5xx', async (path, atGateway, atService) => {
    const service = path.split('/')[1] === 'products' ? 'product' : (path.split('/')[1] as 'identity' | 'billing');
    expectProblem(await call(platform.url, 'GET', path), atGateway);
    expectProblem(await call(platform.services[service], 'GET', path), atService, 'not-found');
  });

  it('when a signed-in user asks for an invoice id that does not percent-decode, then it answers 404 through the gateway', async () => {
    expectProblem(await call(platform.url, 'GET', '/billing/invoices/%E0%A4%A', { authorization: `Bearer ${user.accessToken}` }), 404, 'not-found');
  });
});

describe('a list cursor outside the database\'s range', () => {
  it.each([
    ['products', '/products', {}],
    ['invoices', '/billing/invoices', { user: true }],
  ])('when the %s cursor has year 0000, then it answers 400 naming cursor', async (_what, path, options) => {
    const cursor = Buffer.from(JSON.stringify({ createdAt: '0000-01-01T00:00:00.000Z', id: '7c4a8d09-ca37-4e3b-9a2d-000000000000' })).toString('base64url');
    const headers: Record<string, string> = 'user' in options ? { authorization: `Bearer ${user.accessToken}` } : {};
    const answer = await call(platform.url, 'GET', `${path}?cursor=${cursor}`, headers);
    expectProblem(answer, 400, 'validation-failed');
  });
});

describe('a body that is not JSON on a JSON route', () => {
  const bodyRoutes = ROUTES.filter((route) => ['POST', 'PUT', 'PATCH'].includes(route.method));

  it.each(bodyRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    'when %s gets a form body (curl -d a=b), then it answers 415 naming application/json',
    async (_key, route) => {
      const token = route.auth === 'admin' ? admin : user;
      const path = route.path.replace(/\{[^}]+\}/g, '7c4a8d09-ca37-4e3b-9a2d-000000000000');
      const headers = { 'content-type': 'application/x-www-form-urlencoded', ...(route.auth === 'public' ? {} : { authorization: `Bearer ${token.accessToken}` }) };
      const answer = await call(platform.url, route.method, path, headers, 'a=b');
      expectProblem(answer, 415, 'unsupported-media-type');
      expect(answer.problem.detail).toContain('application/json');
      expect(answer.headers.accept).toBe('application/json');
    },
  );
});

describe('a body over the limit', () => {
  it.each(['gateway', 'identity'] as const)('when fetch sends 2 MiB of JSON to %s, then it reads the service\'s 413 problem', async (where) => {
    const base = everywhere()[where];
    const body = `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/identity/signup`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ type: 'urn:problem-type:platform:body-too-large' });
    }
  });
});

describe('a body between the services\' limit (1 MiB) and API Gateway\'s (10 MiB) on a guarded route', () => {
  const body = `{"lines":"${'x'.repeat(2 * 1024 * 1024)}"}`;
  const send = (base: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/billing/invoices`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it.each(['gateway', 'billing'] as const)('when it comes without a token to %s, then the answer is 401, as the authorizer decides before the body is looked at', async (where) => {
    const res = await send(everywhere()[where]);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ type: 'urn:problem-type:platform:unauthorized' });
  });

  it.each(['gateway', 'billing'] as const)('when it comes with a valid token to %s, then the answer is the service\'s 413', async (where) => {
    const res = await send(everywhere()[where], { authorization: `Bearer ${user.accessToken}` });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ type: 'urn:problem-type:platform:body-too-large' });
  });
});

describe('a body declared over API Gateway\'s own 10 MiB', () => {
  it('when it comes without a token to a guarded route, then the gateway answers 413 unread, as API Gateway\'s front end does before any authorizer', async () => {
    const answer = await rawRequest(platform.url, `POST /billing/invoices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024 + 1}\r\n\r\n`);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:problem-type:platform:body-too-large', detail: 'The request body is larger than 10 MiB.' });
  });
});

describe('HEAD on a GET route', () => {
  it('when it is sent to the gateway, then it answers 405 with Allow and no body, as the deployed API\'s mock does; the service alone would take it for GET', async () => {
    const viaGateway = await request(`${platform.url}/products`, { method: 'HEAD' });
    expect(viaGateway.statusCode).toBe(405);
    expect(viaGateway.headers.allow).toBe('GET, POST');
    expect(viaGateway.headers['x-request-id']).toEqual(expect.any(String));
    expect(await viaGateway.body.text()).toBe('');
    // Express answers HEAD as GET; no HEAD reaches a service through either edge (docs/gateway.md, Routing).
    expect((await request(`${platform.services.product}/products`, { method: 'HEAD' })).statusCode).toBe(200);
  });
});
