import { describe, expect, it } from 'vitest';
import { STAGE_THROTTLE } from '../../../services/contracts/routes';
import { ClientThrottle } from '../../../services/gateway/client-throttle';
import { effectiveThrottle, TokenBucket } from '../../../services/gateway/throttle';

const T0 = 1_000_000;

function admitted(bucket: TokenBucket, attempts: number, at: number): number {
  let passed = 0;
  for (let i = 0; i < attempts; i++) if (bucket.tryTake(at)) passed++;
  return passed;
}

describe('when a bucket is new', () => {
  it('then exactly `burst` requests pass at t=0', () => {
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 20 }, T0);
    expect(admitted(bucket, 1000, T0)).toBe(20);
  });
});

describe('when time passes after the burst is spent', () => {
  it.each([
    [10, 20, 1_000],
    [10, 20, 2_500],
    [500, 1000, 1_000],
    [3, 5, 10_000],
    [0.5, 1, 7_000],
  ])('when rate %d/s, burst %d, after %d ms, then rate × t more pass (±1)', (rateLimit, burstLimit, ms) => {
    const bucket = new TokenBucket({ rateLimit, burstLimit }, T0);
    admitted(bucket, burstLimit * 2, T0);
    const passed = admitted(bucket, burstLimit * 10, T0 + ms);
    const expected = Math.min(burstLimit, (rateLimit * ms) / 1000);
    expect(Math.abs(passed - expected)).toBeLessThanOrEqual(1);
  });

  it('then tokens trickling in one by one are admitted one by one', () => {
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 1 }, T0);
    let passed = 0;
    for (let ms = 0; ms <= 10_000; ms += 25) passed += admitted(bucket, 5, T0 + ms);
    expect(passed).toBe(1 + 100);
  });

  it('then an idle bucket refills to its burst and no further', () => {
    const bucket = new TokenBucket({ rateLimit: 100, burstLimit: 5 }, T0);
    admitted(bucket, 5, T0);
    expect(admitted(bucket, 1000, T0 + 3_600_000)).toBe(5);
  });
});

describe('when a request is refused', () => {
  it('then Retry-After is the whole seconds until the next token', () => {
    const bucket = new TokenBucket({ rateLimit: 0.25, burstLimit: 1 }, T0);
    bucket.tryTake(T0);
    expect(bucket.retryAfterSeconds(T0)).toBe(4);
    expect(bucket.retryAfterSeconds(T0 + 1_500)).toBe(3);
  });

  it('then a fast bucket still says at least 1 second', () => {
    const bucket = new TokenBucket({ rateLimit: 1000, burstLimit: 1 }, T0);
    bucket.tryTake(T0);
    expect(bucket.retryAfterSeconds(T0)).toBe(1);
  });

  it('then a closed route (rate and burst 0) admits nothing and says 60 seconds', () => {
    const closed = new TokenBucket({ rateLimit: 0, burstLimit: 0 }, T0);
    expect(admitted(closed, 10, T0 + 60_000)).toBe(0);
    expect(closed.retryAfterSeconds(T0)).toBe(60);
  });

  it('when a route is closed by its rate alone (rate 0), then it spends its burst once, never refills and says 60 seconds', () => {
    const bucket = new TokenBucket({ rateLimit: 0, burstLimit: 3 }, T0);
    expect(admitted(bucket, 10, T0)).toBe(3);
    expect(admitted(bucket, 10, T0 + 3_600_000)).toBe(0);
    expect(bucket.retryAfterSeconds(T0 + 3_600_000)).toBe(60);
  });

  it('when a route is closed by its burst alone (burst 0), then it admits nothing whatever its rate and says 60 seconds', () => {
    const bucket = new TokenBucket({ rateLimit: 100, burstLimit: 0 }, T0);
    expect(admitted(bucket, 10, T0 + 60_000)).toBe(0);
    expect(bucket.retryAfterSeconds(T0 + 60_000)).toBe(60);
  });
});

describe('when the clock steps back', () => {
  it('then the bucket neither drains nor refills', () => {
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 10 }, T0);
    admitted(bucket, 5, T0);
    expect(admitted(bucket, 100, T0 - 10_000)).toBe(5);
  });
});

describe('when the limits of a route are worked out', () => {
  const own = { rateLimit: 10, burstLimit: 20 };

  it('then a route without an override gets the stage default', () => {
    expect(effectiveThrottle(undefined, STAGE_THROTTLE)).toEqual(STAGE_THROTTLE);
  });

  it('then a route with an override keeps its own', () => {
    expect(effectiveThrottle(own, STAGE_THROTTLE)).toEqual(own);
  });

  it('then GATEWAY_RATE_LIMIT and GATEWAY_BURST_LIMIT replace both, each on its own', () => {
    expect(effectiveThrottle(own, STAGE_THROTTLE, { rateLimit: 3, burstLimit: 4 })).toEqual({ rateLimit: 3, burstLimit: 4 });
    expect(effectiveThrottle(undefined, STAGE_THROTTLE, { rateLimit: 3 })).toEqual({ rateLimit: 3, burstLimit: 1000 });
    expect(effectiveThrottle(own, STAGE_THROTTLE, { burstLimit: 4 })).toEqual({ rateLimit: 10, burstLimit: 4 });
  });
});

describe('when clients have their own buckets', () => {
  it('then each client gets its own burst', () => {
    const clients = new ClientThrottle({ rateLimit: 1, burstLimit: 2 });
    const results = ['a', 'a', 'a', 'b', 'b', 'b'].map((client) => clients.take(client, T0));
    expect(results).toEqual([undefined, undefined, 1, undefined, undefined, 1]);
  });

  it('then the number of buckets stays bounded, dropping the least recently seen client', () => {
    const clients = new ClientThrottle({ rateLimit: 1, burstLimit: 1 }, 3);
    for (const client of ['a', 'b', 'c']) clients.take(client, T0);
    clients.take('a', T0); // a is now the most recent; b the least
    clients.take('d', T0);
    expect(clients.size).toBe(3);
    expect(clients.take('a', T0)).toBe(1); // kept, still empty
    expect(clients.take('b', T0)).toBeUndefined(); // dropped, so it starts full again
  });
});

describe('when a failed attempt is charged after the fact', () => {
  it('then the bucket goes below empty by the penalty, and Retry-After counts the debt', () => {
    const bucket = new TokenBucket({ rateLimit: 0.5, burstLimit: 2 }, T0);
    expect(admitted(bucket, 1, T0)).toBe(1);
    bucket.charge(3, 10, T0);
    // 1 - 3 = -2 tokens: 3 tokens to get back to one, at 0.5/s.
    expect(bucket.retryAfterSeconds(T0)).toBe(6);
    expect(admitted(bucket, 5, T0 + 5_900)).toBe(0);
    expect(admitted(bucket, 5, T0 + 6_000)).toBe(1);
  });

  it('then the debt never goes past maxDebt, however much is charged', () => {
    const bucket = new TokenBucket({ rateLimit: 1, burstLimit: 1 }, T0);
    bucket.charge(100, 4, T0);
    expect(bucket.retryAfterSeconds(T0)).toBe(5);
    expect(admitted(bucket, 1, T0 + 4_000)).toBe(0);
    expect(admitted(bucket, 1, T0 + 5_000)).toBe(1);
  });

  it('then the bucket refills, up to its burst, before the charge is taken', () => {
    const bucket = new TokenBucket({ rateLimit: 1, burstLimit: 3 }, T0);
    admitted(bucket, 1, T0);
    // Full again (3) by T0 + 5 s, then charged 2: one left. Charged first, it would refill past the charge.
    bucket.charge(2, 10, T0 + 5_000);
    expect(admitted(bucket, 5, T0 + 5_000)).toBe(1);
  });

  it('then a client bucket is charged by its key alone', () => {
    const clients = new ClientThrottle({ rateLimit: 1, burstLimit: 3 });
    clients.charge('a', 3, 10, T0);
    expect(clients.take('a', T0)).toBe(1);
    expect(clients.take('b', T0)).toBeUndefined();
  });
});

describe('when a token taken turns out not to count and is given back', () => {
  it('then the bucket admits one more, after refilling up to the give-back, and never holds more than its size', () => {
    const bucket = new TokenBucket({ rateLimit: 1, burstLimit: 3 }, T0);
    expect(admitted(bucket, 3, T0)).toBe(3);
    bucket.giveBack(T0);
    expect(admitted(bucket, 5, T0)).toBe(1);
    // Refilled first (full again by T0 + 3 s), so the give-back cannot lift it past its size.
    bucket.giveBack(T0 + 3_000);
    expect(admitted(bucket, 5, T0 + 3_000)).toBe(3);
  });

  it('then a client\'s give-back reaches its own bucket alone, and one for a client with no bucket makes none', () => {
    const clients = new ClientThrottle({ rateLimit: 1, burstLimit: 1 });
    expect(clients.take('a', T0)).toBeUndefined();
    expect(clients.take('b', T0)).toBeUndefined();
    clients.giveBack('a', T0);
    clients.giveBack('nobody', T0);
    expect(clients.take('a', T0)).toBeUndefined();
    expect(clients.take('b', T0)).toBe(1);
    expect(clients.size).toBe(2);
  });
});
