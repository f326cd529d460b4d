/**
 * Billing against a Product that ends its calls itself, on real ports: a node:http2 server standing in for Product
 * resets each stream (RST_STREAM CANCEL, as Product's own stuck-stream limits do) or tears its connection down
 * (GOAWAY). connect-es reads both as CANCELED, the code of a caller that went away, so the breaker ignored them and
 * every invoice waited for Product to fail again. They are Product failing to answer: 503s that open the breaker.
 */
import { randomUUID } from 'node:crypto';
import { constants, createServer, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, loginAs, type TestTokens } from '../../../support/auth';
import { startBillingHarness, type BillingHarness } from '../../../support/billing';

let billing: BillingHarness;
let user: TestTokens;
const closers: Array<() => void> = [];

beforeAll(async () => {
  [billing, user] = await Promise.all([startBillingHarness(), loginAs()]);
  await billing.accounts.openAccount(user.sub);
});
afterAll(async () => {
  closers.forEach((close) => close());
  await billing?.close();
});

/** A stand-in Product that reads each call's request, then ends it as `end` says; it counts the calls. */
async function endingProduct(end: (res: Http2ServerResponse) => void): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    calls += 1;
    req.resume().once('end', () => end(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls };
}

const createInvoice = (app: Parameters<typeof request>[0]) =>
  request(app).post('/billing/invoices').set(bearer(user)).send({ lines: [{ productId: randomUUID(), quantity: 1 }] });

describe('productCatalogGrpc, when Product ends its calls', () => {
  const reset = (res: Http2ServerResponse) => res.stream.close(constants.NGHTTP2_CANCEL);
  const teardown = (res: Http2ServerResponse) => res.stream.session?.destroy();
  it.each([
    ['resets each stream (RST_STREAM CANCEL)', 'grpc', reset],
    ['tears its connection down (GOAWAY)', 'grpc', teardown],
    ['resets each stream (RST_STREAM CANCEL)', 'connect', reset],
    ['tears its connection down (GOAWAY)', 'connect', teardown],
  ] as const)('when it %s, over %s, then each attempt is retried, Billing answers 503, and the breaker opens', async (_, protocol, end) => {
    const product = await endingProduct(end);
    const { app } = billing.grpcApp(product.url, { protocol, initialBackoffMs: 5, maxBackoffMs: 20, maxRetries: 1, breakerThreshold: 2, breakerHalfOpenAfterMs: 60_000 });
    const first = await createInvoice(app);
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('1');
    expect(product.calls()).toBe(2); // retried once, as UNAVAILABLE is
    // The second failed lookup opens the breaker: the third invoice fails fast without reaching Product.
    expect((await createInvoice(app)).headers['retry-after']).toBe('60');
    const third = await createInvoice(app);
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('60');
    expect(product.calls()).toBe(4);
  });
});
