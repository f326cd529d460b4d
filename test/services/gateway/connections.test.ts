/**
 * The cap on all clients' connections together, over real sockets from many loopback addresses, each within its
 * own per-address cap: past the total, connections are closed unanswered (a new one, or the oldest of an address
 * holding more), while a connection that was already open is served. The per-address cap has its tests in
 * slow-clients.test.ts; the fair share of the total, in fair-connections.test.ts.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger, LEVEL, readAnswer } from '../kit/http/raw-http';
import { call, socketFrom, startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';

let upstreams: Upstreams;
const running: TestServer[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(running.map((g) => g.close()));
  await upstreams?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request on an open keep-alive connection, read whole. */
async function ask(socket: Socket): Promise<number> {
  const answer = readAnswer(socket);
  socket.write('GET /products HTTP/1.1\r\nHost: x\r\n\r\n');
  return (await answer).status;
}

/** A connection from `address`, reading (so it sees the gateway close it): whether it is closed yet, and what it got. */
async function opened(url: string, address: string) {
  const socket = await socketFrom(url, address);
  sockets.push(socket);
  let closed = false;
  let received = 0;
  socket.on('error', () => {});
  socket.once('close', () => (closed = true));
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  return { socket, closed: () => closed, received: () => received };
}

/** A request from a new connection, tried again (for at most 2 s) until the gateway has seen the flood's sockets close. */
async function served(url: string, from: string): Promise<number> {
  for (let tries = 1; ; tries++) {
    try {
      return (await call(url, 'GET', '/products', { from })).status;
    } catch (error) {
      if (tries === 20) throw error;
      await sleep(100);
    }
  }
}

describe('when 150 addresses open three connections each against a total cap of 200', () => {
  it('then connections past the cap are closed at once, unanswered, and a connection already open alone on its address is served throughout', async () => {
    const { logger, lines } = capturingLogger();
    // Four per address: no address reaches its own cap, so only the total can stop them.
    const gateway = await startTestGateway({ upstreams: upstreams.urls, logger, maxConnections: 200, maxConnectionsPerClient: 4, throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 } });
    running.push(gateway);
    const regular = await socketFrom(gateway.url, '127.0.2.250');
    sockets.push(regular);
    expect(await ask(regular)).toBe(200);

    const addresses = Array.from({ length: 150 }, (_, i) => `127.0.3.${i + 1}`);
    const flood = await Promise.all(addresses.flatMap((address) => [1, 2, 3].map(() => opened(gateway.url, address))));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await ask(regular));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // 199 places were left beside the regular connection; the other 251 are closed, and stay closed.
    await expect.poll(() => flood.filter((c) => c.closed()).length, { timeout: 5_000 }).toBe(450 - 199);
    await sleep(300);
    expect(flood.filter((c) => c.closed()).length).toBe(450 - 199);
    // Refused without a byte of answer, and said once in the log, not once per connection.
    expect(flood.filter((c) => c.closed()).map((c) => c.received())).toEqual(Array.from({ length: 450 - 199 }, () => 0));
    const warnings = lines.filter((line) => line.level === LEVEL.warn);
    expect(warnings).toEqual([expect.objectContaining({ maxConnections: 200, msg: 'at the connection cap: the addresses holding the most lose their oldest connections, and get no new ones' })]);

    // Once the flood lets go, new connections are served again.
    for (const connection of flood) connection.socket.destroy();
    expect(await served(gateway.url, '127.0.2.251')).toBe(200);
  }, 20_000);
});
