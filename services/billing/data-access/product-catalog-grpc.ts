/**
 * The ProductCatalog port on Product's internal gRPC API (services/contracts/grpc): one GetPrices call per invoice,
 * whatever its number of lines, over one multiplexed HTTP/2 connection, so there is no pool to queue on.
 * - A deadline per attempt (grpc-timeout, enforced on both sides).
 * - Retries, with decorrelated jitter, only for UNAVAILABLE and DEADLINE_EXCEEDED: GetPrices has no side effects.
 * - A circuit breaker that counts only Product's failures: not a client that went away (CANCELED), not an
 *   answer that some ids are missing, not a request Product refused as malformed (INVALID_ARGUMENT).
 */
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { CircuitState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, wrap } from 'cockatiel';
import { ProductCatalog as ProductCatalogService, type GetPricesResponse } from '../../contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { currentContext } from '../../kit/context';
import type { Logger } from '../../kit/logger';
import type { CatalogProduct } from '../domain/invoice';
import { CatalogUnavailableError, type CatalogAnswer, type ProductCatalog } from '../domain/ports';

export interface ProductCatalogGrpcOptions {
  /** `PRODUCT_GRPC_URL`, e.g. `http://127.0.0.1:3012` (h2c). */
  readonly baseUrl: string;
  /**
   * The wire protocol, both served by Product on the same port: gRPC, or Connect's own (binary, HTTP/2), which
   * does the same call with less work on each side (docs/benchmarks.md). Codes, deadlines and errors are the same.
   * @default 'grpc'
   */
  readonly protocol?: 'grpc' | 'connect';
  readonly logger?: Logger;
  /** Deadline of each attempt, sent to Product as grpc-timeout. @default 2000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt. @default 2 */
  readonly maxRetries?: number;
  /** First backoff delay; later ones grow exponentially with decorrelated jitter. @default 100 */
  readonly initialBackoffMs?: number;
  /** @default 1000 */
  readonly maxBackoffMs?: number;
  /** Consecutive Product failures that open the breaker. @default 5 */
  readonly breakerThreshold?: number;
  /** How long the breaker stays open before it lets one trial call through. @default 10000 */
  readonly breakerHalfOpenAfterMs?: number;
}

export interface ProductCatalogGrpc extends ProductCatalog {
  /** Closes the HTTP/2 connection. */
  close(): Promise<void>;
}

/** Worth another attempt: Product was unreachable or too slow, and the read can be repeated safely. */
const RETRYABLE: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded]);
/** Product failed to answer; anything else is an answer (or our own doing) and leaves the breaker alone. */
const PRODUCT_FAILURES: ReadonlySet<Code> = new Set([...RETRYABLE, Code.Internal, Code.Unknown, Code.DataLoss, Code.ResourceExhausted, Code.Unimplemented]);

const codeOf = (error: Error) => (error instanceof ConnectError ? error.code : undefined);

/** Product answered, but not as the contract says (an id neither found nor missing, a price that is not one). */
class InvalidAnswerError extends Error {
  override readonly name = 'InvalidAnswerError';
}

const PRICE = { min: 0, max: 2 ** 31 - 1 };
const CURRENCY = /^[A-Z]{3}$/;

/** Each id asked for, mapped to its product or to undefined; throws when the answer does not account for it. */
function answerFor(ids: readonly string[], response: GetPricesResponse): CatalogAnswer {
  const found = new Map(response.prices.map((price) => [price.productId.toLowerCase(), price]));
  const missing = new Set(response.missingProductIds.map((id) => id.toLowerCase()));
  return new Map(
    ids.map((id): [string, CatalogProduct | undefined] => {
      const price = found.get(id.toLowerCase());
      if (!price) {
        if (missing.has(id.toLowerCase())) return [id, undefined];
        throw new InvalidAnswerError(`Product's answer says nothing of ${id}`);
      }
      const { productId, sku, name, priceCents, currency, active } = price;
      if (!sku || priceCents < PRICE.min || priceCents > PRICE.max || !CURRENCY.test(currency)) throw new InvalidAnswerError(`Product's price for ${id} is not a price`);
      return [id, { id: productId, sku, name, priceCents, currency, active }];
    }),
  );
}

export function productCatalogGrpc(options: ProductCatalogGrpcOptions): ProductCatalogGrpc {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const halfOpenAfter = options.breakerHalfOpenAfterMs ?? 10_000;
  // Pings find a dead connection between invoices; an idle one is closed and reopened on the next call.
  const sessions = new Http2SessionManager(options.baseUrl, { pingIntervalMs: 30_000, pingTimeoutMs: Math.min(timeoutMs, 15_000), idleConnectionTimeoutMs: 60_000 });
  // No compression: a price list is small and crosses a private network; gzip would only cost CPU on both sides.
  const transportOptions = { baseUrl: options.baseUrl, sessionManager: sessions, readMaxBytes: 1024 * 1024, acceptCompression: [] };
  const transport =
    options.protocol === 'connect' ? createConnectTransport({ ...transportOptions, httpVersion: '2', useBinaryFormat: true }) : createGrpcTransport(transportOptions);
  const client = createClient(ProductCatalogService, transport);

  const retryPolicy = retry(handleWhen((error) => RETRYABLE.has(codeOf(error)!)), {
    maxAttempts: options.maxRetries ?? 2,
    backoff: new ExponentialBackoff({ initialDelay: options.initialBackoffMs ?? 100, maxDelay: options.maxBackoffMs ?? 1_000 }),
  });
  const breaker = circuitBreaker(handleWhen((error) => PRODUCT_FAILURES.has(codeOf(error)!)), {
    halfOpenAfter,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
  });
  breaker.onBreak(() => options.logger?.warn({ halfOpenAfterMs: halfOpenAfter }, 'product client: circuit opened'));
  breaker.onReset(() => options.logger?.info('product client: circuit closed'));
  const policy = wrap(retryPolicy, breaker);

  const headers = (): Record<string, string> => {
    const context = currentContext();
    if (!context) return {};
    return context.traceparent ? { 'x-request-id': context.requestId, traceparent: context.traceparent } : { 'x-request-id': context.requestId };
  };

  return {
    async findProducts(ids, { signal } = {}) {
      const distinct = [...new Set(ids)];
      if (distinct.length === 0) return new Map();
      try {
        const response = await policy.execute(({ signal: attempt }) => client.getPrices({ productIds: distinct }, { timeoutMs, signal: attempt, headers: headers() }), signal);
        return answerFor(distinct, response);
      } catch (error) {
        const code = error instanceof ConnectError ? Code[error.code] : undefined;
        options.logger?.warn({ err: error, rpc: 'platform.product.v1.ProductCatalog/GetPrices', code, ids: distinct.length }, 'product client: catalogue unavailable');
        const open = breaker.state === CircuitState.Open || breaker.state === CircuitState.Isolated;
        throw new CatalogUnavailableError(open ? halfOpenAfter / 1000 : 1, { cause: error });
      }
    },
    close: async () => sessions.abort(),
  };
}
