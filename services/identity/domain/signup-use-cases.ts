/**
 * Signup: a Cognito user and a profile, as if in one step. See signup-claim.ts for the claim that makes the two
 * systems safe together, and docs/identity.md for the reasoning.
 */
import { AppError } from '../../kit/errors';
import type { Logger } from '../../kit/logger';
import { DuplicateProfileError, EmailInUseError, RejectedEmailError, RejectedPasswordError, type IdentityProvider, type UnitOfWork } from './ports';
import type { Profile } from './profile';
import { CLAIM_LEASE_MS, isOurOrphan, LeaseLostError, SIGNUP_DEADLINE_MS, type OrphanHint, type SignupLease } from './signup-claim';

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
  /** @default SIGNUP_DEADLINE_MS */
  readonly deadlineMs?: number;
}

const emailTaken = () => AppError.conflict('An account with this email exists.', 'email-taken');
/**
 * Also the answer of a signup that lost its lease: another signup for the email took over, and at most one of
 * them can win. The client sees what a concurrent signup sees, and retrying later finds the outcome.
 */
const inProgress = () => AppError.conflict('A signup for this email is in progress.', 'email-taken');

/** After a takeover the claim row is the new holder's: a clean-up write of ours that the fence refused is fine. */
const unlessLeaseLost = (onOther: (failure: unknown) => void) => (failure: unknown) => {
  if (!(failure instanceof LeaseLostError)) onOther(failure);
};

export function signupUseCases({ unitOfWork, identityProvider, logger, deadlineMs = SIGNUP_DEADLINE_MS }: SignupUseCaseDeps): SignupUseCases {
  const { profiles, claims } = unitOfWork;
  const warn = (message: string) => unlessLeaseLost((failure) => logger.warn({ err: failure }, message));

  /** Ends the claim (nothing of ours is left in Cognito), then fails with `error`, which holds after a takeover too. */
  const releaseAndFail = async (lease: SignupLease, error: AppError): Promise<never> => {
    await claims.release(lease).catch(warn('could not release a signup claim'));
    throw error;
  };

  const removeOrphan = async (email: string, hint: OrphanHint, signal: AbortSignal) => {
    const user = await identityProvider.findUser(email, { signal });
    if (!user || !isOurOrphan(hint, user)) return;
    await identityProvider.deleteUser(user.sub, { signal });
    logger.info({ sub: user.sub }, 'removed a Cognito user that an interrupted signup or delete left without a profile');
  };

  /**
   * Undoes the Cognito half when the profile is not written, so a retry starts clean. Also after a takeover: the
   * new holder's notes need not name this user (it may have noted its own attempt after the user was made), and
   * the exact sub can only ever be this attempt's user.
   */
  const compensate = async (lease: SignupLease, sub: string) => {
    try {
      await identityProvider.deleteUser(sub);
    } catch (error) {
      // The claim stays behind, and the next signup for this email removes the user instead.
      logger.error({ err: error, sub }, 'signup could not remove the Cognito user it created');
      return;
    }
    await claims.release(lease).catch(warn('could not release a signup claim'));
  };

  const register = async (sub: string, { email, name }: SignupInput, lease: SignupLease): Promise<Profile> => {
    try {
      await claims.noteCreatedUser(lease, sub);
      return await unitOfWork.transaction(async (scope) => {
        // First, and locked until the commit: the profile commits only if no other signup has taken over.
        await scope.claims.release(lease);
        const profile = await scope.profiles.insert({ id: sub, email, name });
        await scope.events.userRegistered({ userId: sub, email, name });
        return profile;
      });
    } catch (error) {
      await compensate(lease, sub);
      if (error instanceof DuplicateProfileError) throw emailTaken();
      throw error;
    }
  };

  const attempt = async (input: SignupInput, lease: SignupLease, orphan: OrphanHint | undefined): Promise<Profile> => {
    const { email, password } = input;
    // The directory calls stop at the deadline; the clean-up after a failed profile write (compensate) does not.
    const signal = AbortSignal.timeout(deadlineMs);
    if (await profiles.findByEmail(email)) return releaseAndFail(lease, emailTaken());
    if (orphan) await removeOrphan(email, orphan, signal);
    await claims.markAttempt(lease, orphan?.sub ?? null);
    let sub: string;
    try {
      sub = await identityProvider.createUser(email, password, { signal });
    } catch (error) {
      // Someone else's user, or one a retry inside the SDK made for us: the claim's notes tell a later attempt.
      if (error instanceof EmailInUseError) throw emailTaken();
      // The adapter removed the user it could not give this password: nothing of ours is left.
      if (error instanceof RejectedPasswordError) {
        return releaseAndFail(lease, AppError.validation([{ path: 'password', message: error.reason }]));
      }
      if (error instanceof RejectedEmailError) {
        // The caller's to change, but also the schema's rule falling short of Cognito's: worth an operator's look.
        logger.warn({ err: error.cause }, 'Cognito refused an email that the signup schema accepted');
        return releaseAndFail(lease, AppError.validation([{ path: 'email', message: error.message }]));
      }
      throw error;
    }
    return register(sub, input, lease);
  };

  const signUp = async (input: SignupInput): Promise<Profile> => {
    const claim = await claims.claim(input.email, CLAIM_LEASE_MS);
    // Another signup for this email is in flight; at most one of them can win, and it is not this one.
    if (!claim.held) throw inProgress();
    try {
      return await attempt(input, claim.lease, claim.orphan);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        logger.warn('a signup outlived its lease and another signup for the email took over; this one stopped');
        throw inProgress();
      }
      // This attempt is over, so the next may start at once; the claim's notes stay for it. Only a crash keeps
      // the lease, until it runs out.
      await claims.endLease(claim.lease).catch(warn('could not end a signup lease'));
      throw error;
    }
  };

  return { signUp };
}
