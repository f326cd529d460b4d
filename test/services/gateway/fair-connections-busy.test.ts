/**
 * Which of its connections an address loses at the total cap: one that is idle or has not finished its headers
 * before one whose request its service is still answering. The oldest was cut whatever it did, so a newcomer (or one
 * address connecting again and again while the gateway was full of another's traffic) cut requests in flight.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnswer } from '../kit/http/raw-http';
import { call, echo, watchedConnection, startEchoUpstreams, startTestGateway, startUpstream, type TestServer, type Upstream, type Upstreams } from './support';

const HEAVY = '127.0.13.1';
const TOTAL = 4;

let upstreams: Upstreams;
let product: Upstream;
let gateway: TestServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  // A slow answer: its request is in flight while the newcomer connects.
  product = await startUpstream('product', (req, res, seen) => void setTimeout(() => echo('product')(req, res, seen), seen.url.includes('slow') ? 500 : 0));
  gateway = await startTestGateway({
    upstreams: { ...upstreams.urls, product: product.url },
    maxConnections: TOTAL,
    maxConnectionsPerClient: TOTAL,
    throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 },
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await gateway?.close();
  await Promise.all([upstreams?.close(), product?.close()]);
});

const connection = () => watchedConnection(gateway.url, HEAVY, sockets);

describe('when the address holding the most at the total cap has a request in flight on its oldest connection', () => {
  it('then a newcomer takes one of its idle connections, and the request in flight is answered', async () => {
    const busy = await connection();
    const answer = readAnswer(busy.socket).then((got) => got.status, () => 'cut');
    busy.socket.write('GET /products?slow HTTP/1.1\r\nHost: x\r\n\r\n');
    const idle = [await connection(), await connection(), await connection()];
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect((await call(gateway.url, 'GET', '/products', { from: '127.0.13.2' })).status).toBe(200);
    expect(await answer).toBe(200);
    expect(busy.closed()).toBe(false);
    expect(idle.filter((c) => c.closed())).toHaveLength(1);
    expect(idle[0]!.closed()).toBe(true);
  });
});
