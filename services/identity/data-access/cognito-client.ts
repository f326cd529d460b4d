import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

export interface CognitoClientSettings {
  readonly AWS_REGION: string;
  /** Set offline: the emulator's URL. Unset in AWS, where the task role's credentials are used. */
  readonly COGNITO_ENDPOINT?: string | undefined;
}

/**
 * One SDK client per process. Timeouts bound how long a signup can hold its email's lease, and how long a
 * request waits on Cognito before failing.
 */
export function cognitoClientFromConfig(config: CognitoClientSettings): CognitoIdentityProviderClient {
  const endpoint = config.COGNITO_ENDPOINT?.replace(/\/+$/, '');
  return new CognitoIdentityProviderClient({
    region: config.AWS_REGION,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    // The emulator checks no signature, but the SDK insists on some credentials.
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}
