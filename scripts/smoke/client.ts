/**
 * The smoke journey's clients: openapi-fetch over the types generated from the services' OpenAPI documents
 * (scripts/smoke/api/, `npx tsx scripts/openapi-types.ts`), so every path, parameter, body and answer the journey
 * uses is checked against the documents at compile time. A document that drifts from its service then breaks
 * the smoke run: the types no longer compile, or a call answers what the journey did not expect.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths as BillingPaths } from './api/billing';
import type { paths as IdentityPaths } from './api/identity';
import type { paths as ProductPaths } from './api/product';

export interface PlatformClient {
  readonly identity: Client<IdentityPaths>;
  readonly product: Client<ProductPaths>;
  readonly billing: Client<BillingPaths>;
}

export interface PlatformClientOptions {
  /** How long one call may take. @default 35 s */
  readonly timeoutMs?: number;
  /** Sends each request. @default fetch */
  readonly fetch?: (request: Request, init: RequestInit) => Promise<Response>;
}

/** One client per service document, all against the same base URL (the gateway or the deployed API). */
export function platformClient(baseUrl: string, { timeoutMs = 35_000, fetch: send = fetch }: PlatformClientOptions = {}): PlatformClient {
  const options = { baseUrl, fetch: (request: Request) => send(request, { signal: AbortSignal.timeout(timeoutMs) }) };
  return { identity: createClient<IdentityPaths>(options), product: createClient<ProductPaths>(options), billing: createClient<BillingPaths>(options) };
}

/** `Authorization: Bearer …` for an openapi-fetch call. */
export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

interface Answer<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

/** The body of an answer with the expected status; otherwise an error naming the call, the status and the problem. */
export async function expectStatus<T>(expected: number, answer: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await answer;
  if (response.status !== expected) {
    const { pathname, search } = new URL(response.url || 'http://unknown');
    throw new Error(`${pathname}${search} answered ${response.status}, expected ${expected}: ${JSON.stringify(error ?? data)}`);
  }
  return data as T;
}

/** Polls until `check` returns a value (events are delivered asynchronously), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not seen within ${timeoutMs / 1000} s${last ? ` (last error: ${String(last)})` : ''}`);
}
