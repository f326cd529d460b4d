/**
 * The ProductCatalog port on Product's HTTP API: its resilience, seen through Billing's HTTP API. Real local
 * servers that hang, refuse, fail or answer oddly stand in for Product, and each test counts the requests its
 * server received.
 */
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../services/local/free-port';
import { bearer, loginAs, type TestTokens } from '../../../support/auth';
import {
  FAST_FAILURE,
  sendJson,
  startBillingHarness,
  startLocalServer,
  type BillingHarness,
  type CatalogOptions,
  type LocalServer,
} from '../../../support/billing';

let harness: BillingHarness;
let user: TestTokens;
const servers: LocalServer[] = [];

beforeAll(async () => {
  [harness, user] = await Promise.all([startBillingHarness(), loginAs()]);
  await harness.accounts.openAccount(user.sub);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await harness?.close();
});

const PRODUCT_ID = '5d1e6a3c-8f7b-4a2e-9c10-0000000000aa';
const lines = [{ productId: PRODUCT_ID, quantity: 2 }];
const productAnswer = (id: string) => ({ id, sku: 'FAKE-1', name: 'Fake', priceCents: 500, currency: 'USD', active: true, extra: 'ignored' });
const idFromUrl = (url: string | undefined) => (url ?? '').split('/').pop()!;

async function server(handler: RequestListener): Promise<LocalServer> {
  const started = await startLocalServer(handler);
  servers.push(started);
  return started;
}

const healthy: RequestListener = (req, res) => sendJson(res, 200, productAnswer(idFromUrl(req.url)));

/**
 * Quick retries with a deadline a busy host still meets: where Product answers, a 200 ms deadline could lapse on a
 * stalled process and turn one request into a retry or a 503. Only the test of a hanging Product keeps 200 ms.
 */
const ANSWERING: CatalogOptions = { ...FAST_FAILURE, timeoutMs: 2_000 };

function createInvoice(productUrl: string, options: CatalogOptions = ANSWERING, headers: Record<string, string> = {}) {
  return request(harness.app(productUrl, options)).post('/billing/invoices').set(bearer(user)).set(headers).send({ lines });
}

async function expectUnavailable(res: request.Response, retryAfter = '1') {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['retry-after']).toBe(retryAfter);
  expect(res.body.detail).toMatch(/no invoice was created/);
}

describe('productCatalogHttp', () => {
  it('when Product answers, then the invoice is priced from its answer and the request id travels along', async () => {
    const product = await server(healthy);
    const res = await createInvoice(product.url, ANSWERING, { 'x-request-id': 'trace-billing-42' });
    expect(res.status).toBe(201);
    expect(res.body.lines[0]).toMatchObject({ productId: PRODUCT_ID, sku: 'FAKE-1', unitPriceCents: 500, amountCents: 1000 });
    expect(product.requests).toHaveLength(1);
    expect(product.requests[0]!.url).toBe(`/products/${PRODUCT_ID}`);
    expect(product.requests[0]!.headers['x-request-id']).toBe('trace-billing-42');
  });

  it('when the caller sends no request id, then Product gets the one Billing answers with', async () => {
    const product = await server(healthy);
    const res = await createInvoice(product.url);
    expect(product.requests[0]!.headers['x-request-id']).toBe(res.headers['x-request-id']);
  });

  it('when Product hangs, then each attempt times out, it retries twice, and answers 503 with Retry-After', async () => {
    const before = await harness.invoiceCount();
    const product = await server(() => {});
    // A second per attempt: each must reach the stand-in before its deadline to be counted, on a stalled host too.
    await expectUnavailable(await createInvoice(product.url, { ...FAST_FAILURE, timeoutMs: 1_000 }));
    expect(product.requests).toHaveLength(3);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when nothing listens at PRODUCT_SERVICE_URL, then it answers 503 with Retry-After and creates nothing', async () => {
    const before = await harness.invoiceCount();
    await expectUnavailable(await createInvoice(`http://127.0.0.1:${await freePort()}`));
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when Product keeps answering 500, then it tries three times in all and answers 503', async () => {
    const before = await harness.invoiceCount();
    const product = await server((_req, res) => sendJson(res, 500, { title: 'boom' }));
    await expectUnavailable(await createInvoice(product.url));
    expect(product.requests).toHaveLength(3);
    expect(await harness.invoiceCount()).toBe(before);
  });

  it('when Product fails once and then answers, then the retry saves the request', async () => {
    let calls = 0;
    const product = await server((req, res) => (++calls === 1 ? sendJson(res, 503, {}) : healthy(req, res)));
    const res = await createInvoice(product.url);
    expect(res.status).toBe(201);
    expect(product.requests).toHaveLength(2);
  });

  it('when lookups fail through their retries, then each counts once, and once the breaker has opened the next request fails fast without reaching Product', async () => {
    const product = await server((_req, res) => sendJson(res, 500, {}));
    const app = harness.app(product.url, { ...ANSWERING, breakerThreshold: 2, breakerHalfOpenAfterMs: 60_000 });
    const send = () => request(app).post('/billing/invoices').set(bearer(user)).send({ lines });
    // One lookup and its two retries are one failure; the second lookup's opens the breaker, so already its answer
    // tells the client how long it stays open.
    await expectUnavailable(await send(), '1');
    expect(product.requests).toHaveLength(3);
    await expectUnavailable(await send(), '60');
    expect(product.requests).toHaveLength(6);
    await expectUnavailable(await send(), '60');
    expect(product.requests).toHaveLength(6);
  });

  it('when the breaker is half open and Product is back, then a trial call closes it again', async () => {
    let failing = true;
    const product = await server((req, res) => (failing ? sendJson(res, 500, {}) : healthy(req, res)));
    const app = harness.app(product.url, { ...ANSWERING, maxRetries: 0, breakerThreshold: 1, breakerHalfOpenAfterMs: 50 });
    const send = () => request(app).post('/billing/invoices').set(bearer(user)).send({ lines });
    await expectUnavailable(await send());
    failing = false;
    await expect.poll(async () => (await send()).status, { timeout: 5_000, interval: 25 }).toBe(201);
  });

  it('when Product answers 404, then the product is unknown: 422 after one request, no retry', async () => {
    const product = await server((_req, res) => sendJson(res, 404, { title: 'Not Found' }));
    const res = await createInvoice(product.url);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('urn:problem-type:platform:unknown-product');
    expect(product.requests).toHaveLength(1);
  });

  it.each<[string, RequestListener]>([
    ['a body that is not a product', (_req, res) => sendJson(res, 200, { id: 'x', priceCents: -5 })],
    ['a body that is not JSON', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>')],
    ['an unexpected 400', (_req, res) => sendJson(res, 400, {})],
    ['another product than the one asked for', (_req, res) => sendJson(res, 200, productAnswer('5d1e6a3c-8f7b-4a2e-9c10-0000000000bb'))],
    ['a currency that is not ISO 4217', (req, res) => sendJson(res, 200, { ...productAnswer(idFromUrl(req.url)), currency: 'XYZ' })],
  ])('when Product answers %s, then it answers 500 after one request, without retrying: a bug on one side, not Product down', async (_what, handler) => {
    const product = await server(handler);
    const res = await createInvoice(product.url);
    expect([res.status, res.body.type]).toEqual([500, 'urn:problem-type:platform:internal']);
    expect(product.requests).toHaveLength(1);
  });
});
