/** What the identity use cases need from the outside world; data-access implements each port. */
import type { EventData } from '../../contracts/events';
import type { PaidInvoice, PaidInvoiceOutcome } from './paid-invoice';
import type { NewProfile, Profile } from './profile';
import type { ClaimOutcome, ClaimState, SignupLease } from './signup-claim';

export interface ProfileRepository {
  findById(id: string): Promise<Profile | undefined>;
  findByEmail(email: string): Promise<Profile | undefined>;
  rename(id: string, name: string): Promise<Profile | undefined>;
  /** Throws `DuplicateProfileError` when the id or the email has a profile. */
  insert(profile: NewProfile): Promise<Profile>;
  delete(id: string): Promise<Profile | undefined>;
  /**
   * Adds the invoice to its owner's counters (`spendCents` to the lifetime spend), once per invoice id:
   * 'duplicate' when the ledger has it already, 'unknown-user' when no profile has `userId`. Its statements
   * commit as one only inside a transaction.
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
 * A signup's lease on an email and its notes on what an attempt left in the directory (see signup-claim.ts). Every
 * write given a lease throws LeaseLostError, changing nothing, once another signup holds the email.
 */
export interface SignupClaimRepository {
  /** Takes the email's signup lease unless another signup holds it; returns what earlier attempts left. */
  claim(email: string, leaseMs: number): Promise<ClaimOutcome>;
  /**
   * Notes that this attempt is about to create a directory user: one made from now on is ours to remove. Forgets
   * the noted sub only when it is `handledSub`, the one this attempt found at its claim and dealt with.
   */
  markAttempt(lease: SignupLease, handledSub: string | null): Promise<void>;
  /** Notes the sub of the user this attempt created, so a later attempt can tell it apart exactly. */
  noteCreatedUser(lease: SignupLease, sub: string): Promise<void>;
  /** Lets the next signup for the email start at once, keeping what this attempt noted. */
  endLease(lease: SignupLease): Promise<void>;
  /** Ends the claim: nothing of this email is left for anyone to clean up. In a transaction, the row stays locked. */
  release(lease: SignupLease): Promise<void>;
  /** Records that a directory user with this email and sub may outlive its deleted profile. */
  rememberDeletedUser(email: string, sub: string): Promise<void>;
  /** Forgets a deleted user's leftover once its directory user is gone, unless a signup has taken the row over. */
  forgetDeletedUser(sub: string): Promise<void>;
  /** The email's row, if any: whether a signup holds its lease now, and what earlier attempts or a deletion noted. */
  findClaim(email: string): Promise<ClaimState | undefined>;
}

export type UserRegistered = EventData<'identity.user.registered'>;
export type UserDeleted = EventData<'identity.user.deleted'>;

/** The events Identity produces, written in the same transaction as the change that causes them (the outbox). */
export interface OutgoingEvents {
  userRegistered(event: UserRegistered): Promise<void>;
  userDeleted(event: UserDeleted): Promise<void>;
}

export interface Repositories {
  readonly profiles: ProfileRepository;
  readonly claims: SignupClaimRepository;
}

/**
 * Identity's own record of users whose tokens no longer count: every service refuses an access token issued up
 * to the revocation (services/kit/auth/revocations.ts); the others learn it from `identity.user.deleted`.
 */
export interface TokenRevocations {
  /**
   * Revokes every token of the user issued until now; idempotent. Resolves with the revocation already in place
   * (epoch ms; undefined for none), one committed meanwhile by a concurrent caller included: the row stays locked
   * until the transaction ends.
   */
  revokeAll(userId: string): Promise<number | undefined>;
}

export interface TransactionScope extends Repositories {
  readonly events: OutgoingEvents;
  readonly revocations: TokenRevocations;
}

/**
 * Storage as the use cases see it: repositories for single statements, and `transaction` for work that must
 * commit or roll back as one, events included. Built on a caller's transaction (the inbox's, which records the
 * event id in it), everything runs inside that transaction and `transaction` nests as a savepoint.
 */
export interface UnitOfWork extends Repositories {
  transaction<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
}

export interface Tokens {
  readonly accessToken: string;
  readonly idToken: string;
  /** Absent on refresh: Cognito keeps the refresh token it issued at sign-in. */
  readonly refreshToken?: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

export interface DirectoryUser {
  readonly sub: string;
  readonly createdAt: Date;
  /** The `email` attribute, as the directory holds it. */
  readonly email?: string;
  /** The `name` attribute, when the user has one. */
  readonly name?: string;
}

/** A call's own end: once `signal` aborts, the call stops and fails as the directory being unavailable. */
export interface DirectoryCallOptions {
  readonly signal?: AbortSignal;
}

/** The user directory, which issues the tokens (Cognito). Every method throws `IdentityProviderUnavailableError` when it cannot answer now. */
export interface IdentityProvider {
  /**
   * A confirmed user with a permanent password, able to sign in at once; resolves with its `sub`.
   * Throws `EmailInUseError` when the directory has the email, `RejectedEmailError` when the directory refuses the
   * email itself, `RejectedPasswordError` when it refuses the password (in both cases no user is left behind).
   */
  createUser(email: string, password: string, options?: DirectoryCallOptions): Promise<string>;
  /** undefined when no user has this email (or username). */
  findUser(emailOrUsername: string, options?: DirectoryCallOptions): Promise<DirectoryUser | undefined>;
  /** Idempotent: a user who is already gone is not an error. */
  deleteUser(emailOrUsername: string, options?: DirectoryCallOptions): Promise<void>;
  /** Revokes the user's refresh tokens (global sign-out); idempotent, and a user already gone is not an error. */
  signOutEverywhere(emailOrUsername: string): Promise<void>;
  /** Throws `BadCredentialsError` for any reason the pair does not sign in. */
  signIn(email: string, password: string): Promise<Tokens>;
  /** Throws `BadCredentialsError` when the refresh token is not (or no longer) valid. */
  refresh(refreshToken: string): Promise<Tokens>;
}

/** The directory cannot answer now (down, throttling us, unreachable); a retry in a moment may work. */
export class IdentityProviderUnavailableError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('The user directory is unavailable.', options);
    this.name = 'IdentityProviderUnavailableError';
  }
}

export class EmailInUseError extends Error {
  constructor(readonly email: string) {
    super(`the directory already has a user with email ${email}`);
    this.name = 'EmailInUseError';
  }
}

export class RejectedPasswordError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'RejectedPasswordError';
  }
}

/**
 * The directory refuses the email as a user name although the signup schema accepted it: the caller's to change,
 * and a sign that the schema's rule is looser than the directory's. The message says nothing of the directory's own.
 */
export class RejectedEmailError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the user directory does not accept this email address', options);
    this.name = 'RejectedEmailError';
  }
}

/** Deliberately says nothing about which part was wrong. */
export class BadCredentialsError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the credentials do not sign in', options);
    this.name = 'BadCredentialsError';
  }
}
