/**
 * The ProductCatalog port on Product's internal gRPC API (services/contracts/grpc): at most one GetPrices call per
 * invoice, whatever its number of lines, shared with the invoices asked for at the same moment
 * (product-catalog-batches.ts), over one multiplexed HTTP/2 connection, so there is no pool to queue on.
 * - A deadline per attempt (grpc-timeout, enforced on both sides).
 * - Retries, with decorrelated jitter, only for UNAVAILABLE and DEADLINE_EXCEEDED: GetPrices has no side effects.
 * - A circuit breaker that counts only Product's failures: not a client that went away (CANCELED), not an
 *   answer that some ids are missing, not a request Product refused as malformed (INVALID_ARGUMENT).
 */
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { CircuitState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, isBrokenCircuitError, isIsolatedCircuitError, isTaskCancelledError, retry, wrap } from 'cockatiel';
import { ProductCatalog as ProductCatalogService, type GetPricesResponse } from '../../contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { GET_PRICES_MAX_IDS } from '../../contracts/grpc/limits';
import { isCurrencyCode } from '../../contracts/currencies';
import type { Logger } from '../../kit/logger';
import type { CatalogProduct } from '../domain/invoice';
import { CatalogContractError, CatalogUnavailableError, type CatalogAnswer, type ProductCatalog } from '../domain/ports';
import { batchedLookups, type Batch } from './product-catalog-batches';
import { inSmallerCalls, refusedAsTooLarge } from './product-catalog-older';

export interface ProductCatalogGrpcOptions {
  /** `PRODUCT_GRPC_URL`, e.g. `http://127.0.0.1:3012` (h2c). */
  readonly baseUrl: string;
  /**
   * The wire protocol, both served by Product on the same port: gRPC, or Connect's own (binary, HTTP/2). Codes,
   * deadlines and errors are the same; the invoice bench measures both side by side (docs/benchmarks.md), and in its
   * runs so far neither has been clearly cheaper than the other.
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
  /**
   * Under load (lookups less than five windows apart), how long the lookups of concurrent invoices
   * gather into the next call; with light traffic a lookup waits for nothing (product-catalog-batches.ts). 0 gathers
   * only the lookups of one turn of the event loop. @default 2
   */
  readonly batchWindowMs?: number;
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

/**
 * Billing's own doing rather than Product failing: a request Product refused as malformed, or an error that is no
 * call's outcome (a bug here, an answer we cannot read). Those are 500s, which the deployment alarm counts; Product
 * failing is a 503, which it does not (services/contracts/server-faults.ts).
 */
const isOurFault = (error: unknown): boolean =>
  error instanceof ConnectError
    ? error.code === Code.InvalidArgument
    : !isBrokenCircuitError(error) && !isIsolatedCircuitError(error) && !isTaskCancelledError(error);

/**
 * A CANCELED that Billing did not cause (its signal was not aborted) is Product ending the call: a RST_STREAM
 * CANCEL (Product's own answer to a stream stuck too long), or its connection torn down with GOAWAY. Product failed
 * to answer, so it is UNAVAILABLE: retried, and counted by the breaker, which ignored it as a caller leaving.
 */
function endedByProduct(error: unknown, ours: AbortSignal | undefined): unknown {
  if (!(error instanceof ConnectError) || error.code !== Code.Canceled || ours?.aborted) return error;
  return new ConnectError(`Product ended the call: ${error.rawMessage}`, Code.Unavailable, undefined, undefined, error);
}

/** `batchWindowMs` when the options leave it out; the bench's in-process baseline shares lookups with it too. */
export const DEFAULT_BATCH_WINDOW_MS = 2;

const PRICE = { min: 0, max: 2 ** 31 - 1 };
const RPC = 'platform.product.v1.ProductCatalog/GetPrices';

/** One shared call's answer, by lower-case id: the product, a price that is not one, or missing. */
interface PriceBook {
  readonly found: ReadonlyMap<string, CatalogProduct | CatalogContractError>;
  readonly missing: ReadonlySet<string>;
}

/**
 * The answer to the ids asked, by lower-case id. It must name each of them exactly once, priced or missing, and
 * nothing else: an answer that does not (an id nobody asked for, one priced twice, or priced and missing) cannot be
 * trusted for any id in it, so it fails every caller. A price that is not one fails only the callers of its id.
 */
function priceBookOf(asked: readonly string[], response: GetPricesResponse): PriceBook {
  const pending = new Set(asked.map((id) => id.toLowerCase()));
  const account = (id: string) => {
    if (!pending.delete(id.toLowerCase())) throw new CatalogContractError(`Product's answer names ${id}, which was not asked for or is named twice`);
    return id.toLowerCase();
  };
  const found = new Map<string, CatalogProduct | CatalogContractError>();
  for (const { productId, sku, name, priceCents, currency, active } of response.prices) {
    const valid = sku && priceCents >= PRICE.min && priceCents <= PRICE.max && isCurrencyCode(currency);
    found.set(account(productId), valid ? { id: productId, sku, name, priceCents, currency, active } : new CatalogContractError(`Product's price for ${productId} is not a price`));
  }
  return { found, missing: new Set(response.missingProductIds.map(account)) };
}

/** Each id one caller asked for, mapped to its product or to undefined; throws when the answer does not account for it. */
function answerFor(ids: readonly string[], book: PriceBook): CatalogAnswer {
  return new Map(
    ids.map((id): [string, CatalogProduct | undefined] => {
      const price = book.found.get(id.toLowerCase());
      if (price instanceof CatalogContractError) throw price;
      if (price) return [id, price];
      if (book.missing.has(id.toLowerCase())) return [id, undefined];
      throw new CatalogContractError(`Product's answer says nothing of ${id}`);
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
  // The breaker outside the retries: one lookup that fails through all its attempts is one failure, not three.
  const policy = wrap(breaker, retryPolicy);
  const unavailable = (cause: unknown) => {
    const open = breaker.state === CircuitState.Open || breaker.state === CircuitState.Isolated;
    return new CatalogUnavailableError(open ? halfOpenAfter / 1000 : 1, { cause });
  };

  /** One GetPrices call for a batch, under the first caller's request id (the log names every caller's). */
  const getPrices = async (batch: Batch): Promise<PriceBook> => {
    const first = batch.contexts[0];
    const headers: Record<string, string> = first ? { 'x-request-id': first.requestId, ...(first.traceparent ? { traceparent: first.traceparent } : {}) } : {};
    const ask = (ids: readonly string[]) =>
      policy.execute(({ signal }) => {
        // cockatiel counts a half-open trial that ends in an error it does not handle, a cancellation included, as
        // Product being back. So the trial's attempts (those made while the breaker is not closed) ignore their
        // callers leaving: Product's answer or the deadline decides. Calls queued behind the trial are still cancelled.
        const trial = breaker.state !== CircuitState.Closed;
        const ours = trial ? undefined : signal;
        return client.getPrices({ productIds: ids as string[] }, { timeoutMs, signal: ours, headers }).catch((error: unknown) => {
          throw endedByProduct(error, ours);
        });
      }, batch.signal);
    try {
      const response = await ask(batch.ids).catch((error: unknown) => {
        if (!refusedAsTooLarge(error, batch.ids.length)) throw error;
        options.logger?.info({ rpc: RPC, ids: batch.ids.length }, 'product client: Product takes fewer ids in a call (an older release); asking again in smaller calls');
        return inSmallerCalls(batch.ids, ask);
      });
      // Product's line names the first request id; at debug, this line ties the others to it.
      if (batch.contexts.length > 1 && options.logger?.isLevelEnabled('debug')) {
        options.logger.debug({ rpc: RPC, ids: batch.ids.length, requestIds: batch.contexts.map((context) => context.requestId) }, 'product client: shared call');
      }
      return priceBookOf(batch.ids, response);
    } catch (error) {
      if (isOurFault(error)) throw error;
      // Nobody left waiting means every caller cancelled, and each of them was answered already.
      if (batch.waiting() > 0) {
        const code = error instanceof ConnectError ? Code[error.code] : undefined;
        const requestIds = batch.contexts.map((context) => context.requestId);
        options.logger?.warn({ err: error, rpc: RPC, code, ids: batch.ids.length, callers: batch.waiting(), requestIds }, 'product client: catalogue unavailable');
      }
      throw unavailable(error);
    }
  };
  const lookups = batchedLookups({ maxIds: GET_PRICES_MAX_IDS, windowMs: options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS, run: getPrices });

  return {
    async findProducts(ids, { signal } = {}) {
      const distinct = [...new Set(ids)];
      if (distinct.length === 0) return new Map();
      let book: PriceBook;
      try {
        book = await lookups.load(distinct, signal);
      } catch (error) {
        if (error instanceof CatalogUnavailableError || !signal?.aborted) throw error;
        // This caller went away: its answer is read by nobody, and the breaker never saw it.
        options.logger?.info({ rpc: RPC, code: 'Canceled' }, 'product client: lookup cancelled, the caller went away');
        throw new CatalogUnavailableError(1, { cause: error });
      }
      // An answer that breaks the contract is a bug on one side or the other: a 500, not Product being down.
      return answerFor(distinct, book);
    },
    close: async () => sessions.abort(),
  };
}
