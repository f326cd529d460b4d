/**
 * Signup: a Cognito user and a profile, as if in one step. See signup-claim.ts for the claim that makes the two
 * systems safe together, and docs/identity.md for the reasoning.
 */
import { AppError } from '../../kit/errors';
import type { Logger } from '../../kit/logger';
import { DuplicateProfileError, EmailInUseError, RejectedPasswordError, type IdentityProvider, type UnitOfWork } from './ports';
import type { Profile } from './profile';
import { CLAIM_LEASE_MS, isOurOrphan, type OrphanHint } from './signup-claim';

export interface SignupInput {
  /** Already normalised (see normaliseEmail). */
  readonly email: string;
  readonly password: string;
  readonly name: string;
}

export interface SignupUseCases {
  signUp(input: SignupInput): Promise<Profile>;
}

export interface SignupUseCaseDeps {
  readonly unitOfWork: UnitOfWork;
  readonly identityProvider: IdentityProvider;
  readonly logger: Logger;
}

const emailTaken = () => AppError.conflict('An account with this email exists.', 'email-taken');

export function signupUseCases({ unitOfWork, identityProvider, logger }: SignupUseCaseDeps): SignupUseCases {
  const { profiles, claims } = unitOfWork;

  /** Ends the claim (nothing of ours is left in Cognito), then fails with `error`. */
  const releaseAndFail = async (email: string, error: AppError): Promise<never> => {
    await claims.release(email);
    throw error;
  };

  const removeOrphan = async (email: string, hint: OrphanHint) => {
    const user = await identityProvider.findUser(email);
    if (!user || !isOurOrphan(hint, user)) return;
    await identityProvider.deleteUser(user.sub);
    logger.info({ sub: user.sub }, 'removed a Cognito user that an interrupted signup or delete left without a profile');
  };

  /** Undoes the Cognito half when the profile cannot be written, so a retry starts clean. */
  const compensate = async (email: string, sub: string) => {
    try {
      await identityProvider.deleteUser(sub);
      await claims.release(email);
    } catch (error) {
      // The claim stays behind, and the next signup for this email removes the user instead.
      logger.error({ err: error, sub }, 'signup could not remove the Cognito user it created');
    }
  };

  const register = async (sub: string, { email, name }: SignupInput): Promise<Profile> => {
    try {
      await claims.noteCreatedUser(email, sub);
      return await unitOfWork.transaction(async (scope) => {
        const profile = await scope.profiles.insert({ id: sub, email, name });
        await scope.events.userRegistered({ userId: sub, email, name });
        await scope.claims.release(email);
        return profile;
      });
    } catch (error) {
      await compensate(email, sub);
      if (error instanceof DuplicateProfileError) throw emailTaken();
      throw error;
    }
  };

  const attempt = async (input: SignupInput, orphan: OrphanHint | undefined): Promise<Profile> => {
    const { email, password } = input;
    if (await profiles.findByEmail(email)) return releaseAndFail(email, emailTaken());
    if (orphan) await removeOrphan(email, orphan);
    await claims.markAttempt(email);
    let sub: string;
    try {
      sub = await identityProvider.createUser(email, password);
    } catch (error) {
      // Someone else's user, or one a retry inside the SDK made for us: the claim's notes tell a later attempt.
      if (error instanceof EmailInUseError) throw emailTaken();
      // The adapter removed the user it could not give this password: nothing of ours is left.
      if (error instanceof RejectedPasswordError) {
        return releaseAndFail(email, AppError.validation([{ path: 'password', message: error.reason }]));
      }
      throw error;
    }
    return register(sub, input);
  };

  const signUp = async (input: SignupInput): Promise<Profile> => {
    const claim = await claims.claim(input.email, CLAIM_LEASE_MS);
    // Another signup for this email is in flight; at most one of them can win, and it is not this one.
    if (!claim.held) throw AppError.conflict('A signup for this email is in progress.', 'email-taken');
    try {
      return await attempt(input, claim.orphan);
    } catch (error) {
      // This attempt is over, so the next may start at once; the claim's notes stay for it. Only a crash keeps
      // the lease, until it runs out.
      await claims.endLease(input.email).catch((failure: unknown) => logger.warn({ err: failure }, 'could not end a signup lease'));
      throw error;
    }
  };

  return { signUp };
}
