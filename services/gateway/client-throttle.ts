/**
 * Optional per-client buckets, like an API Gateway usage plan's per-key throttle but keyed on who calls: the
 * token's `sub` when the route is authenticated, else the client IP. One bucket per client across all routes,
 * checked after (not instead of) the route's own bucket.
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
