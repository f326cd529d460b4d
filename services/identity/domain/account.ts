/** The signed-in user's own account: read, rename, delete. */
import { AppError } from '../../platform/errors';
import type { IdentityProvider } from './identity-provider';
import { isProfileId, type Caller, type Profile } from './profile';
import type { IdentityStore } from './store';

export interface AccountDeps {
  readonly store: IdentityStore;
  readonly directory: IdentityProvider;
}

/**
 * A valid token whose profile is gone (deleted, and the token not yet expired) or never existed (a user made
 * outside signup, such as the seeded admin) names no account: the same answer as an invalid token.
 */
const noAccount = () => AppError.unauthorized('The account behind this token does not exist.', true);

export function account({ store, directory }: AccountDeps) {
  const profileOf = async (caller: Caller): Promise<Profile> => {
    const profile = isProfileId(caller.sub) ? await store.findProfile(caller.sub) : undefined;
    if (!profile) throw noAccount();
    return profile;
  };

  return {
    me: profileOf,

    async rename(caller: Caller, name: string): Promise<Profile> {
      const profile = isProfileId(caller.sub) ? await store.rename(caller.sub, name) : undefined;
      if (!profile) throw noAccount();
      return profile;
    },

    /**
     * Database first (profile, event, and a note that the Cognito user may outlive it), then Cognito. A failure
     * in between leaves a user who can still sign in but has no profile: deleting again finishes the job, and a
     * signup with the email removes the leftover. Idempotent: deleting what is already gone answers the same.
     */
    async remove(caller: Caller): Promise<void> {
      if (isProfileId(caller.sub)) {
        await store.transaction(async (tx) => {
          const profile = await tx.deleteProfile(caller.sub);
          if (!profile) return;
          await tx.events.emit('identity.user.deleted', { userId: profile.id }, profile.id);
          await tx.rememberDeletedUser(profile.email, profile.id);
        });
      }
      await directory.deleteUser(caller.username);
      // Also after a retry that found the profile already gone: the leftover note has done its job.
      if (isProfileId(caller.sub)) await store.forgetDeletedUser(caller.sub);
    },
  };
}
