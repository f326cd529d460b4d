import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUserAndLogin, uniqueEmail } from '../../../../support/cognito';
import { bearerOf, signUp, startIdentityHarness, type IdentityHarness, type SignedUp } from '../../../../support/identity';

let harness: IdentityHarness;
let user: SignedUp;

beforeAll(async () => {
  harness = await startIdentityHarness();
  user = await signUp(harness.app, { name: 'Token Holder' });
});
afterAll(() => harness.close());

const token = (body: object) => request(harness.app).post('/identity/token').send(body);
const refresh = (body: object) => request(harness.app).post('/identity/token/refresh').send(body);

/** The parts of a problem that must not differ between two failures a client must not tell apart. */
const sameAnswer = (res: request.Response) => ({
  status: res.status,
  challenge: res.headers['www-authenticate'],
  type: res.body.type,
  title: res.body.title,
  detail: res.body.detail,
  keys: Object.keys(res.body).sort(),
});

describe('POST /identity/token', () => {
  it('when the credentials are right, then it answers 200 with the tokens, expiresIn and tokenType Bearer', async () => {
    const res = await token({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'expiresIn', 'idToken', 'refreshToken', 'tokenType']);
    expect(res.body.tokenType).toBe('Bearer');
    expect(Number.isInteger(res.body.expiresIn) && res.body.expiresIn > 0).toBe(true);
    for (const key of ['accessToken', 'idToken', 'refreshToken']) expect(typeof res.body[key]).toBe('string');
    const me = await request(harness.app).get('/identity/me').set(bearerOf(res.body.accessToken));
    expect(me.status).toBe(200);
  });

  it('when right credentials come as UTF-16 JSON (a body the gateway and AWS WAF cannot read, so outside the per-account limits), then it answers 415 and signs nobody in', async () => {
    const body = Buffer.from(JSON.stringify({ email: user.email, password: user.password }), 'utf16le');
    const res = await request(harness.app)
      .post('/identity/token')
      .set('content-type', 'application/json; charset=utf-16le')
      .serialize((bytes: Buffer) => bytes as unknown as string)
      .send(body);
    expect([res.status, res.body.type]).toEqual([415, 'urn:problem-type:platform:unsupported-media-type']);
    expect(res.body.accessToken).toBeUndefined();
  });

  it('when the email differs only in case and surrounding spaces, then it still signs in', async () => {
    const res = await token({ email: `  ${user.email.toUpperCase()}  `, password: user.password });
    expect(res.status).toBe(200);
  });

  it('when a user made in the directory holds an address signup would refuse (x!y@…), then it still signs in', async () => {
    const outsider = await createUserAndLogin(inject('cognito'), { email: `x!y-${randomUUID()}@example.com` });
    const res = await token({ email: outsider.email, password: outsider.password });
    expect(res.status).toBe(200);
  });

  it.each(['no-at-sign.example.com', 'two@at@example.com', '@example.com', 'ann@'])('when the email %j has no single @ between a name and a domain, then it answers 400 on email', async (email) => {
    const res = await token({ email, password: user.password });
    expect([res.status, res.body.errors?.[0]?.path]).toEqual([400, 'email']);
  });

  it('when the password is wrong or the email unknown, then both answer the same 401', async () => {
    const wrongPassword = await token({ email: user.email, password: 'Wrong-Passw0rd!' });
    const unknownEmail = await token({ email: uniqueEmail('nobody'), password: user.password });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(sameAnswer(unknownEmail)).toEqual(sameAnswer(wrongPassword));
    expect(JSON.stringify(wrongPassword.body)).not.toMatch(/password is wrong|not found|no such user|exist/i);
  });

  it('when the password differs only in case, then it answers 401', async () => {
    expect((await token({ email: user.email, password: user.password.toLowerCase() })).status).toBe(401);
  });

  it.each([
    ['no password', { email: 'a@example.com' }, 'password'],
    ['an empty password', { email: 'a@example.com', password: '' }, 'password'],
    ['a bad email', { email: 'not-an-email', password: 'x' }, 'email'],
    ['an email that is an object', { email: { $ne: null }, password: 'x' }, 'email'],
    ['an unknown field', { email: 'a@example.com', password: 'x', remember: true }, 'remember'],
  ])('when the body has %s, then it answers 400 naming the field', async (_what, body, field) => {
    const res = await token(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });

  it('when the body is not JSON, then it answers 400', async () => {
    const res = await request(harness.app).post('/identity/token').set('Content-Type', 'application/json').send('nope');
    expect(res.status).toBe(400);
  });
});

describe('POST /identity/token/refresh', () => {
  it('when the refresh token is valid, then it answers 200 with new tokens and no refresh token', async () => {
    const issued = (await token({ email: user.email, password: user.password })).body;
    const res = await refresh({ refreshToken: issued.refreshToken });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ tokenType: 'Bearer' });
    expect(res.body.refreshToken).toBeUndefined();
    expect(Number.isInteger(res.body.expiresIn) && res.body.expiresIn > 0).toBe(true);
    const me = await request(harness.app).get('/identity/me').set(bearerOf(res.body.accessToken));
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it('when the refresh token is not one Cognito issued, then it answers 401', async () => {
    const res = await refresh({ refreshToken: 'eyJhbGciOiJIUzI1NiJ9.e30.not-a-refresh-token' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it.each([
    ['no refresh token', {}, 'refreshToken'],
    ['an empty refresh token', { refreshToken: '' }, 'refreshToken'],
    ['a refresh token that is a number', { refreshToken: 7 }, 'refreshToken'],
    ['an unknown field', { refreshToken: 'x', accessToken: 'y' }, 'accessToken'],
  ])('when the body has %s, then it answers 400 naming the field', async (_what, body, field) => {
    const res = await refresh(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });
});

describe('which token is a bearer token', () => {
  it('when the id token is sent as bearer, then user routes answer 401', async () => {
    const issued = (await token({ email: user.email, password: user.password })).body;
    const res = await request(harness.app).get('/identity/me').set(bearerOf(issued.idToken));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('when the refresh token is sent as bearer, then user routes answer 401', async () => {
    const issued = (await token({ email: user.email, password: user.password })).body;
    expect((await request(harness.app).get('/identity/me').set(bearerOf(issued.refreshToken))).status).toBe(401);
  });
});
