/**
 * Shared price lookups on real ports: concurrent invoices' ids go to the real Product in one GetPrices call, each
 * invoice still sees only its own products, and a caller that leaves neither cancels nor poisons the others'
 * call. Product is made slow, where a test needs it, by a lock on its table, not by a stand-in.
 */
import { randomUUID } from 'node:crypto';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductCatalog as ProductCatalogService } from '../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { MAX_LINES } from '../../../../services/billing/domain/invoice';
import { CatalogUnavailableError, type CatalogAnswer } from '../../../../services/billing/domain/ports';
import { GET_PRICES_FLOOR, GET_PRICES_MAX_IDS } from '../../../../services/contracts/grpc/limits';
import { runWithContext } from '../../../../services/kit/context';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';
import type { Product } from '../../../../services/product/domain/product';
import { bearer, loginAs, type TestTokens } from '../../../support/auth';
import { startBillingHarness, type BillingHarness, type GrpcCatalogOptions } from '../../../support/billing';
import { startProductGrpcWatchingLookups, startProductHarness, type ProductHarness } from '../../../support/product';
import { testLogger } from '../../../support/silent-logger';

let billing: BillingHarness;
let product: ProductHarness;
let user: TestTokens;
let products: Product[];
let real: RunningGrpcServer;
/** The ids of each lookup that reached Product's repository: one entry per GetPrices call. */
let lookups: string[][] = [];
const servers: RunningGrpcServer[] = [];
/**
 * Short backoffs, and a deadline far above any answer here, as in product-catalog-grpc.test.ts: with production's
 * 2 s, a loaded host could make the healthy Product look slow and a test answer 503. The tests that need a deadline
 * to pass set their own.
 */
const FAST: GrpcCatalogOptions = { timeoutMs: 10_000, initialBackoffMs: 5, maxBackoffMs: 20 };

beforeAll(async () => {
  [billing, product, user] = await Promise.all([startBillingHarness(), startProductHarness(), loginAs()]);
  await billing.accounts.openAccount(user.sub);
  products = await Promise.all([300, 410, 520, 630].map((priceCents, i) => product.unitOfWork.products.insert({ sku: `B-${i}-${randomUUID()}`, name: `Shared ${i}`, priceCents })));
  real = await startProductGrpcWatchingLookups(product, (ids) => lookups.push(ids));
});
afterAll(async () => {
  await Promise.all([real, ...servers].map((server) => server?.close()));
  await billing?.close();
  await product?.close();
});

/** Runs `work` while Product's price query waits on a lock held here, then lets it go. */
async function whileProductIsSlow<T>(work: () => Promise<T>): Promise<T> {
  const holder = await product.database.pool.connect();
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
  try {
    return await work();
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
}

const settle = <T>(lookup: Promise<T>) => lookup.then((value) => ({ value }), (error: unknown) => ({ error }));
const priceOf = (answer: CatalogAnswer, item: { id: string }) => answer.get(item.id)?.priceCents;
const codeOf = (error: unknown) => {
  expect(error).toBeInstanceOf(CatalogUnavailableError);
  return ConnectError.from((error as Error).cause).code;
};

describe('shared price lookups against the real Product', () => {
  it('when invoices are created at the same moment, then fewer GetPrices calls than invoices reach Product and each invoice has only its own lines', async () => {
    const { app } = billing.grpcApp(real.url, { ...FAST, batchWindowMs: 200 });
    // Each invoice a different pair of products, in a different order.
    const pairs = Array.from({ length: 12 }, (_, i) => [products[i % 4]!, products[(i + 1 + (i % 3)) % 4]!]);
    lookups = [];
    const created = await Promise.all(pairs.map((pair) => request(app).post('/billing/invoices').set(bearer(user)).send({ lines: pair.map((p) => ({ productId: p.id, quantity: 2 })) })));
    expect(created.map((res) => res.status)).toEqual(Array(12).fill(201));
    created.forEach((res, i) => {
      expect(res.body.lines.map((line: { productId: string; unitPriceCents: number }) => [line.productId, line.unitPriceCents])).toEqual(pairs[i]!.map((p) => [p.id, p.priceCents]));
      expect(res.body.totalCents).toBe(2 * (pairs[i]![0]!.priceCents + pairs[i]![1]!.priceCents));
    });
    expect(lookups.length).toBeLessThan(12);
    for (const ids of lookups) expect(new Set(ids).size).toBe(ids.length); // an id shared by invoices is asked once
  });

  it('when one invoice in a shared call names an unknown product, then only that invoice answers 422', async () => {
    const unknown = randomUUID();
    const { app, catalog } = billing.grpcApp(real.url, { ...FAST, batchWindowMs: 200 });
    lookups = [];
    const [a, b, c] = await Promise.all([catalog.findProducts([products[0]!.id, products[1]!.id]), catalog.findProducts([products[1]!.id, unknown]), catalog.findProducts([products[2]!.id])]);
    expect(lookups).toHaveLength(1);
    expect([...a.keys()]).toEqual([products[0]!.id, products[1]!.id]);
    expect([...b.keys()]).toEqual([products[1]!.id, unknown]);
    expect(b.get(unknown)).toBeUndefined();
    expect([...c.keys()]).toEqual([products[2]!.id]);
    expect(priceOf(c, products[2]!)).toBe(520);

    const send = (ids: string[]) => request(app).post('/billing/invoices').set(bearer(user)).send({ lines: ids.map((productId) => ({ productId, quantity: 1 })) });
    const answers = await Promise.all([send([products[0]!.id]), send([products[0]!.id, unknown]), send([products[3]!.id])]);
    expect(answers.map((res) => res.status)).toEqual([201, 422, 201]);
    expect(answers[1]!.body.type).toBe('urn:problem-type:platform:unknown-product');
    expect(answers[1]!.body.detail).toContain(unknown);
  });

  it('when one caller of a shared call goes away, then the others still get their answer from that call', async () => {
    const { catalog } = billing.grpcApp(real.url, { ...FAST, timeoutMs: 5_000 });
    lookups = [];
    const leaving = new AbortController();
    const outcomes = await whileProductIsSlow(async () => {
      const all = [catalog.findProducts([products[0]!.id], { signal: leaving.signal }), catalog.findProducts([products[1]!.id]), catalog.findProducts([products[0]!.id, products[2]!.id])].map(settle);
      await new Promise((resolve) => setTimeout(resolve, 100));
      leaving.abort();
      const first = await all[0]!; // answered at once, while Product still waits on the lock
      return { first, rest: all.slice(1) };
    });
    expect(codeOf((outcomes.first as { error: unknown }).error)).toBe(Code.Canceled);
    const [second, third] = await Promise.all(outcomes.rest);
    expect(priceOf((second as { value: CatalogAnswer }).value, products[1]!)).toBe(410);
    expect([...(third as { value: CatalogAnswer }).value.values()].map((p) => p?.priceCents)).toEqual([300, 520]);
    expect(lookups).toHaveLength(1);
  });

  it('when every caller of a shared call goes away, then the call is cancelled and the breaker does not count it', async () => {
    // Threshold 1, no retries: had the shared call run on to its deadline, that one failure would open the breaker.
    // A deadline well after both callers give up (50 and 80 ms), so a stalled host cannot reorder them.
    const { catalog } = billing.grpcApp(real.url, { ...FAST, timeoutMs: 2_000, maxRetries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 60_000 });
    await whileProductIsSlow(async () => {
      const signals = [AbortSignal.timeout(50), AbortSignal.timeout(80)];
      const outcomes = await Promise.all(signals.map((signal, i) => settle(catalog.findProducts([products[i]!.id], { signal }))));
      expect(outcomes.map((outcome) => codeOf((outcome as { error: unknown }).error))).toEqual([Code.Canceled, Code.Canceled]);
      await new Promise((resolve) => setTimeout(resolve, 2_200)); // past the deadline the shared call would have had
    });
    expect(priceOf(await catalog.findProducts([products[3]!.id]), products[3]!)).toBe(630);
  });

  it('when lookups are far apart, then a lookup leaves at the end of its turn without waiting for the window', async () => {
    const { catalog } = billing.grpcApp(real.url, { ...FAST, batchWindowMs: 30_000 });
    const started = performance.now();
    expect(priceOf(await catalog.findProducts([products[0]!.id]), products[0]!)).toBe(300);
    expect(performance.now() - started).toBeLessThan(20_000); // the window never started
  });

  it('when lookups come less than the window apart, then those of later turns gather for the window and share a call', async () => {
    // A window long enough that a stall between the lookups below still leaves them inside it.
    const { catalog } = billing.grpcApp(real.url, { ...FAST, timeoutMs: 5_000, batchWindowMs: 2_000 });
    lookups = [];
    const first = catalog.findProducts([products[0]!.id]);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first call left at once: no lookup before it
    const second = catalog.findProducts([products[1]!.id]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // another turn of the event loop, within the window
    const third = catalog.findProducts([products[2]!.id]);
    expect((await Promise.all([first, second, third])).map((answer) => [...answer.values()][0]?.priceCents)).toEqual([300, 410, 520]);
    expect(lookups.map((ids) => ids.length)).toEqual([1, 2]);
  });

  it('when concurrent callers ask for more ids together than one call takes, then the shared calls split so that none asks for more', async () => {
    const { catalog } = billing.grpcApp(real.url, FAST);
    const each = (GET_PRICES_MAX_IDS * 2) / 5; // two callers fit in a call, a third does not
    const asks = Array.from({ length: 3 }, () => [products[0]!.id, ...Array.from({ length: each - 1 }, () => randomUUID())]);
    lookups = [];
    const answers = await Promise.all(asks.map((ids) => catalog.findProducts(ids)));
    answers.forEach((answer, i) => {
      expect([...answer.keys()]).toEqual(asks[i]);
      expect(priceOf(answer, products[0]!)).toBe(300);
      expect([...answer.values()].filter((p) => p === undefined)).toHaveLength(each - 1);
    });
    expect(lookups.map((ids) => ids.length).sort((x, y) => x - y)).toEqual([each, 2 * each - 1]); // the first two callers share products[0]
  });

  it('when invoices of the most lines ask at the same moment, then they share one call instead of each paying a whole one', async () => {
    const { catalog } = billing.grpcApp(real.url, FAST);
    const invoices = Array.from({ length: 2 }, (_, i) => [products[i]!.id, ...Array.from({ length: MAX_LINES - 1 }, () => randomUUID())]);
    lookups = [];
    const answers = await Promise.all(invoices.map((ids) => catalog.findProducts(ids)));
    expect(answers.map((answer, i) => priceOf(answer, products[i]!))).toEqual([300, 410]);
    expect(answers.map((answer) => answer.size)).toEqual([MAX_LINES, MAX_LINES]);
    expect(lookups.map((ids) => ids.length)).toEqual([2 * MAX_LINES]);
  });

  it('when a caller asks for more ids than one call takes, then it goes alone and is refused, and the callers beside it are answered', async () => {
    const { catalog } = billing.grpcApp(real.url, FAST);
    const [small, tooMany] = await Promise.all([catalog.findProducts([products[1]!.id]), settle(catalog.findProducts(Array.from({ length: GET_PRICES_MAX_IDS + 1 }, () => randomUUID())))]);
    expect(priceOf(small, products[1]!)).toBe(410);
    // Billing's own mistake (an invoice has at most MAX_LINES lines), not Product failing: the error itself, a 500.
    const { error } = tooMany as { error: unknown };
    expect(error).not.toBeInstanceOf(CatalogUnavailableError);
    expect(ConnectError.from(error).code).toBe(Code.InvalidArgument);
  });
});

describe('shared price lookups against a failing Product', () => {
  it('when the shared call fails, then every caller answers unavailable and the breaker counts that call once', async () => {
    let calls = 0;
    const routes = (router: ConnectRouter) =>
      router.service(ProductCatalogService, {
        getPrices: () => {
          calls += 1;
          throw new ConnectError('on purpose', Code.Internal);
        },
      });
    const server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, routes });
    servers.push(server);
    const { catalog } = billing.grpcApp(server.url, { ...FAST, breakerThreshold: 2, breakerHalfOpenAfterMs: 60_000 });
    const outcomes = await Promise.all(products.map((p) => settle(catalog.findProducts([p.id]))));
    expect(outcomes.map((outcome) => codeOf((outcome as { error: unknown }).error))).toEqual(Array(4).fill(Code.Internal));
    expect(calls).toBe(1);
    // One failure counted of the two that open it: the next lookup still reaches Product.
    await settle(catalog.findProducts([products[0]!.id]));
    expect(calls).toBe(2);
  });

  it('when Product is of an older release that takes 100 ids in a call, then a shared call it refuses is asked again in calls it takes, and every caller is priced', async () => {
    const asked: number[] = [];
    const routes = (router: ConnectRouter) =>
      router.service(ProductCatalogService, {
        getPrices: (req) => {
          asked.push(req.productIds.length);
          if (req.productIds.length > GET_PRICES_FLOOR) throw new ConnectError(`At most ${GET_PRICES_FLOOR} distinct product ids per lookup`, Code.InvalidArgument);
          return { prices: req.productIds.map((id) => ({ productId: id, sku: 'S', name: 'n', priceCents: 7, currency: 'USD', active: true })) };
        },
      });
    const server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, routes });
    servers.push(server);
    const { catalog } = billing.grpcApp(server.url, { ...FAST, breakerThreshold: 1, breakerHalfOpenAfterMs: 60_000 });
    const invoices = Array.from({ length: 3 }, () => Array.from({ length: MAX_LINES }, () => randomUUID()));
    const answers = await Promise.all(invoices.map((ids) => catalog.findProducts(ids)));
    answers.forEach((answer, i) => expect([...answer.entries()].map(([id, p]) => [id, p?.priceCents])).toEqual(invoices[i]!.map((id) => [id, 7])));
    expect(asked).toEqual([3 * MAX_LINES, GET_PRICES_FLOOR, GET_PRICES_FLOOR, GET_PRICES_FLOOR]);
    // A refusal is no failure of Product's: the breaker (one failure opens it) is still closed.
    expect((await catalog.findProducts([randomUUID()])).size).toBe(1);
  });

  it('when callers with different request ids share a call, then Product gets the first one\'s', async () => {
    const seen: Array<string | null> = [];
    const routes = (router: ConnectRouter) =>
      router.service(ProductCatalogService, {
        getPrices: (req, context) => {
          seen.push(context.requestHeader.get('x-request-id'));
          return { prices: req.productIds.map((id) => ({ productId: id, sku: 'S', name: 'n', priceCents: 1, currency: 'USD', active: true })) };
        },
      });
    const server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, routes });
    servers.push(server);
    const { catalog } = billing.grpcApp(server.url, FAST);
    await Promise.all(['req-shared-1', 'req-shared-2'].map((requestId, i) => runWithContext({ requestId }, () => catalog.findProducts([products[i]!.id]))));
    expect(seen).toEqual(['req-shared-1']);
  });
});
