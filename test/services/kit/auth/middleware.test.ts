import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../../../services/kit/auth/jwt-verifier';
import { principalOf, requireAdmin, requireUser } from '../../../../services/kit/auth/middleware';
import { errorHandler } from '../../../../services/kit/http/error-handler';
import { createLogger } from '../../../../services/kit/logger';
import { acquireTestCognito, createUserAndLogin, type TestCognito } from '../../../support/cognito';

let cognito: TestCognito;
let server: Server;
let baseUrl: string;
let userToken: string;
let adminToken: string;

/** A tiny app: one route per guard, answering with the principal the guard put in res.locals. */
function app(verifier: ReturnType<typeof createJwtVerifier>) {
  const answer: express.RequestHandler = (_req, res) => {
    res.json(principalOf(res));
  };
  return express()
    .get('/user', requireUser(verifier), answer)
    .get('/admin', requireAdmin(verifier), answer)
    .get('/unguarded', answer)
    .use(errorHandler(createLogger({ service: 'test', level: 'silent' })));
}

beforeAll(async () => {
  cognito = await acquireTestCognito();
  const { userPoolId, clientId, jwksUrl } = cognito.env;
  server = createServer(app(createJwtVerifier({ userPoolId, clientId, jwksUrl })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const [user, admin] = await Promise.all([
    createUserAndLogin(cognito.env),
    createUserAndLogin(cognito.env, { admin: true }),
  ]);
  userToken = user.accessToken;
  adminToken = admin.accessToken;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await cognito?.stop();
});

const get = (path: string, authorization?: string) =>
  fetch(`${baseUrl}${path}`, { headers: authorization ? { authorization } : {} });

describe('when no token is sent', () => {
  it('then a guarded route answers 401 with a bare Bearer challenge, as problem+json', async () => {
    const response = await get('/user');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 401 });
  });

  it('then another scheme counts as no token', async () => {
    const response = await get('/admin', 'Basic YWRtaW46YWRtaW4=');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('when the token is invalid', () => {
  it('then the answer is 401 with error="invalid_token"', async () => {
    const response = await get('/user', `Bearer ${userToken}x`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});

describe('when a valid user token is sent', () => {
  it('then the user route answers 200 with the principal', async () => {
    const response = await get('/user', `bearer ${userToken}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: expect.any(String), groups: [] });
  });

  it('then the admin route answers 403', async () => {
    const response = await get('/admin', `Bearer ${userToken}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBeNull();
  });
});

describe('when an admin token is sent', () => {
  it('then the admin route answers 200', async () => {
    const response = await get('/admin', `Bearer ${adminToken}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ groups: ['admin'] });
  });
});

describe('when a route reads the principal without a guard', () => {
  it('then it fails closed with 401', async () => {
    expect((await get('/unguarded', `Bearer ${adminToken}`)).status).toBe(401);
  });
});

describe('when the guard lets the caller through', () => {
  it.each([
    ['a user route', '/user', () => userToken],
    ['an admin route', '/admin', () => adminToken],
  ])('then the answer on %s carries Cache-Control: no-store, as it is that caller\'s own', async (_what, path, token) => {
    const response = await get(path, `Bearer ${token()}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('then an unguarded route, which fails closed, still answers with the no-store every error carries', async () => {
    const response = await get('/unguarded');
    expect(response.status).toBe(401);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
