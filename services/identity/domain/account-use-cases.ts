/** The signed-in user's own account: read, rename, delete. */
import { revokedToken, revokes } from '../../kit/auth/revocation-rule';
import { AppError } from '../../kit/errors';
import type { IdentityProvider, UnitOfWork } from './ports';
import { adoptDirectoryUser } from './profile-adoption';
import { isProfileId, type Caller, type Profile } from './profile';

export interface AccountUseCases {
  me(caller: Caller): Promise<Profile>;
  rename(caller: Caller, name: string): Promise<Profile>;
  deleteAccount(caller: Caller): Promise<void>;
}

export interface AccountUseCaseDeps {
  readonly unitOfWork: UnitOfWork;
  readonly identityProvider: IdentityProvider;
}

/**
 * A valid token whose profile is gone (deleted, and the token not yet expired) names no account: the same answer
 * as an invalid token. A directory user who never had a profile gets one instead (profile-adoption.ts).
 */
const noAccount = () => AppError.unauthorized('The account behind this token does not exist.', true);

/**
 * The directory could not be reached after the database half of a deletion committed: the profile is gone and the
 * token revoked (so repeating the request with it answers 401), but the sign-in user is left. A new sign-in and
 * another DELETE finish the job.
 */
const unfinishedDeletion = (cause: AppError) =>
  new AppError(503, 'deletion-unfinished', {
    detail: 'Your profile is deleted and your tokens are revoked, but the sign-in account could not be removed yet: sign in again and repeat DELETE /identity/me to finish.',
    // No Retry-After: the same request again answers 401 (its token is revoked); a new sign-in is what finishes it.
    cause,
  });

export function accountUseCases(deps: AccountUseCaseDeps): AccountUseCases {
  const { unitOfWork, identityProvider } = deps;
  const profileOf = async (caller: Caller) =>
    (isProfileId(caller.sub) ? await unitOfWork.profiles.findById(caller.sub) : undefined) ?? (await adoptDirectoryUser(deps, caller));

  /**
   * The profile, its event and a note for the directory user it may leave, with every token revoked; in one
   * transaction. Given the caller, it first makes sure no deletion has revoked the caller's token already: the
   * guard's answer may be up to a second old (its cache), and a concurrent DELETE with the same token passed it too.
   * Such a request is from a deleted user, answered as any other is (401), and leaves the directory alone.
   */
  const removeProfile = (sub: string, caller?: Caller) =>
    unitOfWork.transaction(async ({ profiles, claims, events, revocations }) => {
      const revokedBefore = await revocations.revokeAll(sub);
      // Thrown inside the transaction: it rolls back, so the revocation keeps its time, not this late request's.
      if (caller && revokes(revokedBefore, caller.issuedAt)) throw revokedToken();
      const profile = await profiles.delete(sub);
      if (!profile) return;
      await events.userDeleted({ userId: profile.id });
      await claims.rememberDeletedUser(profile.email, profile.id);
    });

  return {
    async me(caller) {
      const profile = await profileOf(caller);
      if (!profile) throw noAccount();
      return profile;
    },

    async rename(caller, name) {
      const renamed = isProfileId(caller.sub) ? await unitOfWork.profiles.rename(caller.sub, name) : undefined;
      if (renamed) return renamed;
      // A first call that is a rename: the profile is made first, then renamed.
      const profile = (await profileOf(caller)) && (await unitOfWork.profiles.rename(caller.sub, name));
      if (!profile) throw noAccount();
      return profile;
    },

    /**
     * Database first (profile, event, the revocation of every token issued so far, and a note that the Cognito
     * user may outlive the profile), then Cognito: sign-out everywhere (refresh tokens), then the user. A failure
     * in between leaves a user who can still sign in but has no profile: deleting again with a new token finishes
     * the job, and a signup with the email removes the leftover.
     */
    async deleteAccount(caller) {
      if (isProfileId(caller.sub)) await removeProfile(caller.sub, caller);
      // Only the directory user the token names by both username and sub: a token whose two claims disagree
      // (forgeable offline only) must not reach someone else's user.
      try {
        const user = await identityProvider.findUser(caller.username);
        if (user && user.sub === caller.sub) {
          await identityProvider.signOutEverywhere(caller.username);
          await identityProvider.deleteUser(caller.username);
        }
      } catch (error) {
        if (error instanceof AppError && error.status === 503) throw unfinishedDeletion(error);
        throw error;
      }
      if (!isProfileId(caller.sub)) return;
      // Again, now that the directory user is gone: a first call of this user already past its token check could
      // make a profile (profile-adoption.ts) after the step above found none to delete, and nothing noted; left
      // there, it holds the email for ever and Billing keeps the account it opens. A profile made after this
      // finds the directory user gone and takes itself back.
      await removeProfile(caller.sub);
      // Also after a retry that found the profile already gone: the leftover note has done its job.
      await unitOfWork.claims.forgetDeletedUser(caller.sub);
    },
  };
}
