/**
 * A client that sends its whole request and leaves while the gateway is still at work on it (its token being
 * checked): the request is not forwarded. Nobody is left to read the answer, and the service would do the work
 * (a write, an invoice) all the same. The service's 'close' came before the forward was under way, so the abort
 * the forward listens for never came: it went out whole. Node 22 and 24 alike, pipelined requests included.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../../services/gateway/gateway';
import type { Principal } from '../../../services/kit/auth/jwt-verifier';
import { loginAs, testVerifier, type TestTokens } from '../../support/auth';
import { eventually } from '../../support/within';
import { capturingLogger, openSocket } from '../kit/http/raw-http';
import { listen, startEchoUpstreams, call, type TestServer, type Upstreams } from './support';

let upstreams: Upstreams;
let gateway: Gateway;
let server: TestServer;
let user: TestTokens;
/** The gateway's side of each connection, so a token check can wait until the gateway has seen its client leave. */
const connections: Socket[] = [];
/** While set, a token check says it started and waits for this (the client's connection closed at the gateway). */
let hold: { started: () => void; until: Promise<unknown> } | undefined;
const { logger, lines } = capturingLogger();

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  const real = testVerifier();
  const verifier = {
    verify: async (token: string): Promise<Principal> => {
      if (hold) {
        hold.started();
        await hold.until;
      }
      return real.verify(token);
    },
  };
  // A token cache of none: each request's token is checked again, so each waits while held.
  gateway = createGateway({ upstreams: upstreams.urls, verifier, logger, throttleOverride: { rateLimit: 1e6, burstLimit: 1e6 }, tokenCacheSize: 0 });
  const http = gateway.createServer();
  http.on('connection', (socket: Socket) => connections.push(socket));
  server = await listen(http);
  user = await loginAs();
});

afterAll(async () => {
  await server?.close();
  await gateway?.close();
  await upstreams?.close();
});

const reachedBilling = (marker: string) => upstreams.byService.billing.seen.filter((seen) => seen.url.includes(marker)).length;
const loggedFor = (marker: string) => lines.filter((line) => line.msg === 'request' && line.requestId === marker);

/**
 * Sends `count` whole requests at once on one connection and closes it once the first one's token is being checked;
 * that check goes on only when the gateway has seen the connection close (no fixed waits: a loaded host is slow).
 */
async function sendAndLeave(marker: string, count: number): Promise<void> {
  let started!: () => void;
  let release!: () => void;
  const checking = new Promise<void>((resolve) => (started = resolve));
  hold = { started, until: new Promise<void>((resolve) => (release = resolve)) };
  const known = connections.length;
  const socket = await openSocket(server.url);
  socket.on('error', () => {});
  const request = (i: number) =>
    `GET /billing/account?${marker}=${i} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.accessToken}\r\nX-Request-Id: ${marker}-${i}\r\n\r\n`;
  socket.write(Array.from({ length: count }, (_, i) => request(i)).join(''));
  await checking;
  const atGateway = connections[known]!;
  const closed = atGateway.destroyed ? Promise.resolve() : new Promise((resolve) => atGateway.once('close', resolve));
  socket.destroy();
  await closed;
  hold = undefined;
  release();
}

describe('when a client sends a whole request and leaves while its token is checked', () => {
  it('then the service never gets it, and the access log has it with no status, aborted', async () => {
    await sendAndLeave('left1', 1);
    await eventually('the abandoned request logged', () => loggedFor('left1-0').length === 1, 5_000);
    expect(loggedFor('left1-0')[0]).toMatchObject({ status: null, aborted: true });
    // Time for a forward that went out anyway to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reachedBilling('left1')).toBe(0);
  });

  it('then the next client is served as usual', async () => {
    const answer = await call(server.url, 'GET', '/billing/account?stayed=1', { headers: { authorization: `Bearer ${user.accessToken}` } });
    expect(answer.status).toBe(200);
    expect(reachedBilling('stayed')).toBe(1);
  });
});

describe('when a client pipelines whole requests and leaves while the first one\'s token is checked', () => {
  it('then none of them reaches the service', async () => {
    await sendAndLeave('left2', 3);
    await eventually('the first abandoned request logged', () => loggedFor('left2-0').length === 1, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reachedBilling('left2')).toBe(0);
  });
});
