/**
 * The ProductCatalog port on Product's public REST API (the fallback; PRODUCT_CATALOG_PROTOCOL=http), behind cockatiel's policies: a timeout per attempt, a circuit breaker
 * that fails fast while Product is known to be down, and jittered exponential retries around both. Only
 * transient failures (timeouts, connection errors, 5xx) are retried or counted by the breaker; a 404 is an
 * answer (the product is unknown), not a failure.
 */
import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { currentContext } from '../../kit/context';
import type { Logger } from '../../kit/logger';
import type { CatalogProduct } from '../domain/invoice';
import { CatalogUnavailableError, type ProductCatalog } from '../domain/ports';

export interface ProductCatalogHttpOptions {
  /** `PRODUCT_SERVICE_URL`, e.g. `http://127.0.0.1:3002`. */
  readonly baseUrl: string;
  readonly logger?: Logger;
  /** Per attempt, connecting and reading the whole answer. @default 2000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt. @default 2 */
  readonly maxRetries?: number;
  /** First backoff delay; later ones grow exponentially with decorrelated jitter. @default 100 */
  readonly initialBackoffMs?: number;
  /** @default 1000 */
  readonly maxBackoffMs?: number;
  /** Consecutive transient failures that open the breaker. @default 5 */
  readonly breakerThreshold?: number;
  /** How long the breaker stays open before it lets one trial call through. @default 10000 */
  readonly breakerHalfOpenAfterMs?: number;
}

export interface ProductCatalogHttp extends ProductCatalog {
  /** Closes the keep-alive connections. */
  close(): Promise<void>;
}

/** Fields billing needs; Product may answer more, which is ignored. */
const productAnswer = z.object({
  id: z.uuid(),
  sku: z.string().min(1),
  name: z.string(),
  priceCents: z.number().int().min(0).max(2 ** 31 - 1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  active: z.boolean(),
});

/** Product answered, but not in a way a retry would change (a 4xx other than 404, a body that is not a product). */
class PermanentProductError extends Error {
  override readonly name = 'PermanentProductError';
}

class ProductServerError extends Error {
  override readonly name = 'ProductServerError';
  constructor(readonly status: number) {
    super(`Product answered ${status}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isTransient = (error: Error) => !(error instanceof PermanentProductError) && !isBrokenCircuitError(error);

export function productCatalogHttp(options: ProductCatalogHttpOptions): ProductCatalogHttp {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const halfOpenAfter = options.breakerHalfOpenAfterMs ?? 10_000;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const agent = new Agent({ connections: 32, keepAliveTimeout: 10_000, connect: { timeout: timeoutMs }, maxResponseSize: 64 * 1024 });

  const retryPolicy = retry(handleWhen(isTransient), {
    maxAttempts: options.maxRetries ?? 2,
    backoff: new ExponentialBackoff({ initialDelay: options.initialBackoffMs ?? 100, maxDelay: options.maxBackoffMs ?? 1_000 }),
  });
  const breaker = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
  });
  breaker.onBreak(() => options.logger?.warn({ halfOpenAfterMs: halfOpenAfter }, 'product client: circuit opened'));
  breaker.onReset(() => options.logger?.info('product client: circuit closed'));
  // Aggressive: the caller gets its answer at the deadline; the aborted signal cancels the request itself.
  // The breaker outside the retries: one lookup that fails through all its attempts is one failure, not three.
  const policy = wrap(breaker, retryPolicy, timeout(timeoutMs, TimeoutStrategy.Aggressive));

  async function fetchOnce(id: string, signal: AbortSignal): Promise<CatalogProduct | undefined> {
    const context = currentContext();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (context) headers['x-request-id'] = context.requestId;
    if (context?.traceparent) headers.traceparent = context.traceparent;
    const answer = await request(`${baseUrl}/products/${encodeURIComponent(id)}`, { dispatcher: agent, signal, headers });
    if (answer.statusCode === 404) {
      await answer.body.dump();
      return undefined;
    }
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      if (answer.statusCode >= 500) throw new ProductServerError(answer.statusCode);
      throw new PermanentProductError(`Product answered ${answer.statusCode} for ${id}`);
    }
    const text = await answer.body.text();
    const parsed = productAnswer.safeParse(parseJson(text));
    if (!parsed.success) throw new PermanentProductError(`Product's answer for ${id} is not a product`);
    return parsed.data;
  }

  async function findProduct(id: string): Promise<CatalogProduct | undefined> {
    try {
      return await policy.execute(({ signal }) => fetchOnce(id, signal));
    } catch (error) {
      // Product refused the request or answered what is not a product: a bug on one side, a 500, not Product down.
      if (error instanceof PermanentProductError) throw error;
      options.logger?.warn({ err: error, productId: id }, 'product client: catalogue unavailable');
      const open = breaker.state === CircuitState.Open || breaker.state === CircuitState.Isolated;
      throw new CatalogUnavailableError(open ? halfOpenAfter / 1000 : 1, { cause: error });
    }
  }

  return {
    // REST has no batch read: one request per id, in parallel over the agent's connections. A caller's abort
    // signal is not followed: the breaker here cannot tell an aborted request from a timed-out one.
    async findProducts(ids) {
      const distinct = [...new Set(ids)];
      const products = await Promise.all(distinct.map((id) => findProduct(id)));
      return new Map(distinct.map((id, i) => [id, products[i]]));
    },
    close: () => agent.close(),
  };
}
