import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { requestHandlerWith, type RequestDeadlines } from '../../kit/aws/request-deadlines';
import { DEFAULT_AWS_REGION } from '../../kit/aws/region';

export interface CognitoClientSettings {
  /** Unset: DEFAULT_AWS_REGION, as the bus clients. */
  readonly AWS_REGION?: string | undefined;
  /** Set offline: the emulator's URL. Unset in AWS, where the task role's credentials are used. */
  readonly COGNITO_ENDPOINT?: string | undefined;
}

/**
 * A signup makes at most five Cognito calls (find and remove a leftover user, create, set the password, remove
 * on failure), each of at most two attempts of these deadlines: about 55 s in all, inside the email's 60 s lease
 * (CLAIM_LEASE_MS), so a lease never runs out under a signup that is still calling. Cognito answers in well under
 * a second when healthy.
 */
export const COGNITO_DEADLINES: RequestDeadlines = { connectMs: 2_000, requestMs: 5_000 };
export const COGNITO_MAX_ATTEMPTS = 2;

/** One SDK client per process; a request waits on Cognito at most COGNITO_DEADLINES per attempt. */
export function cognitoClientFromConfig(config: CognitoClientSettings, deadlines: RequestDeadlines = COGNITO_DEADLINES): CognitoIdentityProviderClient {
  const endpoint = config.COGNITO_ENDPOINT?.replace(/\/+$/, '');
  return new CognitoIdentityProviderClient({
    region: config.AWS_REGION ?? DEFAULT_AWS_REGION,
    maxAttempts: COGNITO_MAX_ATTEMPTS,
    requestHandler: requestHandlerWith(deadlines),
    // The emulator checks no signature, but the SDK insists on some credentials.
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}
