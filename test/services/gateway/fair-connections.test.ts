/**
 * A few clients must not hold every connection of the gateway. Four loopback addresses, each within its own cap,
 * fill the total cap with connections that cost them nothing: idle keep-alive ones, ones whose headers never
 * finish, and ones that stop reading large answers. Clients from other addresses must still be served, and the
 * four must not take back what they lose while the gateway is full.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnswer } from '../kit/http/raw-http';
import { call, echo, sendBytes, socketFrom, startEchoUpstreams, startTestGateway, startUpstream, type TestServer, type Upstream, type Upstreams } from './support';

const PER_CLIENT = 10;
const ATTACKERS = ['127.0.7.1', '127.0.7.2', '127.0.7.3', '127.0.7.4'];
const TOTAL = PER_CLIENT * ATTACKERS.length;
/** More than the loopback's socket buffers hold, so a client that does not read leaves the answer waiting. */
const BIG = 8 * 1024 * 1024;

let upstreams: Upstreams;
let product: Upstream;
let gateway: TestServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  product = await startUpstream('product', (req, res, seen) => (seen.url.includes('size=big') ? sendBytes(res, BIG) : echo('product')(req, res, seen)));
  gateway = await startTestGateway({
    upstreams: { ...upstreams.urls, product: product.url },
    maxConnections: TOTAL,
    maxConnectionsPerClient: PER_CLIENT,
    throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 },
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await gateway?.close();
  await Promise.all([upstreams?.close(), product?.close()]);
});

/** A connection from `address` that records whether it was closed and how many bytes it got. */
async function held(address: string) {
  const socket = await socketFrom(gateway.url, address);
  sockets.push(socket);
  const state = { closed: false, received: 0 };
  socket.on('error', () => {});
  socket.once('close', () => (state.closed = true));
  return { socket, state };
}

/** Ten connections from `address`: four idle after one answer, three whose headers never end, three not reading. */
async function hold(address: string) {
  const connections = await Promise.all(Array.from({ length: PER_CLIENT }, () => held(address)));
  await Promise.all(
    connections.map(async ({ socket }, i) => {
      if (i < 4) {
        const answer = readAnswer(socket);
        socket.write('GET /products HTTP/1.1\r\nHost: x\r\n\r\n');
        expect((await answer).status).toBe(200);
      } else if (i < 7) {
        socket.write('GET /prod');
      } else {
        socket.pause();
        socket.write('GET /products?size=big HTTP/1.1\r\nHost: x\r\n\r\n');
      }
    }),
  );
  return connections;
}

describe('when four addresses hold every connection of the total cap', () => {
  it('then clients from other addresses are served, each taking a connection from the address holding the most, and the four cannot take it back', async () => {
    const flood = (await Promise.all(ATTACKERS.map(hold))).flat();
    // The stalled readers' answers reach the gateway's sockets and wait there.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(flood.filter((c) => c.state.closed)).toHaveLength(0);

    const newcomers = Array.from({ length: 8 }, (_, i) => `127.0.8.${i + 1}`);
    for (const from of newcomers) expect((await call(gateway.url, 'GET', '/products', { from })).status).toBe(200);
    await expect.poll(() => flood.filter((c) => c.state.closed).length).toBe(newcomers.length);
    // Two from each: the addresses holding the most lose first, so no one is left holding more than another.
    const left = ATTACKERS.map((address, a) => flood.slice(a * PER_CLIENT, (a + 1) * PER_CLIENT).filter((c) => !c.state.closed).length);
    expect(left).toEqual([8, 8, 8, 8]);

    // At the cap, an address that already holds the most gets no new connection: it is closed unanswered.
    const again = await held(ATTACKERS[0]!);
    again.socket.write('GET /products HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => again.state.closed).toBe(true);
    expect(again.state.received).toBe(0);
    expect(flood.filter((c) => c.state.closed)).toHaveLength(newcomers.length);
    // The newcomers' keep-alive connections were not taken from them either.
    for (const from of newcomers) expect((await call(gateway.url, 'GET', '/products', { from })).status).toBe(200);
  }, 20_000);
});
