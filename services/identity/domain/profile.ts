/** The identity's rules, free of HTTP, SQL and the AWS SDK. */
import { NOT_IN_A_NAME, trimName } from '../../kit/text';

/**
 * A registered user. `id` is the Cognito `sub`. Signup makes the profile; a Cognito user made elsewhere (the
 * seeded admin, one made in the console) gets one on its first call to `/identity/me` (account-use-cases.ts).
 */
export interface Profile {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly paidInvoiceCount: number;
  /** Sum of paid invoices in the platform currency (see PLATFORM_CURRENCY); exact past 2^53. */
  readonly lifetimeSpendCents: bigint;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewProfile {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

/** What a caller's token says about them, beyond the id. */
export interface Caller {
  readonly sub: string;
  /** The Cognito username, which admin operations take. */
  readonly username: string;
  readonly groups: readonly string[];
  /** When the caller's token was issued (its `iat`, epoch seconds): whether a deletion already revoked it. */
  readonly issuedAt: number;
}

export const NAME_MAX_CHARS = 200;
/**
 * The email is the Cognito user name here (the pool signs in by email), and Cognito takes user names of at most
 * 128 characters: a longer address, valid by RFC 5321's 254, could never sign up, and Cognito would refuse it with
 * an error of its own.
 */
export const EMAIL_MAX_CHARS = 128;

/**
 * Emails are compared and stored lower-case and trimmed: `Ann@X.io` and `ann@x.io ` are one account. The local
 * part is case-sensitive in theory; in practice no provider treats it so, and two accounts differing only by
 * case would be a support and phishing hazard.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The name a profile starts with when the directory made the user: its `name` attribute, else the local part of
 * its email (`admin` for admin@example.com), held to the rules the HTTP side holds a client's name to
 * (services/kit/text.ts), as a directory's name must not bring in what a client could not send: NOT_IN_A_NAME left
 * out (control characters; a lone surrogate; U+FFFE and U+FFFF, which SQS refuses, so identity.user.registered could
 * never reach Billing's queue; line separators; bidirectional controls and invisible characters, a name shown in
 * another order or looking like another), no space or break hint at either end (trimName), 200 at most.
 */
export function nameFromDirectory(user: { readonly email: string; readonly name?: string }): string {
  const clean = (text: string) => trimName([...trimName(text.replace(NOT_IN_A_NAME, ''))].slice(0, NAME_MAX_CHARS).join(''));
  return clean(user.name ?? '') || clean(user.email.split('@')[0] ?? '') || 'user';
}

/** Cognito subs are UUIDs; anything else cannot name a profile (and must not reach a uuid column). */
export function isProfileId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
