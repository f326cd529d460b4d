/**
 * Token buckets with API Gateway's meaning of the two numbers: `burstLimit` is the bucket size (full at start),
 * `rateLimit` is how many tokens per second flow back in. A request takes one token or is refused with a
 * Retry-After of the time until the next token.
 *
 * Everything here is synchronous: Node runs one request handler at a time, so check-and-take cannot interleave
 * and concurrent callers can never be over-admitted.
 */
import type { Throttle } from '../contracts/routes';

/** Milliseconds; injected so tests control time exactly. */
export type Clock = () => number;

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limits: Throttle,
    now: number,
  ) {
    this.tokens = limits.burstLimit;
    this.last = now;
  }

  /** Takes one token when there is one. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes `tokens` more after the fact (a failed attempt's penalty), even below empty, but never below
   * `-maxDebt`: the debt, and so the time until the bucket admits again, stays bounded.
   */
  charge(tokens: number, maxDebt: number, now: number): void {
    this.refill(now);
    this.tokens = Math.max(-maxDebt, this.tokens - tokens);
  }

  /** Gives back a token taken for something that turned out not to count (never above the bucket's size). */
  giveBack(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + 1);
  }

  /** Whole seconds until one token is back (at least 1, as Retry-After is in seconds). */
  retryAfterSeconds(now: number): number {
    this.refill(now);
    const { rateLimit, burstLimit } = this.limits;
    // A bucket that can never admit (rate or burst 0, as API Gateway allows to close a route) gets a long pause.
    if (rateLimit <= 0 || burstLimit < 1) return 60;
    return Math.max(1, Math.ceil((1 - this.tokens) / rateLimit));
  }

  private refill(now: number): void {
    // A clock that steps back (wall time adjusted) must not drain the bucket.
    // Stryker disable next-line EqualityOperator: >= is equivalent, as equal times give 0 either way.
    const elapsedMs = now > this.last ? now - this.last : 0;
    this.last = now;
    // Stryker disable next-line ConditionalExpression: a shortcut only; adding 0 tokens under the cap changes nothing.
    if (elapsedMs === 0) return;
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + (elapsedMs * this.limits.rateLimit) / 1000);
  }
}

export interface ThrottleOverride {
  readonly rateLimit?: number;
  readonly burstLimit?: number;
}

/**
 * The limits a route runs with: its own override from the table, else the stage default; then the
 * GATEWAY_RATE_LIMIT / GATEWAY_BURST_LIMIT override, each part on its own, replaces both.
 */
/** A per-client limit of the table as the gateway runs it: GATEWAY_RATE_LIMIT / _BURST_LIMIT, then GATEWAY_PER_CLIENT_*. */
export function perClientThrottle(table: Throttle, all: ThrottleOverride = {}, perClient: ThrottleOverride = {}): Throttle {
  const base = effectiveThrottle(table, table, all);
  return effectiveThrottle(base, base, perClient);
}

export function effectiveThrottle(route: Throttle | undefined, stage: Throttle, override: ThrottleOverride = {}): Throttle {
  const base = route ?? stage;
  return {
    rateLimit: override.rateLimit ?? base.rateLimit,
    burstLimit: override.burstLimit ?? base.burstLimit,
  };
}
