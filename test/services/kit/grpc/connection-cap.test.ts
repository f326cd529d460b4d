/**
 * The internal RPC server's cap on connections held at once: past it, a new connection is closed as soon as it is
 * accepted, while those it holds keep being served. On a real port, with node's own HTTP/2 client.
 */
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProductCatalog } from '../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { capConnections } from '../../../../services/kit/grpc/connection-cap';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';
import { within } from '../../../support/within';

const CAP = 3;
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) });
let server: RunningGrpcServer;
const opened: ClientHttp2Session[] = [];

beforeAll(async () => {
  server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }, sink), maxConnections: CAP, routes: (router) => router.service(ProductCatalog, { getPrices: (req) => ({ missingProductIds: req.productIds }) }) });
});
afterEach(async () => {
  for (const session of opened.splice(0)) session.destroy();
  // The server has seen them go before the next test counts again.
  await within(5_000, 'the connections closed', connectionsBelow(1));
});
afterAll(() => server?.close());

/** Resolves once the server holds fewer than `count` connections. */
function connectionsBelow(count: number): Promise<void> {
  return new Promise((resolve) => {
    const look = () => server.server.getConnections((_, open) => (open < count ? resolve() : setTimeout(look, 20)));
    look();
  });
}

/** A connection of its own; resolves whether the server answered a ping on it (false: closed before answering). */
function connectAndPing(): Promise<{ session: ClientHttp2Session; answered: boolean }> {
  const session = connectHttp2(server.url);
  opened.push(session);
  session.on('error', () => {});
  return new Promise((resolve) => {
    session.once('close', () => resolve({ session, answered: false }));
    session.once('connect', () => session.ping((error) => resolve({ session, answered: !error })));
  });
}

/** One GetPrices call on `session`: its HTTP status once the answer is whole. */
function call(session: ClientHttp2Session): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/platform.product.v1.ProductCatalog/GetPrices', 'content-type': 'application/grpc', te: 'trailers' });
    let status = 0;
    stream.once('response', (headers) => (status = Number(headers[':status'])));
    stream.once('error', reject);
    stream.resume().once('close', () => resolve(status));
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

describe('serveGrpc with a connection cap', () => {
  it('when the cap is reached, then the next connection is closed unanswered and the ones it holds are still served', async () => {
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await connectAndPing());
    expect(held.map((c) => c.answered)).toEqual([true, true, true]);
    const refused = await within(5_000, 'the connection past the cap ending', connectAndPing());
    expect(refused.answered).toBe(false);
    for (const { session } of held) expect(await call(session)).toBe(200);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, maxConnections: CAP, refused: 1 }));
  });

  it('when a held connection closes, then a new one is taken in its place', async () => {
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await connectAndPing());
    held[0]!.session.close();
    await within(5_000, 'the server seeing it close', connectionsBelow(CAP));
    expect((await connectAndPing()).answered).toBe(true);
  });
});

describe('the connection cap\'s warnings', () => {
  it('when connections keep being refused within one warning period, then a warning when the period ends counts them, so every refusal is told', async () => {
    const warned: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => (warned.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }));
    const sockets: Socket[] = [];
    const tcp = createTcpServer((socket) => sockets.push(socket));
    capConnections(tcp, 1, logger, 300);
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const connectOne = () => connectTcp((tcp.address() as AddressInfo).port, '127.0.0.1').on('error', () => {});
    try {
      sockets.push(connectOne());
      await within(5_000, 'the first connection held', new Promise((resolve) => tcp.once('connection', resolve)));
      // Each closed by the cap as soon as it is accepted.
      for (let i = 0; i < 4; i++) await within(5_000, 'a connection past the cap closed', new Promise((resolve) => sockets.push(connectOne().once('close', resolve))));
      const told = () => warned.reduce((sum, line) => sum + Number(line.refused), 0);
      await within(5_000, 'the four refusals told', new Promise<void>((resolve) => {
        const look = () => (told() >= 4 ? resolve() : setTimeout(look, 20));
        look();
      }));
      // The first at once, the others when a quiet period ended (one or more, as a loaded host spreads them).
      expect(warned[0]).toMatchObject({ level: 40, maxConnections: 1, refused: 1 });
      expect(told()).toBe(4);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });
});
