/**
 * At the total cap, a connection its own address's cap refuses anyway must not cost another address a connection.
 * A trusted proxy (not capped per address) holds the most; a client at its own cap connecting again cut one of the
 * proxy's connections each time, for a connection answered 429 and closed.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnswer } from '../kit/http/raw-http';
import { watchedConnection, startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';

const PROXY = '127.0.14.1';
const CLIENT = '127.0.14.2';
const PER_CLIENT = 2;

let upstreams: Upstreams;
let gateway: TestServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  gateway = await startTestGateway({
    upstreams: upstreams.urls,
    maxConnections: 6,
    maxConnectionsPerClient: PER_CLIENT,
    trustedProxies: [PROXY],
    throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 },
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await gateway?.close();
  await upstreams?.close();
});

const connection = (from: string) => watchedConnection(gateway.url, from, sockets);

describe('when, at the total cap, an address at its own connection cap connects again', () => {
  it('then it is closed unanswered and no other address loses a connection for it', async () => {
    const proxied = [await connection(PROXY), await connection(PROXY), await connection(PROXY), await connection(PROXY)];
    const own = [await connection(CLIENT), await connection(CLIENT)];
    await new Promise((resolve) => setTimeout(resolve, 100));

    const again = await connection(CLIENT);
    const answer = await readAnswer(again.socket).then((got) => got.status, () => 'none');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proxied.filter((c) => c.closed())).toHaveLength(0);
    expect(own.filter((c) => c.closed())).toHaveLength(0);
    expect(answer).toBe('none');
  });
});
