/** What the use cases need from storage; data-access implements it on PostgreSQL. */
import type { IdentityEvents } from './events';
import type { PaidInvoice, PaidInvoiceOutcome } from './invoice-paid';
import type { NewProfile, Profile } from './profile';
import type { ClaimOutcome } from './signup-claim';

export interface IdentityStore {
  findProfile(id: string): Promise<Profile | undefined>;
  findProfileByEmail(email: string): Promise<Profile | undefined>;
  rename(id: string, name: string): Promise<Profile | undefined>;

  /** Takes the email's signup lease unless another signup holds it; returns what earlier attempts left. */
  claimEmail(email: string, leaseMs: number): Promise<ClaimOutcome>;
  /** Notes that this attempt is about to create a Cognito user: one made from now on is ours to remove. */
  markAttempt(email: string): Promise<void>;
  /** Notes the sub of the Cognito user this attempt created, so a later attempt can tell it apart exactly. */
  noteCreatedUser(email: string, sub: string): Promise<void>;
  /** Lets the next signup for the email start at once, keeping what this attempt noted. */
  endLease(email: string): Promise<void>;
  /** Ends the claim: nothing of this email is left for anyone to clean up. */
  releaseClaim(email: string): Promise<void>;
  /** Forgets a deleted user's leftover once its Cognito user is gone, unless a signup has taken the row over. */
  forgetDeletedUser(sub: string): Promise<void>;

  /** Runs the work in one database transaction; a throw rolls all of it back, events included. */
  transaction<T>(work: (tx: IdentityTransaction) => Promise<T>): Promise<T>;
}

export interface IdentityTransaction {
  readonly events: IdentityEvents;
  /** Throws `DuplicateProfileError` when the id or the email has a profile. */
  insertProfile(profile: NewProfile): Promise<Profile>;
  deleteProfile(id: string): Promise<Profile | undefined>;
  releaseClaim(email: string): Promise<void>;
  /** Records that a Cognito user with this email and sub may outlive its deleted profile. */
  rememberDeletedUser(email: string, sub: string): Promise<void>;
  /**
   * Adds the invoice to its owner's counters (`spendCents` to the lifetime spend), once per invoice id:
   * 'duplicate' when the ledger has it already, 'unknown-user' when no profile has `userId`.
   */
  addPaidInvoice(invoice: PaidInvoice, spendCents: number): Promise<PaidInvoiceOutcome>;
}

export class DuplicateProfileError extends Error {
  constructor(readonly email: string) {
    super(`a profile with this id or email (${email}) exists`);
    this.name = 'DuplicateProfileError';
  }
}

/**
 * Runs an event's effect on a store whose writes commit together with the record that the event was handled,
 * and skips the effect (false) when it was handled before. The platform inbox implements it.
 */
export type RunOncePerEvent = (
  event: { readonly id: string; readonly type: string },
  effect: (store: IdentityStore) => Promise<void>,
) => Promise<boolean>;
