/**
 * A Cognito user made outside signup (the admin `npm start` seeds, one made in the console) has no profile. On
 * its first authenticated call to `/identity/me` it gets one, made the way signup makes it: the profile row and
 * `identity.user.registered` in one transaction, so Billing opens its account too. Signup stays the only way to
 * create a Cognito user through the API; this only gives a profile to a user the directory already has.
 *
 * Never for a user whose profile was deleted: the directory must still have that very user (same sub), and the
 * email's claim row, where a deletion that has not finished and a signup in flight or interrupted leave their
 * notes, must say nothing of it: no signup may hold the lease, and the notes must not point at this user
 * (isOurOrphan). A note about another user does not count: a signup refused because the email is taken leaves one
 * dated after this user was made, and anyone may send that signup. A deletion racing the adoption is caught by
 * looking at the directory again.
 */
import { DuplicateProfileError, type IdentityProvider, type UnitOfWork } from './ports';
import { isProfileId, nameFromDirectory, normaliseEmail, type Caller, type Profile } from './profile';
import { isOurOrphan } from './signup-claim';

export interface ProfileAdoptionDeps {
  readonly unitOfWork: UnitOfWork;
  readonly identityProvider: IdentityProvider;
}

/** The caller's new profile, or undefined when the caller is not a directory user that may have one. */
export async function adoptDirectoryUser({ unitOfWork, identityProvider }: ProfileAdoptionDeps, caller: Caller): Promise<Profile | undefined> {
  if (!isProfileId(caller.sub)) return undefined;
  const user = await identityProvider.findUser(caller.username);
  if (!user?.email || user.sub !== caller.sub) return undefined;
  const email = normaliseEmail(user.email);
  const claim = await unitOfWork.claims.findClaim(email);
  if (claim && (claim.leaseHeld || isOurOrphan(claim.orphan, user))) return undefined;
  const fresh = { id: caller.sub, email, name: nameFromDirectory({ email, ...(user.name ? { name: user.name } : {}) }) };
  let profile: Profile;
  try {
    profile = await unitOfWork.transaction(async ({ profiles, events }) => {
      const inserted = await profiles.insert(fresh);
      await events.userRegistered({ userId: inserted.id, email: inserted.email, name: inserted.name });
      return inserted;
    });
  } catch (error) {
    // A concurrent first call made it (then it is there to read), or another profile has the email (then not).
    if (error instanceof DuplicateProfileError) return unitOfWork.profiles.findById(caller.sub);
    throw error;
  }
  if ((await identityProvider.findUser(caller.username))?.sub === caller.sub) return profile;
  // The user was deleted from the directory meanwhile: take the profile back, as a deletion would.
  await unitOfWork.transaction(async ({ profiles, events }) => {
    if (await profiles.delete(caller.sub)) await events.userDeleted({ userId: caller.sub });
  });
  return undefined;
}
