/**
 * Every bucket the route table asks for, built once: one per route (its own throttle or the stage's), one per
 * client in each per-client pool, and on each credential route one per (account, address) and one per account.
 * The gateway only looks them up.
 *
 * Overrides, from the environment: GATEWAY_RATE_LIMIT / GATEWAY_BURST_LIMIT replace every limit of the table
 * (route, per-client and per-account), so a test or benchmark meets one known limit; GATEWAY_PER_CLIENT_* then
 * replace the per-client limits alone.
 */
import { createHash } from 'node:crypto';
import type { AccountLimit, ClientLimit, Throttle } from '../contracts/routes';
import { ClientThrottle } from './client-throttle';
import { credentialBody, MAX_CREDENTIAL_BODY_BYTES } from './credential-body';
import { gatewayProblems } from './problem';
import type { GatewayRoute } from './routing';
import { effectiveThrottle, perClientThrottle, TokenBucket, type ThrottleOverride } from './throttle';

export interface LimitOverrides {
  /** GATEWAY_RATE_LIMIT / GATEWAY_BURST_LIMIT. */
  readonly all?: ThrottleOverride;
  /** GATEWAY_PER_CLIENT_RATE_LIMIT / GATEWAY_PER_CLIENT_BURST_LIMIT. */
  readonly perClient?: ThrottleOverride;
}

interface AccountPool {
  readonly limit: AccountLimit;
  /** Keyed on account and address; failures are charged here. */
  readonly perAddress: ClientThrottle;
  /** Keyed on the account alone. */
  readonly anyAddress: ClientThrottle;
}

/** A credential request's account: which buckets, and what a failure costs. */
export interface AccountTicket {
  /** The account's hash. */
  readonly key: string;
  /** The account's hash and the caller's address. */
  readonly fromAddress: string;
  readonly pool: AccountPool;
}

/** The one key of every body that names no readable account; a hash (base64) never has parentheses. */
export const UNREADABLE_ACCOUNT = '(unreadable)';

export class EdgeLimits {
  private readonly routeBuckets = new Map<GatewayRoute, TokenBucket>();
  private readonly clientPools = new Map<string, { readonly limit: ClientLimit; readonly buckets: ClientThrottle }>();
  private readonly accountPools = new Map<GatewayRoute, AccountPool>();

  constructor(routes: readonly GatewayRoute[], stage: Throttle, overrides: LimitOverrides, now: number) {
    const all = overrides.all ?? {};
    for (const route of routes) {
      this.routeBuckets.set(route, new TokenBucket(effectiveThrottle(route.throttle, stage, all), now));
      this.addClientPool(route.client, overrides);
      const { account } = route;
      if (!account) continue;
      this.accountPools.set(route, {
        limit: account,
        perAddress: new ClientThrottle(effectiveThrottle(account.throttle, stage, all)),
        anyAddress: new ClientThrottle(effectiveThrottle(account.anyAddress, stage, all)),
      });
    }
  }

  /** `undefined` when the route's bucket admits the request, else the Retry-After in seconds. */
  takeRoute(route: GatewayRoute, now: number): number | undefined {
    const bucket = this.routeBuckets.get(route) as TokenBucket;
    return bucket.tryTake(now) ? undefined : bucket.retryAfterSeconds(now);
  }

  /** Per client: `who` is the source address or the token's subject, as the route's limit says. */
  takeClient(limit: ClientLimit, who: string, now: number): number | undefined {
    return this.clientPools.get(limit.pool)?.buckets.take(who, now);
  }

  /**
   * The account a credential request from `address` names, or `undefined` when the route has no account limit or
   * the request no body; throws the 413 problem for a body over MAX_CREDENTIAL_BODY_BYTES (once inflated). A body
   * whose account the gateway cannot read (not JSON, no such field, an encoding it
   * cannot undo) counts as one shared account: whatever the service might still read in it (a parser difference
   * between the two) gets no more than that one account's budget, for all such requests together.
   */
  account(route: GatewayRoute, body: Buffer | null, address: string, contentEncoding?: string): AccountTicket | undefined {
    const pool = this.accountPools.get(route);
    if (!pool || !body) return undefined;
    let readable: Buffer | undefined;
    try {
      readable = credentialBody(body, contentEncoding);
    } catch {
      // Its one failure (CredentialBodyTooLarge): a body past the cap.
      throw gatewayProblems.tooLarge(MAX_CREDENTIAL_BODY_BYTES);
    }
    const value = readable && accountField(readable, pool.limit.field);
    // Hashed: fixed-size keys whatever the body held, and no e-mail or refresh token kept in memory.
    const key = value === undefined ? UNREADABLE_ACCOUNT : createHash('sha256').update(value).digest('base64');
    return { key, fromAddress: `${key} ${address}`, pool };
  }

  /**
   * `undefined` when both the (account, address) bucket and the account's admit the request, else the Retry-After
   * in seconds. The address's own bucket first: a request it refuses spends nothing of the account's.
   */
  takeAccount(ticket: AccountTicket, now: number): number | undefined {
    return ticket.pool.perAddress.take(ticket.fromAddress, now) ?? ticket.pool.anyAddress.take(ticket.key, now);
  }

  /**
   * After the service answered: a failed attempt costs its penalty, to the (account, address) bucket only. No
   * status (the client left before the answer) costs it too: the request reached the service, which checked it all
   * the same. Were it free, leaving early would make every guess cost one token, and a few addresses could keep the
   * account's own bucket empty. A request whose client left before it was forwarded (dropped, upstream.ts) is
   * charged alike, so leaving even earlier never pays.
   */
  settle(ticket: AccountTicket, status: number | undefined, now: number): void {
    const { limit } = ticket.pool;
    if (status !== undefined && !limit.failureStatuses.includes(status)) return;
    ticket.pool.perAddress.charge(ticket.fromAddress, limit.failurePenalty, limit.maxDebt, now);
  }

  private addClientPool(limit: ClientLimit, overrides: LimitOverrides): void {
    const existing = this.clientPools.get(limit.pool);
    if (existing) {
      if (JSON.stringify(existing.limit) !== JSON.stringify(limit)) {
        throw new Error(`Routes sharing the per-client pool "${limit.pool}" must state the same limit`);
      }
      return;
    }
    this.clientPools.set(limit.pool, { limit, buckets: new ClientThrottle(perClientThrottle(limit.throttle, overrides.all, overrides.perClient)) });
  }
}

/** The account named by a JSON body: the e-mail as Identity reads it (trimmed, lower-cased), or the refresh token. */
export function accountField(body: Buffer, field: AccountLimit['field']): string | undefined {
  let parsed: unknown;
  // Stryker disable BlockStatement: equivalent in the catch, as an unparsed body stays undefined, which names none.
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // not JSON: the service refuses it, and it names no account
  }
  // Stryker restore BlockStatement
  // A string, number, array or null has no such field (indexing a primitive gives undefined).
  const value = (parsed as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string') return undefined;
  const normalized = field === 'email' ? value.trim().toLowerCase() : value;
  return normalized === '' ? undefined : normalized;
}
