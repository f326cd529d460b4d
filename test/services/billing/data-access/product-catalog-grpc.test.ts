/**
 * The ProductCatalog port on Product's internal gRPC API, on real ports: the real Product (its gRPC server over
 * its own database) for lookups and deadlines, and stand-in gRPC servers that fail on purpose for the retry and
 * breaker paths. Seen through Billing's HTTP API where the answer matters, through the adapter where only the
 * breaker's state does.
 */
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductCatalog as ProductCatalogService } from '../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { GET_PRICES_MAX_IDS } from '../../../../services/contracts/grpc/limits';
import { CatalogUnavailableError } from '../../../../services/billing/domain/ports';
import { MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from '../../../../services/contracts/product-fields';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';
import { freePort } from '../../../../services/local/free-port';
import type { Product } from '../../../../services/product/domain/product';
import { bearer, loginAs, type TestTokens } from '../../../support/auth';
import { startBillingHarness, startLocalServer, type BillingHarness, type GrpcCatalogOptions } from '../../../support/billing';
import { startProductGrpcWatchingLookups, startProductHarness, type ProductHarness } from '../../../support/product';
import { testLogger } from '../../../support/silent-logger';
import { captureLogs } from '../../../support/bus/logs';
import { eventually } from '../../../support/within';

let billing: BillingHarness;
let product: ProductHarness;
let user: TestTokens;
let products: Product[];
/** The real Product's gRPC server, counting the lookups that reach its repository. */
let real: RunningGrpcServer;
let lookups: string[][] = [];
const servers: RunningGrpcServer[] = [];

/**
 * The production policies with short backoffs, and a deadline far above any answer here (production's is 2 s), so
 * that a loaded or stalled host does not make a healthy Product look slow; the tests that need Product too slow set
 * their own deadline.
 */
const FAST: GrpcCatalogOptions = { timeoutMs: 10_000, initialBackoffMs: 5, maxBackoffMs: 20 };

beforeAll(async () => {
  [billing, product, user] = await Promise.all([startBillingHarness(), startProductHarness(), loginAs()]);
  await billing.accounts.openAccount(user.sub);
  products = await Promise.all(
    [500, 1250, 99].map((priceCents, i) => product.unitOfWork.products.insert({ sku: `G-${i}-${randomUUID()}`, name: `Thing ${i}`, priceCents })),
  );
  real = await startProductGrpcWatchingLookups(product, (ids) => lookups.push(ids));
});
afterAll(async () => {
  await Promise.all([real, ...servers].map((server) => server?.close()));
  await billing?.close();
  await product?.close();
});

/** A stand-in Product on a real port whose GetPrices does what `getPrices` says (the call's context at hand). */
async function standIn(
  getPrices: (ids: string[], context: HandlerContext) => Promise<{ prices?: object[]; missingProductIds?: string[] }>,
): Promise<RunningGrpcServer & { calls: number }> {
  const state = { calls: 0 };
  const routes = (router: ConnectRouter) =>
    router.service(ProductCatalogService, {
      getPrices: async (req, context) => {
        state.calls += 1;
        return getPrices(req.productIds, context);
      },
    });
  const server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, routes });
  servers.push(server);
  return Object.defineProperty(server, 'calls', { get: () => state.calls }) as RunningGrpcServer & { calls: number };
}
/** A stand-in's price for any id. */
const price = (id: string) => ({ productId: id, sku: 'S-1', name: 'Stand-in', priceCents: 700, currency: 'USD', active: true });
const failing = (code: Code) => standIn(() => Promise.reject(new ConnectError('on purpose', code)));

const linesOf = (...items: Array<{ id: string }>) => items.map((item, i) => ({ productId: item.id, quantity: i + 1 }));
const createInvoice = (app: Parameters<typeof request>[0], lines: object[]) => request(app).post('/billing/invoices').set(bearer(user)).send({ lines });

async function expectUnavailable(res: request.Response, retryAfter = '1') {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['retry-after']).toBe(retryAfter);
  expect(res.body.detail).toMatch(/no invoice was created/);
}

/** The ConnectError behind a CatalogUnavailableError. */
async function failureOf(lookup: Promise<unknown>): Promise<ConnectError> {
  const error = await lookup.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CatalogUnavailableError);
  return ConnectError.from((error as Error).cause);
}

describe('productCatalogGrpc against the real Product', () => {
  it('when an invoice has three lines, then Billing makes one lookup for all three and prices each line', async () => {
    lookups = [];
    const { app } = billing.grpcApp(real.url, FAST);
    const res = await createInvoice(app, linesOf(...products));
    expect(res.status).toBe(201);
    expect(res.body.lines.map((l: { unitPriceCents: number; amountCents: number }) => [l.unitPriceCents, l.amountCents])).toEqual([[500, 500], [1250, 2500], [99, 297]]);
    expect(res.body.totalCents).toBe(500 + 2500 + 297);
    expect(lookups).toEqual([products.map((p) => p.id)]);
  });

  it('when a product\'s sku and name are as long as Product accepts, then Billing takes its price and the line keeps them whole', async () => {
    const longest = await product.unitOfWork.products.insert({ sku: `L-${randomUUID()}`.padEnd(MAX_SKU_LENGTH, 'x'), name: 'N'.repeat(MAX_PRODUCT_NAME_LENGTH), priceCents: 42 });
    const res = await createInvoice(billing.grpcApp(real.url, FAST).app, linesOf(longest));
    expect(res.status).toBe(201);
    expect(res.body.lines[0]).toMatchObject({ sku: longest.sku, name: longest.name, unitPriceCents: 42 });
  });

  it('when the batch has found and missing ids, then the adapter answers each and an invoice with an unknown one is a 422 after one call', async () => {
    const unknown = randomUUID();
    const { app, catalog } = billing.grpcApp(real.url, FAST);
    const answer = await catalog.findProducts([products[0]!.id, unknown]);
    expect(answer.get(products[0]!.id)).toMatchObject({ id: products[0]!.id, sku: products[0]!.sku, priceCents: 500, currency: 'USD', active: true });
    expect(answer.has(unknown) && answer.get(unknown) === undefined).toBe(true);
    lookups = [];
    const res = await createInvoice(app, linesOf(products[0]!, { id: unknown }));
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('urn:problem-type:platform:unknown-product');
    expect(res.body.detail).toContain(unknown);
    expect(lookups).toHaveLength(1);
  });

  it('when Product is slower than the deadline, then each attempt ends DEADLINE_EXCEEDED and Billing answers 503 with Retry-After', async () => {
    // Product's own query waits on a lock held here: Product is slow, not a stand-in.
    const holder = await product.database.pool.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
    try {
      lookups = [];
      const before = await billing.invoiceCount();
      // Each attempt must reach Product's query before its deadline to be counted below: 2.5 s, so that setting up
      // the connection on a busy or stalled host does not use it up.
      const { catalog } = billing.grpcApp(real.url, { ...FAST, timeoutMs: 2_500 });
      expect((await failureOf(catalog.findProducts([products[0]!.id]))).code).toBe(Code.DeadlineExceeded);
      expect(lookups).toHaveLength(3); // the first attempt and two retries
      // Another Billing (its own breaker, which those three failures did not open).
      await expectUnavailable(await createInvoice(billing.grpcApp(real.url, { ...FAST, timeoutMs: 150 }).app, linesOf(products[0]!)));
      expect(await billing.invoiceCount()).toBe(before);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it('when nothing listens at PRODUCT_GRPC_URL, then it answers 503 with Retry-After and creates nothing', async () => {
    const before = await billing.invoiceCount();
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    expect((await failureOf(billing.grpcApp(nowhere, FAST).catalog.findProducts([products[0]!.id]))).code).toBe(Code.Unavailable);
    await expectUnavailable(await createInvoice(billing.grpcApp(nowhere, FAST).app, linesOf(products[0]!)));
    expect(await billing.invoiceCount()).toBe(before);
  });
});

describe('productCatalogGrpc in the Connect protocol (PRODUCT_CATALOG_PROTOCOL=connect)', () => {
  const CONNECT: GrpcCatalogOptions = { ...FAST, protocol: 'connect' };

  it('when an invoice has three lines, then one lookup prices them and an unknown product is a 422', async () => {
    lookups = [];
    const { app } = billing.grpcApp(real.url, CONNECT);
    expect((await createInvoice(app, linesOf(...products))).status).toBe(201);
    expect(lookups).toEqual([products.map((p) => p.id)]);
    expect((await createInvoice(app, linesOf(products[0]!, { id: randomUUID() }))).status).toBe(422);
  });

  it('when Product is slower than the deadline, then the lookup ends DEADLINE_EXCEEDED and Billing answers 503', async () => {
    const holder = await product.database.pool.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
    try {
      const { catalog } = billing.grpcApp(real.url, { ...CONNECT, timeoutMs: 150, maxRetries: 0 });
      expect((await failureOf(catalog.findProducts([products[0]!.id]))).code).toBe(Code.DeadlineExceeded);
      await expectUnavailable(await createInvoice(billing.grpcApp(real.url, { ...CONNECT, timeoutMs: 150, maxRetries: 0 }).app, linesOf(products[0]!)));
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });
});

describe('productCatalogGrpc retries and circuit breaker', () => {
  it('when Product is UNAVAILABLE once and then answers, then the retry saves the request', async () => {
    let calls = 0;
    const server = await standIn(async (ids) => {
      if (++calls === 1) throw new ConnectError('starting', Code.Unavailable);
      return { prices: ids.map(price) };
    });
    const { app } = billing.grpcApp(server.url, FAST);
    expect((await createInvoice(app, linesOf(products[0]!))).status).toBe(201);
    expect(server.calls).toBe(2);
  });

  it.each([
    ['INTERNAL', Code.Internal],
    ['NOT_FOUND', Code.NotFound],
  ])('when Product answers %s, then it is not retried and Billing answers 503', async (_name, code) => {
    const server = await failing(code);
    const { app } = billing.grpcApp(server.url, FAST);
    await expectUnavailable(await createInvoice(app, linesOf(products[0]!)));
    expect(server.calls).toBe(1);
  });

  /** Billing's own fault (a bug on its side, or on both), which its deployment alarm counts: a 500, not a 503. */
  async function expectOurFault(res: request.Response) {
    expect(res.status).toBe(500);
    expect(res.body.type).toBe('urn:problem-type:platform:internal');
  }

  it('when Product refuses the request as malformed (INVALID_ARGUMENT), then it is not retried and Billing answers 500: the mistake is Billing\'s', async () => {
    const server = await failing(Code.InvalidArgument);
    const { app } = billing.grpcApp(server.url, FAST);
    await expectOurFault(await createInvoice(app, linesOf(products[0]!)));
    expect(server.calls).toBe(1);
  });

  it('when Product\'s answer says nothing of an id (against the contract), then Billing answers 500 without retrying', async () => {
    const server = await standIn(async () => ({ prices: [], missingProductIds: [] }));
    const { app } = billing.grpcApp(server.url, FAST);
    await expectOurFault(await createInvoice(app, linesOf(products[0]!)));
    expect(server.calls).toBe(1);
  });

  it.each<[string, (ids: string[]) => { prices?: object[]; missingProductIds?: string[] }]>([
    ['also prices an id nobody asked for', (ids) => ({ prices: [...ids, randomUUID()].map(price) })],
    ['prices an id twice, at two prices', (ids) => ({ prices: [...ids.map(price), { ...price(ids[0]!), priceCents: 1 }] })],
    ['both prices an id and lists it as missing', (ids) => ({ prices: ids.map(price), missingProductIds: ids })],
    ['prices in a currency that is not ISO 4217', (ids) => ({ prices: ids.map((id) => ({ ...price(id), currency: 'XYZ' })) })],
    ['names a sku longer than Product accepts', (ids) => ({ prices: ids.map((id) => ({ ...price(id), sku: 'S'.repeat(MAX_SKU_LENGTH + 1) })) })],
    ['names a product name longer than Product accepts', (ids) => ({ prices: ids.map((id) => ({ ...price(id), name: 'N'.repeat(MAX_PRODUCT_NAME_LENGTH + 1) })) })],
  ])('when Product\'s answer %s (against the contract), then Billing answers 500 without retrying and creates no invoice', async (_what, answer) => {
    const server = await standIn(async (ids) => answer(ids));
    const { app } = billing.grpcApp(server.url, FAST);
    const invoices = async () => (await billing.database.pool.query('SELECT count(*)::int AS n FROM invoices WHERE user_id = $1', [user.sub])).rows[0].n;
    const before = await invoices();
    await expectOurFault(await createInvoice(app, linesOf(products[0]!, products[1]!)));
    expect(server.calls).toBe(1);
    expect(await invoices()).toBe(before);
  });

  it('when Product keeps failing, then the breaker opens and the next invoice fails fast without reaching Product', async () => {
    const server = await failing(Code.Internal);
    const { app } = billing.grpcApp(server.url, { ...FAST, breakerThreshold: 3, breakerHalfOpenAfterMs: 60_000 });
    for (let i = 0; i < 2; i += 1) await expectUnavailable(await createInvoice(app, linesOf(products[0]!)));
    // The third failure opens the breaker, so already its answer tells the client how long it stays open.
    await expectUnavailable(await createInvoice(app, linesOf(products[0]!)), '60');
    expect(server.calls).toBe(3);
    await expectUnavailable(await createInvoice(app, linesOf(products[0]!)), '60');
    expect(server.calls).toBe(3);
  });

  it('when one lookup fails through all its retries, then the breaker counts it once: with a threshold of 2, the second such lookup opens it', async () => {
    const server = await failing(Code.Unavailable);
    const { app } = billing.grpcApp(server.url, { ...FAST, maxRetries: 2, breakerThreshold: 2, breakerHalfOpenAfterMs: 60_000 });
    await expectUnavailable(await createInvoice(app, linesOf(products[0]!)), '1');
    expect(server.calls).toBe(3);
    await expectUnavailable(await createInvoice(app, linesOf(products[0]!)), '60');
    expect(server.calls).toBe(6);
  });

  it('when the breaker is half open and Product is back, then a trial call closes it again', async () => {
    let healthy = false;
    const server = await standIn(async (ids) => {
      if (!healthy) throw new ConnectError('down', Code.Unavailable);
      return { prices: ids.map(price) };
    });
    const { app } = billing.grpcApp(server.url, { ...FAST, maxRetries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 50 });
    await expectUnavailable(await createInvoice(app, linesOf(products[0]!)));
    healthy = true;
    await expect.poll(async () => (await createInvoice(app, linesOf(products[0]!))).status, { timeout: 5_000, interval: 25 }).toBe(201);
  });

  it('when the half-open trial\'s caller goes away while Product is still down, then the breaker opens again instead of closing', async () => {
    const server = await standIn(
      (_ids, context) => new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new ConnectError('gone', Code.Canceled)))),
    );
    // Product hangs: every call ends at Billing's deadline (DEADLINE_EXCEEDED, a Product failure). The breaker
    // stays open 1 s, so the lookup below has that long after it opens again: after a fixed pause, a stalled host
    // could have let it half-open once more, and the lookup would have been the next trial.
    const { logger, lines } = captureLogs();
    const opened = () => lines.filter((line) => line.msg === 'product client: circuit opened').length;
    const { catalog } = billing.grpcApp(server.url, { ...FAST, logger, timeoutMs: 300, maxRetries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 1_000 });
    expect((await failureOf(catalog.findProducts([randomUUID()]))).code).toBe(Code.DeadlineExceeded);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    // The trial: its only caller leaves long before the deadline, once the call has reached Product. A caller that
    // leaves before its lookup is sent sends nothing (batchedLookups), which a fixed 20 ms could not rule out on a
    // loaded host: the trial then never reached Product.
    const leaving = new AbortController();
    const trial = failureOf(catalog.findProducts([randomUUID()], { signal: leaving.signal }));
    await eventually('the trial reaching Product', () => server.calls === 2);
    leaving.abort();
    expect((await trial).code).toBe(Code.Canceled);
    // The trial reaches its deadline; a breaker that took the caller's leaving for Product being back never opens.
    await eventually('the breaker opening again at the trial\'s deadline', () => opened() === 2, 5_000);
    // Open again: the next lookup fails fast, without reaching Product.
    const error = await catalog.findProducts([randomUUID()]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogUnavailableError);
    expect(server.calls).toBe(2);
  });

  it('when lookups arrive during the half-open trial and their callers leave, then they do not reach Product once the trial closes the breaker', async () => {
    // The trial is slow, and succeeds: 1.5 s, far longer than the 170 ms of pauses below that send the leavers, so
    // a stalled host cannot send them after the trial has closed the breaker (they would then reach Product).
    const server = await standIn(async (ids) => {
      if (server.calls === 1) throw new ConnectError('down', Code.Unavailable);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return { prices: [], missingProductIds: ids };
    });
    const { catalog } = billing.grpcApp(server.url, { ...FAST, timeoutMs: 5_000, maxRetries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 200 });
    await catalog.findProducts([randomUUID()]).catch(() => undefined); // opens the breaker
    await new Promise((resolve) => setTimeout(resolve, 250));
    const trial = catalog.findProducts([randomUUID()]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const leavers: Array<Promise<unknown>> = [];
    for (let i = 0; i < 5; i += 1) {
      leavers.push(catalog.findProducts([randomUUID()], { signal: AbortSignal.timeout(20) }).catch(() => 'left'));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await trial;
    await Promise.all(leavers);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.calls).toBe(2); // the failure that opened it, and the trial
  });

  it('when a flood of invoices names unknown products, then every one answers 422 and the breaker stays closed', async () => {
    const { app, catalog } = billing.grpcApp(real.url, { ...FAST, breakerThreshold: 1, breakerHalfOpenAfterMs: 60_000 });
    const flood = await Promise.all(Array.from({ length: 30 }, () => createInvoice(app, linesOf(products[0]!, { id: randomUUID() }))));
    expect(flood.map((res) => res.status)).toEqual(Array(30).fill(422));
    expect((await catalog.findProducts([products[1]!.id])).get(products[1]!.id)?.priceCents).toBe(1250);
    expect((await createInvoice(app, linesOf(products[1]!))).status).toBe(201);
  });

  it('when a lookup is refused as malformed (more ids than a call takes) or cancelled by its caller, then the breaker does not count it', async () => {
    const { catalog } = billing.grpcApp(real.url, { ...FAST, breakerThreshold: 1, breakerHalfOpenAfterMs: 60_000 });
    const tooMany = Array.from({ length: GET_PRICES_MAX_IDS + 1 }, () => randomUUID());
    const refused = await catalog.findProducts(tooMany).then(() => undefined, (e: unknown) => e);
    expect(ConnectError.from(refused).code).toBe(Code.InvalidArgument);
    const holder = await product.database.pool.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
    try {
      const cancelled = catalog.findProducts([products[0]!.id], { signal: AbortSignal.timeout(50) });
      expect((await failureOf(cancelled)).code).toBe(Code.Canceled);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    // With a threshold of one, a counted failure would have opened the breaker: this lookup would fail fast.
    expect((await catalog.findProducts([products[0]!.id])).get(products[0]!.id)?.priceCents).toBe(500);
  });
});

describe('productCatalogGrpc and a client that goes away', () => {
  it('when the HTTP client disconnects while Product is slow, then the lookup is cancelled, not held against Product', async () => {
    // Product, as a stand-in, holds its first call until Billing cancels it, and says so; later calls answer.
    let held = true;
    let cancelled = false;
    const product = await standIn(async (ids, context) => {
      if (held) {
        held = false;
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
        cancelled = true;
      }
      return { prices: ids.map(price) };
    });
    // Threshold 1, no retries: a lookup counted against Product would open the breaker. The deadline is far away:
    // only the client's leaving can end the first call in time for the check below.
    const { app } = billing.grpcApp(product.url, { ...FAST, timeoutMs: 30_000, maxRetries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 60_000 });
    const server = await startLocalServer(app as RequestListener);
    try {
      const send = (signal?: AbortSignal) =>
        fetch(`${server.url}/billing/invoices`, { method: 'POST', headers: { ...bearer(user), 'content-type': 'application/json' }, body: JSON.stringify({ lines: linesOf(products[0]!) }), ...(signal ? { signal } : {}) });
      // The client leaves once Product holds the call: leaving earlier (a slow host) would end the request before
      // Billing asks Product anything, and there would be no call to cancel.
      const client = new AbortController();
      const leaving = send(client.signal);
      await eventually('Product receiving the lookup', () => !held);
      client.abort();
      await expect(leaving).rejects.toThrow();
      await eventually('Product seeing the lookup cancelled', () => cancelled);
      expect((await send()).status).toBe(201);
    } finally {
      await server.close();
    }
  });
});

describe('productCatalogGrpc and the request id', () => {
  it('when Billing serves a request, then Product gets its request id', async () => {
    let seen: string | null = null;
    const routes = (router: ConnectRouter) =>
      router.service(ProductCatalogService, {
        getPrices: (req, context) => {
          seen = context.requestHeader.get('x-request-id');
          return { prices: req.productIds.map((id) => ({ productId: id, sku: 'S', name: 'n', priceCents: 1, currency: 'USD', active: true })) };
        },
      });
    const server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, routes });
    servers.push(server);
    const { app } = billing.grpcApp(server.url, FAST);
    const res = await request(app).post('/billing/invoices').set(bearer(user)).set('x-request-id', 'trace-grpc-7').send({ lines: linesOf(products[0]!) });
    expect(res.status).toBe(201);
    expect(seen).toBe('trace-grpc-7');
  });
});

