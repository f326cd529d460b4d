/**
 * Where a pool's password comes from, asked for each new connection: the port, with an adapter per place. In AWS
 * it is an IAM token (password-source-iam.ts: short-lived, nothing to rotate); offline a file an operator or a
 * rotation job rewrites (password-source-file.ts); with neither, the URL's or PGPASSWORD's fixed password.
 *
 * Credentials change under a running service: when the server refuses one (28P01), the pool calls refresh() and
 * connects again (pool.ts), so the next password() fetches the new one instead of a cached one.
 */
export interface PasswordSource {
  /** For logs: where the password comes from, never the password. */
  readonly description: string;
  /** The password for a new connection; may be cached until refresh(). */
  password(): Promise<string>;
  /** The server refused the last one: forget any cached value. */
  refresh(): void;
}

/** Caches what `fetch` gives for `ttlMs` (or until refresh), and shares one fetch among concurrent callers. */
export function cachedPasswordSource(description: string, fetch: () => Promise<string>, ttlMs: number): PasswordSource {
  let cached: { value: Promise<string>; until: number } | undefined;
  return {
    description,
    password: () => {
      if (!cached || Date.now() >= cached.until) {
        const value = fetch();
        cached = { value, until: Date.now() + ttlMs };
        value.catch(() => (cached = undefined)); // a failed fetch is tried again by the next connection
      }
      return cached.value;
    },
    refresh: () => {
      cached = undefined;
    },
  };
}
