/**
 * Cognito's refusals that cognito-local never gives (a parameter it will not take, a password-history rule): a
 * client on the run's emulator on which one command fails with the SDK's own exception class, as the SDK would
 * have parsed Cognito's answer. Every other command reaches the emulator, so what the adapter does around the
 * failure (removing a half-made user) happens for real.
 */
import type { CognitoIdentityProviderClient, CognitoIdentityProviderServiceException } from '@aws-sdk/client-cognito-identity-provider';
import { afterEach } from 'vitest';
import { identityProviderCognito } from '../../services/identity/data-access/identity-provider-cognito';
import type { IdentityProvider } from '../../services/identity/domain/ports';
import { localCognitoClient } from '../../services/local/emulators/cognito-seed';
import type { TestCognitoEnv } from './cognito';

/** An exception class of @aws-sdk/client-cognito-identity-provider (InvalidParameterException, …). */
export type CognitoException = new (options: { message: string; $metadata: { httpStatusCode: number } }) => CognitoIdentityProviderServiceException;

/** What Cognito's message might say: a test checks that none of it reaches a client. */
export const COGNITO_MESSAGE = 'Invalid email address format. (stand-in for us-east-1_internal)';

export function cognitoRefusing(cognito: TestCognitoEnv, command: `${string}Command`, Exception: CognitoException): CognitoIdentityProviderClient {
  const client = localCognitoClient(cognito.endpoint, cognito.region);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command) throw new Exception({ message: COGNITO_MESSAGE, $metadata: { httpStatusCode: 400 } });
      return next(args);
    },
    { step: 'initialize', name: 'cognitoRefusing' },
  );
  return client;
}

/**
 * For a test file: the Cognito adapter on a given client (one of the above, say), as Identity builds it; each client
 * handed over is destroyed after each test.
 */
export function directoriesOn(cognito: TestCognitoEnv): (client: CognitoIdentityProviderClient) => IdentityProvider {
  const opened: CognitoIdentityProviderClient[] = [];
  afterEach(() => opened.splice(0).forEach((client) => client.destroy()));
  return (client) => {
    opened.push(client);
    return identityProviderCognito({ client, userPoolId: cognito.userPoolId, clientId: cognito.clientId, globalSignOut: false });
  };
}
