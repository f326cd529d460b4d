/**
 * Identity while Cognito cannot answer (down, throttling, unreachable): every route that needs the directory
 * answers 503 problem+json with Retry-After, not a 500 that says "a bug", and a signup cut short this way does not
 * stand in the way of the same signup once the directory is back.
 */
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoClientFromConfig } from '../../../../../services/identity/data-access/cognito-client';
import { freePort } from '../../../../../services/local/free-port';
import { awsAnswering, type AwsAnswer, type AwsStandIn } from '../../../../support/aws-answering';
import { uniqueEmail } from '../../../../support/cognito';
import { bearerOf, signIn, signUp, startIdentityHarness, SIGNUP_PASSWORD, type IdentityHarness, type IssuedTokens } from '../../../../support/identity';

let harness: IdentityHarness;
let tokens: IssuedTokens;
let email: string;
beforeAll(async () => {
  harness = await startIdentityHarness();
  ({ email } = await signUp(harness.app));
  tokens = await signIn(harness.app, email);
});
afterAll(() => harness.close());

/** Identity on the same database, with its directory at `endpoint`. */
function appOnDirectoryAt(endpoint: string) {
  const client = cognitoClientFromConfig({ AWS_REGION: harness.cognito.region, COGNITO_ENDPOINT: endpoint }, { connectMs: 300, requestMs: 300 });
  return { app: harness.appWith({ identityProvider: harness.identityProviderOn(client) }), client };
}

const routes = [
  ['POST /identity/signup', (app: Express) => request(app).post('/identity/signup').send({ email: uniqueEmail('down'), password: SIGNUP_PASSWORD, name: 'Ada' })],
  ['POST /identity/token', (app: Express) => request(app).post('/identity/token').send({ email, password: SIGNUP_PASSWORD })],
  ['POST /identity/token/refresh', (app: Express) => request(app).post('/identity/token/refresh').send({ refreshToken: tokens.refreshToken })],
] as const;

function expectUnavailable(res: request.Response, type = 'service-unavailable') {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  // A deletion left unfinished is not retried as it was: its token is revoked, a new sign-in finishes it.
  expect(res.headers['retry-after']).toBe(type === 'deletion-unfinished' ? undefined : '2');
  expect(res.body).toMatchObject({ type: `urn:problem-type:platform:${type}`, status: 503, requestId: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Exception|stand-in/);
}

describe.each<[string, AwsAnswer | 'refused']>([
  ['refuses connections', 'refused'],
  ['answers 500 InternalErrorException', { status: 500, type: 'InternalErrorException' }],
  ['throttles (TooManyRequestsException)', { status: 400, type: 'TooManyRequestsException' }],
  ['takes requests and never answers', 'never'],
])('when Cognito %s', (_, answer) => {
  let standIn: AwsStandIn | undefined;
  let directory: ReturnType<typeof appOnDirectoryAt>;
  beforeAll(async () => {
    standIn = answer === 'refused' ? undefined : await awsAnswering(answer);
    directory = appOnDirectoryAt(standIn?.url ?? `http://127.0.0.1:${await freePort()}`);
  });
  afterAll(async () => {
    directory.client.destroy();
    await standIn?.close();
  });

  it.each(routes)('then %s answers 503 problem+json with Retry-After and a request id, naming nothing inside', async (_route, send) => {
    expectUnavailable(await send(directory.app));
  });

  it('then DELETE /identity/me answers 503 deletion-unfinished: the profile is gone, and the sign-in user waits for a new sign-in to delete it', async () => {
    const user = await signUp(harness.app);
    const own = await signIn(harness.app, user.email);
    const res = await request(directory.app).delete('/identity/me').set(bearerOf(own.accessToken));
    expectUnavailable(res, 'deletion-unfinished');
    expect(res.body.detail).toMatch(/sign in again and repeat DELETE \/identity\/me/);
    expect(await harness.unitOfWork.profiles.findById(user.id)).toBeUndefined();
  });
});

describe('a signup cut short by the directory', () => {
  it('when Cognito is back, then the same signup succeeds at once and the account signs in', async () => {
    const down = appOnDirectoryAt(`http://127.0.0.1:${await freePort()}`);
    const body = { email: uniqueEmail('back'), password: SIGNUP_PASSWORD, name: 'Ada' };
    try {
      expectUnavailable(await request(down.app).post('/identity/signup').send(body));
    } finally {
      down.client.destroy();
    }
    const res = await request(harness.app).post('/identity/signup').send(body);
    expect(res.status).toBe(201);
    await signIn(harness.app, body.email);
  });
});
