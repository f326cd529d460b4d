/**
 * Clients that stop reading their answers, over real sockets from distinct loopback addresses: each is cut once
 * its answers have waited the send deadline without a byte taken, which aborts their upstream requests; a client
 * that reads a large answer slowly but steadily is not. The deadline is 2 s here; the default is 10 s.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, echo, sendBytes, socketFrom, startEchoUpstreams, startTestGateway, startUpstream, type TestServer, type Upstream, type Upstreams } from './support';
import { within } from '../../support/within';

/** Far more than the loopback's socket buffers hold (a few MiB each way), so a client that stops reading stalls the gateway. */
const BIG = 32 * 1024 * 1024;
const SEND_TIMEOUT_MS = 2_000;
/**
 * The steady reader's pause: a sixth of the deadline, so that a stall of the whole process (gateway and client share
 * it) of well over a second still cuts nobody; its 16 pauses make the read last over twice the deadline, so a
 * deadline on the whole answer instead of on progress would cut it. A quarter of a 1 s deadline left 750 ms.
 */
const STEADY_PAUSE_MS = SEND_TIMEOUT_MS / 6;
const STEADY_STEP = 2 * 1024 * 1024;

let upstreams: Upstreams;
/** Product: a BIG answer for `?size=big`, written as fast as its socket takes it; the echo otherwise. */
let product: Upstream;
/** When each BIG answer ended: taken whole, or cut short (the gateway aborted its upstream request). */
const bigAnswers = { started: 0, finished: [] as number[], aborted: [] as number[] };
const running: TestServer[] = [];
const sockets: Socket[] = [];

function sendBig(res: ServerResponse): void {
  bigAnswers.started += 1;
  res.once('close', () => (res.writableFinished ? bigAnswers.finished : bigAnswers.aborted).push(Date.now()));
  sendBytes(res, BIG);
}

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  product = await startUpstream('product', (req, res, seen) => (seen.url.includes('size=big') ? sendBig(res) : echo('product')(req, res, seen)));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(running.map((g) => g.close()));
  await Promise.all([upstreams?.close(), product?.close()]);
});

async function gatewayWith(upstreamConnections: number): Promise<string> {
  const gateway = await startTestGateway({
    upstreams: { ...upstreams.urls, product: product.url },
    throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 },
    sendTimeoutMs: SEND_TIMEOUT_MS,
    upstreamConnections,
  });
  running.push(gateway);
  return gateway.url;
}

/**
 * A connection from `address` that sends `requests` and reads nothing until `readRest` (a paused socket does not
 * see its end either, so whether it was cut is told by reading what is left: all of it, or less).
 */
async function neverReading(url: string, address: string, requests: number) {
  const socket = await socketFrom(url, address);
  sockets.push(socket);
  socket.on('error', () => {});
  const sentAt = Date.now();
  socket.write('GET /products?size=big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(requests));
  /** Bytes read once reading starts, until the connection ends (or 3 s pass: it was not cut). */
  const readRest = () =>
    new Promise<number>((resolve) => {
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.once('close', () => resolve(received));
      setTimeout(() => resolve(received), 3_000).unref();
    });
  return { sentAt, readRest };
}

/**
 * The aborted answers since `count`, once there are `expected` of them (none come without the deadline). The bound
 * only names a cut that never comes: the gateway, the clients and Product share one process, which a loaded host
 * (load 30 on 2 cores) stalled for over 4 s past the deadline.
 */
async function abortedSince(count: number, expected: number): Promise<number[]> {
  await expect.poll(() => bigAnswers.aborted.length - count, { timeout: SEND_TIMEOUT_MS + 13_000 }).toBe(expected);
  return bigAnswers.aborted.slice(count);
}

/** Reads a BIG answer from `address` in steps of STEADY_STEP with a pause of STEADY_PAUSE_MS between them. */
async function readingSteadily(url: string, address: string): Promise<{ socket: Socket; bodyBytes: number }> {
  const socket = await socketFrom(url, address);
  sockets.push(socket);
  let head = Buffer.alloc(0);
  let bodyBytes = -1;
  let sincePause = 0;
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`cut after ${bodyBytes} bytes of the body`)));
    socket.on('data', (chunk: Buffer) => {
      if (bodyBytes < 0) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        bodyBytes = head.length - end - 4;
      } else bodyBytes += chunk.length;
      sincePause += chunk.length;
      if (bodyBytes >= BIG) return resolve();
      if (sincePause < STEADY_STEP) return;
      sincePause = 0;
      socket.pause();
      setTimeout(() => socket.resume(), STEADY_PAUSE_MS);
    });
    socket.write('GET /products?size=big HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  return { socket, bodyBytes };
}

describe('when one client stops reading a large answer while another reads its own slowly but steadily', () => {
  it('then only the one that stopped loses its connection, after the send deadline, and its upstream request is aborted', async () => {
    // Two connections to Product, one for each big answer: the normal client below waits for one of them.
    const url = await gatewayWith(2);
    const [aborted, finished] = [bigAnswers.aborted.length, bigAnswers.finished.length];
    const stalled = await neverReading(url, '127.0.0.2', 1);
    const steady = readingSteadily(url, '127.0.0.3');
    // Served once the stalled client is cut: timed from that cut, not from the request (a 5 s bound on the whole
    // wait, 2 s of it the deadline, ran out on a loaded host before the cut had freed a connection).
    const normal = call(url, 'GET', '/products', { from: '127.0.0.4' });
    const [abortedAt = 0] = await abortedSince(aborted, 1);
    expect((await within(5_000, 'the normal client answered after the stalled one was cut', normal)).status).toBe(200);
    expect(abortedAt - stalled.sentAt).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS);
    expect(await stalled.readRest()).toBeLessThan(BIG);
    const read = await steady;
    expect(read.bodyBytes).toBe(BIG);
    expect(read.socket.destroyed).toBe(false);
    expect(bigAnswers.aborted.length - aborted).toBe(1);
    expect(bigAnswers.finished.length - finished).toBe(1);
  }, 40_000);
});

describe('when clients on many addresses pipeline requests for large answers and read none', () => {
  it('then each connection is cut after the send deadline, every upstream request they held is aborted, and other clients are served', async () => {
    const url = await gatewayWith(128);
    const [aborted, started] = [bigAnswers.aborted.length, bigAnswers.started];
    // Four addresses, three answers each: one being written to its socket, two queued behind it. Node 24 sends all
    // three to Product at once; Node 22 sends the next only once the one before is answered, so one each.
    const stalled = await Promise.all([2, 3, 4, 5].map((n) => neverReading(url, `127.0.1.${n}`, 3)));
    const during = [];
    for (let i = 0; i < 5; i++) during.push((await call(url, 'GET', '/products', { from: '127.0.1.9' })).status);
    expect(during).toEqual([200, 200, 200, 200, 200]);
    await expect.poll(() => bigAnswers.started - started, { timeout: SEND_TIMEOUT_MS }).toBeGreaterThanOrEqual(4);
    const held = bigAnswers.started - started;
    expect(held).toBeLessThanOrEqual(12);
    const abortedAt = await abortedSince(aborted, held);
    const sentAt = Math.min(...stalled.map((s) => s.sentAt));
    for (const at of abortedAt) expect(at - sentAt).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS);
    // Cut: what the sockets still hold is read, and it is short of even the first whole answer.
    for (const rest of await Promise.all(stalled.map((s) => s.readRest()))) expect(rest).toBeLessThan(BIG);
    expect((await call(url, 'GET', '/products', { from: '127.0.1.2' })).status).toBe(200);
    // None was sent to Product after the cut, and none of theirs is still running there.
    expect(bigAnswers.started - started).toBe(held);
    expect(bigAnswers.aborted.length - aborted).toBe(held);
  }, 40_000);
});
