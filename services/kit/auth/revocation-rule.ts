/**
 * Which tokens a revocation covers, apart from where revocations are kept (revocations.ts): the guard asks it of
 * every request, and Identity's deletion of the one it is deleting with (a guard's cached answer may be a second old).
 */
import { AppError } from '../errors';

/**
 * Cognito's `iat` (whole seconds) and the revoking database's clock are different clocks, both kept by NTP: a
 * token issued up to this long after the recorded revocation is still taken as issued before it. Only a user who
 * signs in again after a deletion that failed half-way (docs/identity.md) waits this long for a working token.
 */
export const REVOCATION_CLOCK_ALLOWANCE_MS = 5_000;

/** Whether a revocation at `revokedAt` (epoch ms; undefined for none) covers a token issued at `issuedAt` (its `iat`, epoch s). */
export const revokes = (revokedAt: number | undefined, issuedAt: number): boolean =>
  revokedAt !== undefined && issuedAt * 1_000 <= revokedAt + REVOCATION_CLOCK_ALLOWANCE_MS;

/** The 401 for a token a revocation covers: its user was deleted. */
export const revokedToken = () => AppError.unauthorized('The access token has been revoked.', true);
