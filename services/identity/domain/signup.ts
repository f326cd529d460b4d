/**
 * Signup: a Cognito user and a profile, as if in one step. See signup-claim.ts for the claim that makes the two
 * systems safe together, and docs/identity.md for the reasoning.
 */
import { AppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { EmailInUseError, RejectedPasswordError, type IdentityProvider } from './identity-provider';
import type { Profile } from './profile';
import { CLAIM_LEASE_MS, isOurOrphan, type OrphanHint } from './signup-claim';
import { DuplicateProfileError, type IdentityStore } from './store';

export interface SignupInput {
  /** Already normalised (see normaliseEmail). */
  readonly email: string;
  readonly password: string;
  readonly name: string;
}

export interface SignupDeps {
  readonly store: IdentityStore;
  readonly directory: IdentityProvider;
  readonly logger: Logger;
}

const emailTaken = () => AppError.conflict('An account with this email exists.', 'email-taken');

export function signup({ store, directory, logger }: SignupDeps) {
  /** Ends the claim (nothing of ours is left in Cognito), then fails with `error`. */
  const releaseAndFail = async (email: string, error: AppError): Promise<never> => {
    await store.releaseClaim(email);
    throw error;
  };

  const removeOrphan = async (email: string, hint: OrphanHint) => {
    const user = await directory.findUser(email);
    if (!user || !isOurOrphan(hint, user)) return;
    await directory.deleteUser(user.sub);
    logger.info({ sub: user.sub }, 'removed a Cognito user that an interrupted signup or delete left without a profile');
  };

  /** Undoes the Cognito half when the profile cannot be written, so a retry starts clean. */
  const compensate = async (email: string, sub: string) => {
    try {
      await directory.deleteUser(sub);
      await store.releaseClaim(email);
    } catch (error) {
      // The claim stays behind, and the next signup for this email removes the user instead.
      logger.error({ err: error, sub }, 'signup could not remove the Cognito user it created');
    }
  };

  const register = async (sub: string, { email, name }: SignupInput): Promise<Profile> => {
    try {
      await store.noteCreatedUser(email, sub);
      return await store.transaction(async (tx) => {
        const profile = await tx.insertProfile({ id: sub, email, name });
        await tx.events.emit('identity.user.registered', { userId: sub, email, name }, sub);
        await tx.releaseClaim(email);
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
    if (await store.findProfileByEmail(email)) return releaseAndFail(email, emailTaken());
    if (orphan) await removeOrphan(email, orphan);
    await store.markAttempt(email);
    let sub: string;
    try {
      sub = await directory.createUser(email, password);
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

  return async (input: SignupInput): Promise<Profile> => {
    const claim = await store.claimEmail(input.email, CLAIM_LEASE_MS);
    // Another signup for this email is in flight; at most one of them can win, and it is not this one.
    if (!claim.held) throw AppError.conflict('A signup for this email is in progress.', 'email-taken');
    try {
      return await attempt(input, claim.orphan);
    } catch (error) {
      // This attempt is over, so the next may start at once; the claim's notes stay for it. Only a crash keeps
      // the lease, until it runs out.
      await store.endLease(input.email).catch((failure: unknown) => logger.warn({ err: failure }, 'could not end a signup lease'));
      throw error;
    }
  };
}
