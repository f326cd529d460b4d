/**
 * What the Cognito adapter makes of Cognito refusing what a caller sent (exceptions cognito-local never raises):
 * each becomes the domain error the caller's answer is made from, never an unknown error, which would be a 500.
 */
import { InvalidParameterException, PasswordHistoryPolicyViolationException } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, inject, it } from 'vitest';
import { localCognitoClient } from '../../../../services/local/emulators/cognito-seed';
import { RejectedEmailError, RejectedPasswordError } from '../../../../services/identity/domain/ports';
import { uniqueEmail } from '../../../support/cognito';
import { cognitoRefusing, COGNITO_MESSAGE, directoriesOn, type CognitoException } from '../../../support/cognito-refusing';
import { SIGNUP_PASSWORD } from '../../../support/identity';

const cognito = inject('cognito');
const directoryOn = directoriesOn(cognito);

/** The adapter on a client whose `command` fails with `Exception`; the other calls reach the emulator. */
const directoryWhere = (command: `${string}Command`, Exception: CognitoException) => directoryOn(cognitoRefusing(cognito, command, Exception));
/** The adapter on the emulator as it is, to look at what a refused call left behind. */
const directory = () => directoryOn(localCognitoClient(cognito.endpoint, cognito.region));

const failureOf = (attempt: Promise<unknown>) => attempt.then(() => undefined, (error: unknown) => error);

describe('creating a user', () => {
  it('when Cognito refuses the email as a parameter (AdminCreateUser), then the email is rejected and no user is made', async () => {
    const email = uniqueEmail('refused');
    const error = await failureOf(directoryWhere('AdminCreateUserCommand', InvalidParameterException).createUser(email, SIGNUP_PASSWORD));
    expect(error).toBeInstanceOf(RejectedEmailError);
    expect((error as Error).message).not.toContain(COGNITO_MESSAGE);
    expect(await directory().findUser(email)).toBeUndefined();
  });

  it.each<[string, CognitoException]>([
    ['refuses the password as a parameter (InvalidParameterException)', InvalidParameterException],
    ['refuses the password by its history rule (PasswordHistoryPolicyViolationException)', PasswordHistoryPolicyViolationException],
  ])('when AdminSetUserPassword %s, then the password is rejected and the half-made user is removed', async (_, Exception) => {
    const email = uniqueEmail('refused');
    const error = await failureOf(directoryWhere('AdminSetUserPasswordCommand', Exception).createUser(email, SIGNUP_PASSWORD));
    expect(error).toBeInstanceOf(RejectedPasswordError);
    expect(await directory().findUser(email)).toBeUndefined();
  });

  it('when Cognito refuses the password as a parameter, then the reason given is ours, not Cognito\'s message', async () => {
    const error = await failureOf(directoryWhere('AdminSetUserPasswordCommand', InvalidParameterException).createUser(uniqueEmail('refused'), SIGNUP_PASSWORD));
    expect((error as RejectedPasswordError).reason).toBe('the user directory does not accept this password; choose another');
  });
});

describe('finding a user', () => {
  it('when Cognito refuses the name as a parameter (AdminGetUser), then no user has it', async () => {
    expect(await directoryWhere('AdminGetUserCommand', InvalidParameterException).findUser(uniqueEmail('refused'))).toBeUndefined();
  });
});
