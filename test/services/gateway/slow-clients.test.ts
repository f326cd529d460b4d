/**
 * Slow and greedy clients, over real sockets from distinct loopback addresses: one client's slow bodies must
 * never hold the upstream connections every client shares, deadlines answer 408, caps answer 429.
 * The deadlines are configured short here; the defaults are 10 s (headers) and 30 s (body).
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../../../services/gateway/gateway';
import { readAnswer, type RawAnswer } from '../kit/http/raw-http';
import { eventually } from '../../support/within';
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

/** Route limits out of the way: these tests are about connections and time, not buckets. */
async function gatewayWith(options: Partial<GatewayOptions>): Promise<string> {
  const gateway = await startTestGateway({ upstreams: upstreams.urls, throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 }, ...options });
  running.push(gateway);
  return gateway.url;
}

/** A connection from `localAddress`, closed after the file. */
async function tracked(url: string, localAddress: string): Promise<Socket> {
  const socket = await socketFrom(url, localAddress);
  sockets.push(socket);
  return socket;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SIGNUP_HEAD = (length: number) => `POST /identity/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

/** Opens `n` connections from `address`, each announcing a 100-byte body and sending one byte of it every `everyMs`. */
async function slowBodies(url: string, address: string, n: number, everyMs: number) {
  const opened = await Promise.all(Array.from({ length: n }, () => tracked(url, address)));
  const answers = opened.map((socket) => readAnswer(socket).catch(() => undefined));
  for (const socket of opened) socket.write(SIGNUP_HEAD(100));
  const drip = setInterval(() => {
    for (const socket of opened) if (socket.writable) socket.write('x');
  }, everyMs);
  return { answers, stop: () => clearInterval(drip) };
}

describe('when one address holds ~130 connections that send their bodies a byte every 2 s', () => {
  it('then a normal client on another address is served at once, and each slow one gets a 408 at its deadline', async () => {
    // Four upstream connections: streamed bodies would take them all, and the normal request would wait for their
    // 408s, BODY_DEADLINE_MS after they began. "At once" is anything under half of that: seconds of room for a
    // stalled host on both sides, where 2.5 s against a 3 s deadline left a few hundred milliseconds.
    const BODY_DEADLINE_MS = 8_000;
    const url = await gatewayWith({ upstreamConnections: 4, bodyTimeoutMs: BODY_DEADLINE_MS, maxConnectionsPerClient: 200, maxInFlightPerClient: 200 });
    const slow = await slowBodies(url, '127.0.0.2', 130, 2_000);
    try {
      await sleep(300);
      const started = Date.now();
      const normal = await call(url, 'POST', '/identity/signup', {
        from: '127.0.0.3',
        headers: { 'content-type': 'application/json' },
        body: '{"email":"ann@example.com"}',
        signal: AbortSignal.timeout(BODY_DEADLINE_MS / 2),
      });
      expect(normal.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(BODY_DEADLINE_MS / 2);
      const answered = (await Promise.all(slow.answers)) as (RawAnswer | undefined)[];
      const statuses = answered.map((a) => a?.status);
      expect(statuses.filter((s) => s === 408).length).toBe(130);
      expect(upstreams.byService.identity.seen.filter((s) => s.body.startsWith('x')).length).toBe(0);
    } finally {
      slow.stop();
    }
  }, 30_000);
});

describe('when a client is slow to send its request', () => {
  it('then headers not complete within the headers deadline get a 408 problem', async () => {
    const url = await gatewayWith({ headersTimeoutMs: 400 });
    const socket = await tracked(url, '127.0.0.2');
    const answer = readAnswer(socket);
    socket.write('GET /products HTTP/1.1\r\nHost: x\r\n');
    const got = await answer;
    expect(got.status).toBe(408);
    expect(JSON.parse(got.body)).toMatchObject({ type: 'urn:problem-type:platform:request-timeout', status: 408 });
  });

  it('then a body not complete within the body deadline gets a 408 problem with the request id, and the service sees nothing', async () => {
    const url = await gatewayWith({ bodyTimeoutMs: 400 });
    const before = upstreams.byService.identity.seen.length;
    const socket = await tracked(url, '127.0.0.2');
    const answer = readAnswer(socket);
    socket.write(`${SIGNUP_HEAD(10)}{"a"`);
    const got = await answer;
    expect(got.status).toBe(408);
    expect(got.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(got.body)).toMatchObject({ type: 'urn:problem-type:platform:request-timeout', requestId: got.headers['x-request-id'] });
    expect(upstreams.byService.identity.seen.length).toBe(before);
  });

  it('then a body that arrives in time, however slowly, is forwarded whole', async () => {
    // A deadline far from the body's 300 ms: a stalled host must not turn this into the 408 tested above.
    const url = await gatewayWith({ bodyTimeoutMs: 30_000 });
    const socket = await tracked(url, '127.0.0.2');
    const answer = readAnswer(socket);
    socket.write(SIGNUP_HEAD(7));
    for (const part of ['{"a"', ':', '1}']) {
      await sleep(100);
      socket.write(part);
    }
    expect((await answer).status).toBe(200);
    expect(upstreams.byService.identity.seen.at(-1)?.body).toBe('{"a":1}');
  });
});

describe('when one address opens more connections than its cap', () => {
  it('then the next one is answered 429 at once and closed, while other addresses connect', async () => {
    const url = await gatewayWith({ maxConnectionsPerClient: 3 });
    const held = await Promise.all([1, 2, 3].map(() => tracked(url, '127.0.0.2')));
    const extra = await tracked(url, '127.0.0.2');
    const refused = await readAnswer(extra);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toMatchObject({ type: 'urn:problem-type:platform:too-many-requests', status: 429 });
    expect((await call(url, 'GET', '/products', { from: '127.0.0.3' })).status).toBe(200);
    // A held connection still works; once one closes, the address may open another.
    const answer = readAnswer(held[0] as Socket);
    (held[0] as Socket).write('GET /products HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await answer).status).toBe(200);
    (held[1] as Socket).destroy();
    // The gateway counts the close when its own socket sees it, which a loaded host may delay past any fixed pause:
    // until then a new connection is the 429 above. A gateway that never frees the place answers 429 throughout.
    let next: RawAnswer | undefined;
    await eventually('a new connection from the address accepted after one of its own closed', async () => {
      const again = await tracked(url, '127.0.0.2');
      const answer = readAnswer(again);
      again.write('GET /products HTTP/1.1\r\nHost: x\r\n\r\n');
      next = await answer;
      return next.status !== 429;
    }, 5_000, 50);
    expect(next?.status).toBe(200);
  });
});

describe('when one address has more requests in flight than its cap', () => {
  it('then the next one gets 429, other addresses are served, and a finished request frees its slot', async () => {
    // The slow two hold their slots until their bodies time out: 3 s, room for a stalled host to see them counted.
    const url = await gatewayWith({ maxInFlightPerClient: 2, bodyTimeoutMs: 3_000 });
    const slow = await slowBodies(url, '127.0.0.2', 2, 100);
    try {
      // Asked until the gateway has counted both (a request before that is served, and holds no slot after).
      let over = await call(url, 'GET', '/products', { from: '127.0.0.2' });
      for (let tries = 0; tries < 40 && over.status !== 429; tries++) {
        await sleep(50);
        over = await call(url, 'GET', '/products', { from: '127.0.0.2' });
      }
      expect(over.status).toBe(429);
      expect(over.json().detail).toContain('2 requests in flight');
      expect((await call(url, 'GET', '/products', { from: '127.0.0.3' })).status).toBe(200);
      await Promise.all(slow.answers);
    } finally {
      slow.stop();
    }
    expect((await call(url, 'GET', '/products', { from: '127.0.0.2' })).status).toBe(200);
  });
});
