/**
 * A signup's own deadline, on real PostgreSQL and the real Cognito adapter, against a stand-in Cognito that takes
 * requests and never answers (each call's deadline far longer than the signup's).
 */
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cognitoClientFromConfig } from '../../../../services/identity/data-access/cognito-client';
import { unavailableAs503 } from '../../../../services/identity/domain/directory-unavailable';
import { signupUseCases } from '../../../../services/identity/domain/signup-use-cases';
import { AppError } from '../../../../services/kit/errors';
import { awsAnswering, type AwsStandIn } from '../../../support/aws-answering';
import { uniqueEmail } from '../../../support/cognito';
import { SIGNUP_PASSWORD, startIdentityHarness, type IdentityHarness } from '../../../support/identity';
import { testLogger } from '../../../support/silent-logger';

let harness: IdentityHarness;
let silent: AwsStandIn;
beforeAll(async () => {
  [harness, silent] = await Promise.all([startIdentityHarness(), awsAnswering('never')]);
});
afterAll(async () => {
  await silent?.close();
  await harness?.close();
});

it('when the directory does not answer within the signup\'s deadline, then the signup stops there with a 503, and the next signup for the email starts at once', { timeout: 30_000 }, async () => {
  const client = cognitoClientFromConfig({ AWS_REGION: harness.cognito.region, COGNITO_ENDPOINT: silent.url }, { connectMs: 10_000, requestMs: 10_000 });
  try {
    const signups = signupUseCases({ unitOfWork: harness.unitOfWork, identityProvider: unavailableAs503(harness.identityProviderOn(client)), logger: testLogger, deadlineMs: 300 });
    const input = { email: uniqueEmail('deadline'), password: SIGNUP_PASSWORD, name: 'Ada' };
    const started = performance.now();
    const error = await signups.signUp(input).then(() => undefined, (e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);
    expect((await request(harness.app).post('/identity/signup').send(input)).status).toBe(201);
  } finally {
    client.destroy();
  }
});
