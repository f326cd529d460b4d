/**
 * Sign-in and refresh go through AdminInitiateAuth (the app client allows no public password flow), and every answer
 * Cognito gives there means what it meant before: the one 401 for what the caller sent, 503 for Cognito's own trouble.
 * Cognito's answers that cognito-local never gives are stood in for on AdminInitiateAuth alone, so a call that went
 * any other way would reach the emulator with good credentials and sign in.
 */
import {
  type AdminInitiateAuthCommandOutput,
  type CognitoIdentityProviderClient,
  InvalidParameterException,
  LimitExceededException,
  NotAuthorizedException,
  PasswordResetRequiredException,
  TooManyRequestsException,
  UserNotConfirmedException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { localCognitoClient } from '../../../../services/local/emulators/cognito-seed';
import { BadCredentialsError, IdentityProviderUnavailableError, type IdentityProvider } from '../../../../services/identity/domain/ports';
import { createUserAndLogin, type TestUserTokens } from '../../../support/cognito';
import { cognitoRefusing, directoriesOn, type CognitoException } from '../../../support/cognito-refusing';

const cognito = inject('cognito');
const directoryOn = directoriesOn(cognito);

let user: TestUserTokens;
beforeAll(async () => {
  user = await createUserAndLogin(cognito);
});

/** A client on the run's emulator whose AdminInitiateAuth answers `output` instead: a challenge, say. */
function answeringAdminInitiateAuth(output: Partial<AdminInitiateAuthCommandOutput>): CognitoIdentityProviderClient {
  const client = localCognitoClient(cognito.endpoint, cognito.region);
  client.middlewareStack.add(
    (next, context) => async (args) => (context.commandName === 'AdminInitiateAuthCommand' ? { output: { $metadata: {}, ...output }, response: {} } : next(args)),
    { step: 'initialize', name: 'answeringAdminInitiateAuth' },
  );
  return client;
}

const failureOf = (attempt: Promise<unknown>) => attempt.then(() => undefined, (error: unknown) => error);
const signIn = (directory: IdentityProvider) => failureOf(directory.signIn(user.email, user.password));
const refresh = (directory: IdentityProvider) => failureOf(directory.refresh(user.refreshToken));

describe('signing in and refreshing on the emulator as it is', () => {
  it('when the email and password are right, then tokens come back; when the refresh token is, then new ones do', async () => {
    const directory = directoryOn(localCognitoClient(cognito.endpoint, cognito.region));
    await expect(directory.signIn(user.email, user.password)).resolves.toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    await expect(directory.refresh(user.refreshToken)).resolves.toMatchObject({ accessToken: expect.any(String) });
  });
});

describe('when AdminInitiateAuth refuses what the caller sent', () => {
  it.each<[string, CognitoException]>([
    ['a wrong password or a disabled user (NotAuthorizedException)', NotAuthorizedException],
    ['an unknown user, where user-existence errors are not hidden (UserNotFoundException)', UserNotFoundException],
    ['an unconfirmed user (UserNotConfirmedException)', UserNotConfirmedException],
    ['a user whose password must be reset (PasswordResetRequiredException)', PasswordResetRequiredException],
    ['a parameter it will not take (InvalidParameterException)', InvalidParameterException],
  ])('for %s, then sign-in and refresh are bad credentials (the one 401)', async (_, Exception) => {
    const directory = directoryOn(cognitoRefusing(cognito, 'AdminInitiateAuthCommand', Exception));
    expect(await signIn(directory)).toBeInstanceOf(BadCredentialsError);
    expect(await refresh(directory)).toBeInstanceOf(BadCredentialsError);
  });
});

describe('when AdminInitiateAuth answers with a challenge this API cannot finish', () => {
  it.each(['SOFTWARE_TOKEN_MFA', 'SELECT_MFA_TYPE', 'MFA_SETUP', 'NEW_PASSWORD_REQUIRED'] as const)('for %s, then sign-in is bad credentials', async (challenge) => {
    const directory = directoryOn(answeringAdminInitiateAuth({ ChallengeName: challenge, Session: 'session', ChallengeParameters: {} }));
    const error = await signIn(directory);
    expect(error).toBeInstanceOf(BadCredentialsError);
    expect((error as Error).cause).toBe(challenge);
  });
});

describe('when Cognito cannot answer AdminInitiateAuth now', () => {
  it.each<[string, CognitoException]>([
    ['it throttles the request (TooManyRequestsException)', TooManyRequestsException],
    ['the account is over its rate (LimitExceededException)', LimitExceededException],
  ])('because %s, then sign-in and refresh find the directory unavailable (503 with Retry-After)', async (_, Exception) => {
    const directory = directoryOn(cognitoRefusing(cognito, 'AdminInitiateAuthCommand', Exception));
    expect(await signIn(directory)).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(await refresh(directory)).toBeInstanceOf(IdentityProviderUnavailableError);
  });
});
