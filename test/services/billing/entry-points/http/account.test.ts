import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../../services/local/free-port';
import { bearer, loginAs, type TestTokens } from '../../../../support/auth';
import { startBillingHarness, type BillingHarness } from '../../../../support/billing';
import { reforge } from '../../../../support/jwt-forge';

let harness: BillingHarness;
let app: Express;
let user: TestTokens;

beforeAll(async () => {
  [harness, user] = await Promise.all([startBillingHarness(), loginAs()]);
  // These routes never reach Product; a port nobody listens on proves it.
  app = harness.app(`http://127.0.0.1:${await freePort()}`);
});
afterAll(() => harness?.close());

const account = (tokens: TestTokens) => request(app).get('/billing/account').set(bearer(tokens));

describe('the paths Billing answers', () => {
  it.each(['/BILLING/ACCOUNT', '/billing/Account', '/billing/account/'])('when the path is %s (another case, a trailing slash), then it answers 404, as the edge does', async (path) => {
    const res = await request(app).get(path).set(bearer(user));
    expect([res.status, res.body.type]).toEqual([404, 'urn:problem-type:platform:not-found']);
  });
});

describe('GET /billing/account', () => {
  it('when the account has not been opened yet, then it answers 404 problem', async () => {
    const res = await account(user);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when the account is open, then it answers 200 with the contract fields only', async () => {
    const opened = await harness.accounts.openAccount(user.sub);
    const res = await account(user);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store'); // the caller's own: for no cache to keep
    expect(res.body).toEqual({ id: opened.id, userId: user.sub, status: 'active', createdAt: opened.createdAt.toISOString() });
  });

  it('when the account was closed (its user deleted), then the user\'s token gets 401 invalid_token', async () => {
    const leaving = await loginAs();
    await harness.accounts.closeAccount(leaving.sub);
    await harness.accounts.openAccount(leaving.sub);
    const res = await account(leaving);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.body).toMatchObject({ status: 401, detail: 'The access token has been revoked.' });
  });

  it.each<[string, () => Record<string, string>]>([
    ['no token', () => ({})],
    ['a malformed token', () => ({ Authorization: 'Bearer not.a.jwt' })],
    ['an id token', () => ({ Authorization: `Bearer ${user.idToken}` })],
    // Forgeable offline only (the emulator's key ships in its package); it must not reach the database as a key.
    ['a forged token whose sub holds a NUL', () => ({ Authorization: `Bearer ${reforge(user.accessToken, { sub: 'a\u0000b' })}` })],
  ])('when the request has %s, then it answers 401 with a Bearer challenge', async (_what, headers) => {
    const res = await request(app).get('/billing/account').set(headers());
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });
});

describe('the Billing app', () => {
  it('when asked for its OpenAPI document, then it answers OpenAPI 3.1 listing every billing route', async () => {
    const res = await request(app).get('/billing/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths).sort()).toEqual(['/billing/account', '/billing/invoices', '/billing/invoices/{id}', '/billing/invoices/{id}/pay']);
    expect(Object.keys(res.body.paths['/billing/invoices'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '404', '422', '503']));
  });

  it('when a known path is called with the wrong method, then it answers 405 with Allow', async () => {
    const res = await request(app).delete('/billing/invoices').set(bearer(user));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toContain('POST');
  });

  it('when an unknown path is called, then it answers 404 problem', async () => {
    const res = await request(app).get('/billing/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.instance).toBe('/billing/nothing-here');
  });

  it('when the health routes are asked, then live and ready answer 200 with the database up', async () => {
    expect((await request(app).get('/health/live')).status).toBe(200);
    expect((await request(app).get('/health/ready')).status).toBe(200);
  });

  it('when a caller sends a sane request id, then the answer carries it back', async () => {
    const res = await request(app).get('/billing/account').set('x-request-id', 'billing-test-1');
    expect(res.headers['x-request-id']).toBe('billing-test-1');
    expect(res.body.requestId).toBe('billing-test-1');
  });
});
