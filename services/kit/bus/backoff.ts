/** Capped exponential backoff, and a sleep that a stop can cut short. */

/** In whatever unit the caller uses (milliseconds for sleeps, seconds for visibility timeouts). */
export interface Backoff {
  readonly base: number;
  readonly max: number;
}

/** `attempt` counts from 1: base, 2·base, 4·base, … never above max. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(backoff.max, backoff.base * 2 ** exponent);
}

/**
 * Between half the delay and all of it: consumers that failed together (one SQS outage) do not all come back in the
 * same instant, and none comes back sooner than half the backoff.
 */
export function jittered(delay: number): number {
  return delay / 2 + Math.random() * (delay / 2);
}

/** Resolves after `ms`, or at once when the signal aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
