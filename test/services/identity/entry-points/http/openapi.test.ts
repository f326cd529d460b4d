import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../../../../../services/contracts/routes';
import { startIdentityHarness, type IdentityHarness } from '../../../../support/identity';

let harness: IdentityHarness;

beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

describe('GET /identity/openapi.json', () => {
  it('when asked, then it answers an OpenAPI 3.1 document describing every Identity route of the route table', async () => {
    const res = await request(harness.app).get('/identity/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const documented = Object.entries(res.body.paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const table = routesOf('identity')
      .filter((route) => route.path !== '/identity/openapi.json')
      .map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(table.sort());
  });

  it('when read, then the request bodies are strict and the user routes need a bearer token', async () => {
    const { body } = await request(harness.app).get('/identity/openapi.json');
    const signup = body.paths['/identity/signup'].post.requestBody.content['application/json'].schema;
    expect(signup.additionalProperties).toBe(false);
    expect(signup.required.sort()).toEqual(['email', 'name', 'password']);
    const [me] = routesOf('identity').filter((route) => route.path === '/identity/me');
    expect(body.paths['/identity/me'].get.security).toEqual([{ bearer: [...me!.scopes] }]);
    expect(body.paths['/identity/token'].post.security).toEqual([]);
  });
});

describe('routes the contract does not list', () => {
  it('when a known path is called with another method, then it answers 405 with Allow', async () => {
    const res = await request(harness.app).put('/identity/me').send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow).toContain('PATCH');
  });

  it('when an unknown path is called, then it answers 404 problem', async () => {
    const res = await request(harness.app).get('/identity/users');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
