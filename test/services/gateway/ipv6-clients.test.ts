/**
 * IPv6 clients on real sockets from [::1]: every per-client limit counts an IPv6 client by its /64 (a host picks any
 * address of it at will), and an IPv4-mapped address as the IPv4 address it is. The kernel gives the tests only ::1
 * as an IPv6 source, so the other addresses of a /64 come as a trusted proxy on ::1 forwards them, or, for the
 * connection caps (which no forwarded address reaches), as the accepted socket's peer address rewritten before the
 * gateway sees it.
 */
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../../services/gateway/gateway';
import { testVerifier } from '../../support/auth';
import { testLogger } from '../../support/silent-logger';
import { readAnswer } from '../kit/http/raw-http';
import { FakeClock, startEchoUpstreams, type Upstreams } from './support';

let upstreams: Upstreams;
const running: { gateway: Gateway; server: Server }[] = [];
const sockets: Socket[] = [];
const fromLoopback6 = new Agent({ localAddress: '::1' });

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const { gateway, server } of running) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await gateway.close();
  }
  await fromLoopback6.close();
  await upstreams?.close();
});

/** The gateway listening on [::1]; `peers` are handed, in turn, to accepted connections as their peer address. */
async function gatewayOn6(options: Partial<Parameters<typeof createGateway>[0]>, peers: string[] = []): Promise<string> {
  const gateway = createGateway({ logger: testLogger, verifier: testVerifier(), upstreams: upstreams.urls, ...options });
  const server = gateway.createServer();
  server.prependListener('connection', (socket: Socket) => {
    const peer = peers.shift();
    if (peer) Object.defineProperty(socket, 'remoteAddress', { value: peer });
  });
  running.push({ gateway, server });
  await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
  return `http://[::1]:${(server.address() as AddressInfo).port}`;
}

/** A raw connection from [::1] to the gateway at `url`. */
function connected(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '::1', port: Number(new URL(url).port), localAddress: '::1' }, () => resolve(socket));
    sockets.push(socket);
    socket.once('error', reject);
  });
}

/** The status of a `GET /health` on `socket` (the 429 of a connection over its address's cap comes unasked). */
async function answered(socket: Socket): Promise<number> {
  socket.on('error', () => {});
  const answer = readAnswer(socket);
  socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  return (await answer).status;
}

describe('when a trusted proxy on [::1] forwards clients of one IPv6 /64', () => {
  let url: string;
  const get = async (forwardedFor: string) => {
    const res = await request(`${url}/products`, { dispatcher: fromLoopback6, headers: { 'x-forwarded-for': forwardedFor } });
    return { status: res.statusCode, body: await res.body.text() };
  };

  beforeAll(async () => {
    url = await gatewayOn6({ trustedProxies: ['::1'], perClientOverride: { burstLimit: 2 }, clock: new FakeClock().now });
  });

  it('then they share one anonymous bucket, while a client of the next /64 has its own', async () => {
    expect((await get('2001:db8:1:2::a')).status).toBe(200);
    expect((await get('2001:db8:1:2:ffff:ffff:ffff:b')).status).toBe(200);
    expect((await get('2001:db8:1:2::c')).status).toBe(429);
    expect((await get('2001:db8:1:3::a')).status).toBe(200);
  });

  it('then the service is still told the client\'s whole address, not its /64', async () => {
    const answer = await get('2001:db8:1:4::77');
    expect(JSON.parse(answer.body)).toMatchObject({ headers: { 'x-forwarded-for': '2001:db8:1:4::77' } });
  });

  it('then an IPv4-mapped address, dotted or in hex, counts as the IPv4 address it is', async () => {
    expect((await get('198.51.100.7')).status).toBe(200);
    expect((await get('::ffff:198.51.100.7')).status).toBe(200);
    expect((await get('::ffff:c633:6407')).status).toBe(429);
  });
});

describe('when clients of one IPv6 /64 open connections to the gateway on [::1]', () => {
  it('then they share one per-address connection cap, while a client of another /64 still connects', async () => {
    const peers = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2::3', '2001:db8:1:3::1'];
    const url = await gatewayOn6({ maxConnectionsPerClient: 2 }, peers);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await answered(await connected(url)));
    expect(statuses).toEqual([200, 200, 429, 200]);
  });
});

describe('when clients of one IPv6 /64 hold every connection of the gateway on [::1]', () => {
  it('then a client of another /64 takes the oldest of theirs, as from one address holding them all', async () => {
    const peers = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2::3', '2001:db8:1:3::1'];
    const url = await gatewayOn6({ maxConnections: 3 }, peers);
    const flood: Promise<true>[] = [];
    for (let i = 0; i < 3; i++) {
      const socket = await connected(url);
      socket.on('error', () => {});
      flood.push(new Promise((resolve) => socket.once('close', () => resolve(true))));
      // Accepted, and so counted, before the next one connects.
      await answered(socket);
    }
    expect(await answered(await connected(url))).toBe(200);
    expect(await Promise.race([flood[0], new Promise((resolve) => setTimeout(() => resolve(false), 1_000))])).toBe(true);
  });
});
