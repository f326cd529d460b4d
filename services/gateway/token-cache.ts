/**
 * Verified tokens, remembered until they expire, so a hot client pays for one signature check, not one per
 * request (FACTS: 42–50 µs cold, 0.1 µs on a hit). An entry is never served at or past the token's `exp`.
 *
 * Bounded: past `maxEntries` the oldest entry goes (first in, first out). Not LRU on purpose: moving an entry on
 * every hit cost 1% of the gateway's CPU in a profile, while an evicted hot token only costs one more check.
 * Only verified tokens are stored, so garbage tokens cannot make the cache grow or push good ones out.
 */
import type { Clock } from './throttle';

export interface CachedPrincipal {
  readonly sub: string;
  readonly scopes: readonly string[];
  /** Seconds since the epoch. */
  readonly exp: number;
}

export class TokenCache<P extends CachedPrincipal> {
  private readonly entries = new Map<string, P>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: Clock,
  ) {}

  get(token: string): P | undefined {
    const principal = this.entries.get(token);
    if (!principal) return undefined;
    if (this.isLive(principal)) return principal;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, principal: P): void {
    if (this.maxEntries <= 0 || !this.isLive(principal)) return;
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, principal);
  }

  get size(): number {
    return this.entries.size;
  }

  /** `exp` is the first second at which the token is no longer valid (RFC 7519 §4.1.4). */
  private isLive(principal: P): boolean {
    return this.now() < principal.exp * 1000;
  }
}
