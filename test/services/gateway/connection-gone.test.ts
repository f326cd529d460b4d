/**
 * A client that pipelines requests and hangs up while they are being answered: every one of them is over for the
 * gateway, on Node 22 as on Node 24 (Node 22 left the responses queued behind the first open for good, and with them
 * their upstream requests, the client's in-flight places and its share of the body budget).
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, echo, socketFrom, startEchoUpstreams, startTestGateway, startUpstream, type TestServer, type Upstream, type Upstreams } from './support';

let upstreams: Upstreams;
/** Product: holds every `?hold` request unanswered (until the gateway gives it up); the echo otherwise. */
let product: Upstream;
const held: ServerResponse[] = [];
let gateway: TestServer;

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  product = await startUpstream('product', (req, res, seen) => (seen.url.includes('hold') ? held.push(res) : echo('product')(req, res, seen)));
  gateway = await startTestGateway({
    upstreams: { ...upstreams.urls, product: product.url },
    throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 },
    maxInFlightPerClient: 3,
  });
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await gateway?.close();
  await Promise.all([upstreams?.close(), product?.close()]);
});

describe('when a client pipelines requests and closes its connection while the service still answers them', () => {
  it('then each is given up: its upstream request aborted, and its in-flight place free for the client\'s next requests', async () => {
    const socket = await socketFrom(gateway.url, '127.0.2.2');
    socket.on('error', () => {});
    socket.write('GET /products?hold=1 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
    await expect.poll(() => held.length, { timeout: 5_000 }).toBe(3);
    socket.destroy();

    // Upstream: the gateway gave up all three (undici aborted them), not only the one being written.
    await expect.poll(() => held.filter((res) => res.destroyed || res.socket?.destroyed !== false).length, { timeout: 5_000 }).toBe(3);
    // The client's three places are free again: three requests at once are all served.
    const statuses = await Promise.all([1, 2, 3].map(async () => (await call(gateway.url, 'GET', '/products', { from: '127.0.2.2' })).status));
    expect(statuses).toEqual([200, 200, 200]);
  });
});
