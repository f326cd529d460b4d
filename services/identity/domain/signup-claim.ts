/**
 * Signup touches two systems, Cognito and our database, with no transaction spanning both. A claim row per email
 * makes that safe:
 * - its lease serialises signups for one email across replicas (a second one in flight answers 409);
 * - it remembers a Cognito user that may exist without a profile behind it, and that is ours to remove: one
 *   from a signup that stopped between the two steps (`since`), or from a delete whose Cognito step failed
 *   (`sub`). A later signup for the email removes such a user and starts afresh.
 */

/** Long enough for the Cognito calls of one signup (each has its own timeout), short enough for a retry. */
export const CLAIM_LEASE_MS = 60_000;

/**
 * How long a signup's directory calls may take in all: under the edge's 29 s integration timeout (API Gateway), so
 * the client hears how its signup ended instead of a 504 while it goes on behind. Past it, the signup stops as the
 * directory being unavailable (503); the claim's notes let the next one clean up after it.
 */
export const SIGNUP_DEADLINE_MS = 25_000;

/** What an earlier attempt left behind. */
export interface OrphanHint {
  /** A signup was about to create a Cognito user then; its sub was not (yet) known. */
  readonly since: Date | null;
  /** The Cognito user a signup created, or whose profile a delete removed, that may still exist. */
  readonly sub: string | null;
}

/** An email's claim row as it stands: a signup in flight, and the notes of what may be left in the directory. */
export interface ClaimState {
  readonly leaseHeld: boolean;
  readonly orphan: OrphanHint;
}

/**
 * The lease one signup took. Its token fences that signup's writes: once another signup has taken the email over
 * (the lease ran out under a slow signup), every write with the old token fails with LeaseLostError.
 */
export interface SignupLease {
  readonly email: string;
  readonly token: string;
}

export type ClaimOutcome =
  | { readonly held: true; readonly lease: SignupLease; readonly orphan: OrphanHint | undefined }
  | { readonly held: false };

/** Another signup took the email's lease over (or the row is gone): this signup must stop and touch nothing of the claim. */
export class LeaseLostError extends Error {
  constructor(readonly email: string) {
    super(`the signup lease on ${email} was taken over by another signup`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Whether the directory's user for an email is one that an earlier attempt of ours left without a profile.
 * The sub, when known, decides. Otherwise only a user created no earlier than the attempt began counts, with no
 * slack: a user who existed before (the seeded admin, one made in the console) must never be taken for ours,
 * and a clock that disagrees, or creation dates rounded to the second (cognito-local), errs towards keeping.
 */
export function isOurOrphan(hint: OrphanHint, user: { sub: string; createdAt: Date }): boolean {
  if (hint.sub !== null) return hint.sub === user.sub;
  return hint.since !== null && user.createdAt.getTime() >= hint.since.getTime();
}
