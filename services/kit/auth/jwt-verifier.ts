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
  readonly scopes: readonly string[];
  /** Expiry, seconds since the epoch; lets a caller cache a verdict no longer than the token lives. */
  readonly exp: number;
}

export interface JwtVerifierOptions {
  readonly userPoolId: string;
  readonly clientId: string;
  /** Emulator only: a plain-http JWKS URL, used instead of the pool's public `https://cognito-idp…` one. */
  readonly jwksUrl?: string;
  /** For tests that count key downloads; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface AccessTokenVerifier {
  /** Resolves with the caller, or rejects with a 401 AppError (503 when the keys cannot be fetched). */
  verify(token: string): Promise<Principal>;
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
      customJwtCheck: requireExpiry,
    },
    { jwksCache },
  );
  return {
    async verify(token) {
      try {
        return toPrincipal(await verifier.verify(token));
      } catch (error) {
        throw toAppError(error);
      }
    },
  };
}

/** aws-jwt-verify checks `exp` only when present; a token without one would never expire. */
function requireExpiry({ payload }: { payload: JwtPayload }): void {
  if (typeof payload.exp !== 'number') throw new FailedAssertionError('Missing exp claim', payload.exp, 'a number');
}

function toPrincipal(payload: JwtPayload): Principal {
  const groups = payload['cognito:groups'];
  return {
    sub: String(payload.sub),
    username: typeof payload.username === 'string' ? payload.username : String(payload.sub),
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
    scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    exp: Number(payload.exp),
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
