/** Real SDK errors, from a real client against a loopback stand-in for the service (or nothing at all). */
import { AdminGetUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { requestHandlerWith } from '../../../../services/kit/aws/request-deadlines';
import { isAwsUnavailable } from '../../../../services/kit/aws/unavailable';
import { freePort } from '../../../../services/local/free-port';
import { awsAnswering, type AwsAnswer } from '../../../support/aws-answering';

const clientOn = (endpoint: string) =>
  new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: requestHandlerWith({ connectMs: 500, requestMs: 300 }),
  });

/** What one call fails with when the service answers `answer`. */
async function failureWhen(answer: AwsAnswer): Promise<unknown> {
  const standIn = await awsAnswering(answer);
  const client = clientOn(standIn.url);
  try {
    return await client.send(new AdminGetUserCommand({ UserPoolId: 'us-east-1_stand1n', Username: 'someone' })).then(() => undefined, (error: unknown) => error);
  } finally {
    client.destroy();
    await standIn.close();
  }
}

describe('an AWS call that failed', () => {
  it.each<[string, AwsAnswer]>([
    ['an internal error (500)', { status: 500, type: 'InternalErrorException' }],
    ['service unavailable (503)', { status: 503, type: 'ServiceUnavailable' }],
    ['a load balancer\'s page (502, not JSON)', { status: 502, page: '<html>Bad Gateway</html>' }],
    ['throttled (TooManyRequestsException, a 400)', { status: 400, type: 'TooManyRequestsException' }],
    ['throttled (ThrottlingException)', { status: 400, type: 'ThrottlingException' }],
    ['throttled (429)', { status: 429 }],
    ['no answer within the request deadline', 'never'],
  ])('when the service gave %s, then it is unavailable', async (_, answer) => {
    expect(isAwsUnavailable(await failureWhen(answer))).toBe(true);
  });

  it('when nothing listens at the endpoint (connection refused), then it is unavailable', async () => {
    const client = clientOn(`http://127.0.0.1:${await freePort()}`);
    const error = await client.send(new AdminGetUserCommand({ UserPoolId: 'us-east-1_stand1n', Username: 'someone' })).catch((e: unknown) => e);
    client.destroy();
    expect(isAwsUnavailable(error)).toBe(true);
  });

  it.each<[string, AwsAnswer]>([
    ['the request is wrong (InvalidParameterException)', { status: 400, type: 'InvalidParameterException' }],
    ['the user is not there (UserNotFoundException)', { status: 400, type: 'UserNotFoundException' }],
    ['access is denied (403)', { status: 403, type: 'AccessDeniedException' }],
    ['a resource limit is reached (LimitExceededException)', { status: 400, type: 'LimitExceededException' }],
  ])('when %s, then it is not unavailable: a retry would fail the same way', async (_, answer) => {
    expect(isAwsUnavailable(await failureWhen(answer))).toBe(false);
  });

  it.each([undefined, null, 'ECONNREFUSED', new Error('a bug'), new TypeError('x is undefined')])('when the error is %s, then it is not unavailable', (error) => {
    expect(isAwsUnavailable(error)).toBe(false);
  });
});
