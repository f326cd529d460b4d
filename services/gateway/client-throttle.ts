/**
 * Per-client buckets of one pool of the route table (services/contracts/routes.ts), like Kong's rate limiting by
 * consumer or IP: keyed on who calls (the token's `sub`, the source address, an account), one bucket per client
 * across all the routes that name the pool, in addition to (not instead of) each route's own bucket.
 *
 * Memory is bounded: past `maxClients`, the least recently seen client's bucket is dropped. A dropped client
 * starts again with a full bucket; with the default size that takes 100k distinct recent clients.
 */
import type { Throttle } from '../contracts/routes';
import { TokenBucket } from './throttle';

export class ClientThrottle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: Throttle,
    private readonly maxClients = 100_000,
  ) {}

  /** `undefined` when admitted, else the Retry-After in seconds. */
  take(client: string, now: number): number | undefined {
    const bucket = this.bucketFor(client, now);
    return bucket.tryTake(now) ? undefined : bucket.retryAfterSeconds(now);
  }

  /** A failed attempt's penalty (TokenBucket.charge) on the client's bucket. */
  charge(client: string, tokens: number, maxDebt: number, now: number): void {
    this.bucketFor(client, now).charge(tokens, maxDebt, now);
  }

  /** TokenBucket.giveBack on the client's bucket; nothing when it has none (dropped, so already full again). */
  giveBack(client: string, now: number): void {
    this.buckets.get(client)?.giveBack(now);
  }

  get size(): number {
    return this.buckets.size;
  }

  private bucketFor(client: string, now: number): TokenBucket {
    let bucket = this.buckets.get(client);
    if (bucket) {
      // Re-inserting keeps the Map in least-recently-used order, so the first key is the one to evict.
      this.buckets.delete(client);
    } else {
      bucket = new TokenBucket(this.limits, now);
      this.evictIfFull();
    }
    this.buckets.set(client, bucket);
    return bucket;
  }

  private evictIfFull(): void {
    if (this.buckets.size < this.maxClients) return;
    const oldest = this.buckets.keys().next();
    // Stryker disable next-line ConditionalExpression: the map is empty here only when maxClients <= 0, and deleting
    // undefined from it does nothing; the check is there for the types.
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
