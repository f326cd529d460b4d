/**
 * Access-token verification with the unchanged aws-jwt-verify `CognitoJwtVerifier`, the same code path in AWS
 * and offline. Offline, only the place the keys come from changes (see jwks-fetcher.ts).
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FailedAssertionError, FetchError, JwksValidationError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { AppError } from '../errors';
import { RedirectingJwksFetcher } from './jwks-fetcher';

export interface Principal {
  /** The Cognito `sub`: the user's id everywhere in the platform. */
  readonly sub: string;
  readonly username: string;
  readonly groups: readonly string[];
  /** The token's `scope`, plus what a stand-in scope stands for (emulator only; see `scopeStandIns`). */
  readonly scopes: readonly string[];
  /** Expiry, seconds since the epoch; lets a caller cache a verdict no longer than the token lives. */
  readonly exp: number;
  /** `iat`, seconds since the epoch: a revocation covers the tokens issued up to its time (revocations.ts). */
  readonly issuedAt: number;
}

export interface JwtVerifierOptions {
  readonly userPoolId: string;
  readonly clientId: string;
  /** Emulator only: a plain-http JWKS URL, used instead of the pool's public `https://cognito-idp…` one. */
  readonly jwksUrl?: string;
  /** For tests that count key downloads; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** The token must carry at least one of these scopes (after stand-ins), else 401. Unset: any scope will do. */
  readonly requiredScopes?: readonly string[];
  /**
   * Emulator only: a scope in the token that counts as another one (`{ emulatorScope: realScope }`), for a pool
   * that cannot issue the real one. Never set for a real pool (from-config.ts decides).
   */
  readonly scopeStandIns?: Readonly<Record<string, string>>;
}

export interface AccessTokenVerifier {
  /** Resolves with the caller, or rejects with a 401 AppError (503 when the keys cannot be fetched). */
  verify(token: string): Promise<Principal>;
}

/**
 * A JWS in compact form (RFC 7515 §3.1): three base64url parts, never padded (the last is empty for alg none, which
 * the signature check then refuses). aws-jwt-verify also takes "=" padding, so one token could be sent in three
 * spellings, each a new key wherever tokens are counted (AWS WAF's per-token limit, the gateway's token cache).
 */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The cause behind the 401 for a token that is not a compact JWS at all. */
export class MalformedTokenError extends Error {
  override readonly name = 'MalformedTokenError';
}

export function createJwtVerifier(options: JwtVerifierOptions): AccessTokenVerifier {
  // aws-jwt-verify's own cache fetches again only for a kid it has not seen, and a penalty box stops a flood of
  // unknown kids from turning into a flood of downloads.
  const jwksCache = options.jwksUrl
    ? new SimpleJwksCache({ fetcher: new RedirectingJwksFetcher(options.jwksUrl, options.fetch ?? fetch) })
    : new SimpleJwksCache();
  const verifier = CognitoJwtVerifier.create(
    {
      userPoolId: options.userPoolId,
      tokenUse: 'access',
      clientId: options.clientId,
      graceSeconds: 0,
      customJwtCheck: requireTimes,
    },
    { jwksCache },
  );
  const standIns = options.scopeStandIns ?? {};
  const required = options.requiredScopes ?? [];
  return {
    async verify(token) {
      if (!COMPACT_JWS.test(token)) throw toAppError(new MalformedTokenError('not a JWS in compact form (three unpadded base64url parts)'));
      let principal: Principal;
      try {
        principal = toPrincipal(await verifier.verify(token), standIns);
      } catch (error) {
        throw toAppError(error);
      }
      if (required.length > 0 && !required.some((scope) => principal.scopes.includes(scope))) {
        throw AppError.unauthorized(`The access token carries none of the scopes this API requires (${required.join(', ')}).`, true);
      }
      return principal;
    },
  };
}

/**
 * Cognito's `sub` is a UUID, which it writes in lower case. Every revocation list is looked up by the sub as text,
 * and Identity's deletion revokes only a UUID's (a profile's id): a token with any other sub (forgeable offline
 * only: the emulator's key ships in its package) would never be revoked, and one with a NUL in it would make
 * PostgreSQL fail the lookup (a 5xx). The same UUID in capitals is another key to a text column, so it is refused too.
 */
const COGNITO_SUB = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * aws-jwt-verify checks `exp` only when present; a token without one would never expire. Without `iat` no
 * revocation could tell whether it covers the token. Cognito always sets both, and a `sub` that is a UUID.
 */
function requireTimes({ payload }: { payload: JwtPayload }): void {
  if (typeof payload.exp !== 'number') throw new FailedAssertionError('Missing exp claim', payload.exp, 'a number');
  if (typeof payload.iat !== 'number') throw new FailedAssertionError('Missing iat claim', payload.iat, 'a number');
  if (typeof payload.sub !== 'string' || !COGNITO_SUB.test(payload.sub)) {
    throw new FailedAssertionError('The sub claim is no Cognito sub', payload.sub, 'a UUID in lower case');
  }
}

function toPrincipal(payload: JwtPayload, standIns: Readonly<Record<string, string>>): Principal {
  const groups = payload['cognito:groups'];
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  const standingIn = scopes.flatMap((scope) => (Object.hasOwn(standIns, scope) ? [standIns[scope]!] : []));
  return {
    sub: String(payload.sub),
    username: typeof payload.username === 'string' ? payload.username : String(payload.sub),
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
    scopes: [...new Set([...scopes, ...standingIn])],
    exp: Number(payload.exp),
    issuedAt: Number(payload.iat),
  };
}

/** The keys being unreachable says nothing about the token: that is ours to fix, so 503, not 401. */
function toAppError(error: unknown): AppError {
  if (error instanceof FetchError || error instanceof JwksValidationError) {
    return AppError.unavailable('The token signing keys cannot be loaded right now.', 5, error);
  }
  // The client learns only that the token is invalid; the reason stays on `cause` for logs and tests.
  return Object.assign(AppError.unauthorized('The access token is not valid.', true), { cause: error });
}
