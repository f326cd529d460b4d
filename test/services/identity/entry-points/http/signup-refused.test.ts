/**
 * A signup whose email or password passes the schema but not Cognito (its rules are not all ours): the caller hears
 * a 400 on the field to change, as for any invalid input, not a 500; nothing is left behind, and nothing of
 * Cognito's answer reaches the caller.
 */
import { InvalidParameterException, TooManyRequestsException, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { uniqueEmail } from '../../../../support/cognito';
import { cognitoRefusing, COGNITO_MESSAGE, type CognitoException } from '../../../../support/cognito-refusing';
import { SIGNUP_PASSWORD, startIdentityHarness, type IdentityHarness } from '../../../../support/identity';

let harness: IdentityHarness;
beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

const opened: CognitoIdentityProviderClient[] = [];
afterEach(() => opened.splice(0).forEach((client) => client.destroy()));

/** POST /identity/signup on an app whose Cognito refuses `command` with `Exception` (InvalidParameterException). */
async function signupWhereCognitoRefuses(command: `${string}Command`, email = uniqueEmail('refused'), Exception: CognitoException = InvalidParameterException) {
  const client = cognitoRefusing(harness.cognito, command, Exception);
  opened.push(client);
  const app = harness.appWith({ identityProvider: harness.identityProviderOn(client) });
  return { res: await request(app).post('/identity/signup').send({ email, password: SIGNUP_PASSWORD, name: 'Ada' }), email };
}

const claimOf = async (email: string) => (await harness.database.pool.query('SELECT 1 FROM signup_claims WHERE email = $1', [email])).rowCount;

function expectFieldProblem(res: request.Response, path: string, message: string) {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: 'urn:problem-type:platform:validation-failed', status: 400, requestId: expect.any(String) });
  expect(res.body.errors).toEqual([{ path, message }]);
  expect(JSON.stringify(res.body)).not.toMatch(/Exception|us-east-1|stand-in/);
  expect(JSON.stringify(res.body)).not.toContain(COGNITO_MESSAGE);
}

it('when Cognito refuses the email (AdminCreateUser: InvalidParameterException), then it answers 400 on email, and the email is free to sign up again', async () => {
  const { res, email } = await signupWhereCognitoRefuses('AdminCreateUserCommand');
  expectFieldProblem(res, 'email', 'the user directory does not accept this email address');
  expect(await harness.identityProvider.findUser(email)).toBeUndefined();
  expect(await claimOf(email)).toBe(0);
  expect((await request(harness.app).post('/identity/signup').send({ email, password: SIGNUP_PASSWORD, name: 'Ada' })).status).toBe(201);
});

it('when Cognito refuses the password (AdminSetUserPassword: InvalidParameterException), then it answers 400 on password and keeps no user', async () => {
  const { res, email } = await signupWhereCognitoRefuses('AdminSetUserPasswordCommand');
  expectFieldProblem(res, 'password', 'the user directory does not accept this password; choose another');
  expect(await harness.identityProvider.findUser(email)).toBeUndefined();
  expect(await claimOf(email)).toBe(0);
});

it('when a signup after one cut short looks for its leftover and Cognito refuses the email (AdminGetUser: InvalidParameterException), then no user has it and the signup succeeds', async () => {
  // Throttled: a 503 whose claim keeps its notes, so the next signup for the email first looks for a leftover.
  const { res: throttled, email } = await signupWhereCognitoRefuses('AdminCreateUserCommand', uniqueEmail('refused'), TooManyRequestsException);
  expect(throttled.status).toBe(503);
  expect((await signupWhereCognitoRefuses('AdminGetUserCommand', email)).res.status).toBe(201);
});
