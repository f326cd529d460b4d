/**
 * The JWT authorizer of the local edge, with the deployed edge's checks (the REST API's Cognito authorizer, and
 * the services' own app-client check): a bearer token, signed by the pool's key, issued by the pool, for the app
 * client, not expired, an access token (the shared verifier checks all of these), then the route's scopes (any
 * one of them must be in the token's `scope`).
 *
 * Failed signature checks are limited per address, as anonymous requests are (STAGE_CLIENT_LIMITS.anonymous): an
 * address without any left gets 429 for a token not yet verified, before any check, valid or not.
 *
 * Like API Gateway, it does not look at groups: admin routes are forwarded to the service, which answers 403.
 * Unlike API Gateway (403), a token without the route's scope gets 401: offline, the only such tokens are ones
 * the platform never issues for its API (see docs/gateway.md).
 */
import type { Throttle } from '../contracts/routes';
import { AppError } from '../kit/errors';
import { COMPACT_JWS } from '../kit/auth/jwt-verifier';
import { isCanonicalJws } from './canonical-jws';
import { ClientThrottle } from './client-throttle';
import { gatewayProblems } from './problem';
import type { GatewayRoute } from './routing';
import { TokenCache, type CachedPrincipal } from './token-cache';
import type { Clock } from './throttle';

export interface TokenVerifier<P extends CachedPrincipal> {
  /** Resolves with the caller or rejects with an AppError (401 invalid, 503 keys unavailable). */
  verify(token: string): Promise<P>;
}

export interface AuthorizerOptions<P extends CachedPrincipal> {
  readonly verifier: TokenVerifier<P>;
  readonly cacheSize: number;
  readonly now: Clock;
  /** Signature checks per address that may fail: the anonymous pool's limit (gateway-parts.ts). */
  readonly failedChecks: Throttle;
}

export class Authorizer<P extends CachedPrincipal> {
  private readonly cache: TokenCache<P>;
  private readonly verifier: TokenVerifier<P>;
  private readonly now: Clock;
  /**
   * Per address key: each uncached token's signature check takes a token before it runs, given back unless the
   * token proves invalid. A check costs about 45 µs of CPU, and tokens with a real `kid` and a forged signature
   * could each cost one, however many 401s (and then 429s) the address had been answered.
   */
  private readonly failedChecks: ClientThrottle;

  constructor(options: AuthorizerOptions<P>) {
    this.cache = new TokenCache<P>(options.cacheSize, options.now);
    this.verifier = options.verifier;
    this.now = options.now;
    this.failedChecks = new ClientThrottle(options.failedChecks);
  }

  /**
   * The caller, synchronously on a cache hit; throws or rejects with a 401 AppError, or a 429 when `client` (an
   * address key) has no failed checks left: its token is then not verified at all.
   */
  authorize(route: GatewayRoute, header: string | undefined, client: string): P | Promise<P> {
    const token = bearerToken(header);
    if (token === undefined) throw AppError.unauthorized();
    const cached = this.cache.get(token);
    if (cached) return requireScope(route, cached);
    // Anything but a compact JWS is not worth a signature check (nor a cache entry); nor is another spelling of a
    // valid one, which would verify and be given back (canonical-jws.ts).
    if (!COMPACT_JWS.test(token) || !isCanonicalJws(token)) throw invalidToken();
    // Taken before the check, not after it fails: concurrent requests cannot all start checks before one has failed.
    const retryAfter = this.failedChecks.take(client, this.now());
    if (retryAfter !== undefined) throw gatewayProblems.tooManyFailedTokens(retryAfter);
    return this.verifier.verify(token).then(
      (principal) => {
        this.failedChecks.giveBack(client, this.now());
        this.cache.set(token, principal);
        return requireScope(route, principal);
      },
      (error: unknown) => {
        // Fail closed: an unexpected error from the verifier never lets a request through.
        const problem = error instanceof AppError ? error : invalidToken(error);
        // Keys that could not be loaded (503) are our fault, not a failed check of the client's.
        if (problem.status !== 401) this.failedChecks.giveBack(client, this.now());
        throw problem;
      },
    );
  }

  get cachedTokens(): number {
    return this.cache.size;
  }
}

/** `Bearer <token>`, scheme case-insensitive; `undefined` when there are no bearer credentials at all. */
function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length < 8) return undefined;
  if (header.charCodeAt(6) !== 32 || header.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

function requireScope<P extends CachedPrincipal>(route: GatewayRoute, principal: P): P {
  if (route.scopes.length === 0) return principal;
  for (const scope of route.scopes) if (principal.scopes.includes(scope)) return principal;
  throw AppError.unauthorized('The access token carries none of the scopes this route requires.', true);
}

function invalidToken(cause?: unknown): AppError {
  return new AppError(401, 'unauthorized', {
    detail: 'The access token is not valid.',
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    cause,
  });
}
