/**
 * The internal RPC server against a caller that never reads its socket (TCP, not HTTP/2 flow control: it grants every
 * window, then stops reading). Its answers leave their streams into the connection's send queue, out of reach of the
 * per-stream limit, and the idle timeout never fired while they waited: the connection and its answers stayed for as
 * long as the caller liked. On real ports, with raw frames, as no HTTP/2 client stops reading its own socket. So too a
 * caller that ends its session (GOAWAY) and then neither reads nor closes: node waits for its end with no timer.
 */
import { connect as connectHttp2 } from 'node:http2';
import { connect as connectTcp, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { create, toBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetPricesRequestSchema, ProductCatalog } from '../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';
import { testLogger } from '../../../support/silent-logger';
import { eventually, within } from '../../../support/within';

let server: RunningGrpcServer;

beforeAll(async () => {
  // GetPrices echoes the ids as missing: 100 ids of 600 characters make an answer of about 60 KB. The idle timeout is
  // left at its default (65 s), far beyond this test.
  server = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, sendTimeoutMs: 1_000, routes: (router) => router.service(ProductCatalog, { getPrices: (req) => ({ missingProductIds: req.productIds }) }) });
});
afterAll(() => server?.close());

/** An HTTP/2 frame: 24-bit length, type, flags, 31-bit stream id, payload. */
function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(stream, 5);
  return Buffer.concat([header, payload]);
}

/** HPACK's literal header field without indexing, new name (RFC 7541 §6.2.2); names and values under 127 bytes. */
const literal = (name: string, value: string) => Buffer.concat([Buffer.from([0, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);

/** Opens `streams` GetPrices calls whose answers fill the server's queue, then never reads the socket again. */
function neverReading(streams: number, url = server.url): Socket {
  const { port } = new URL(url);
  const headers = Buffer.concat([
    ...[[':method', 'POST'], [':scheme', 'http'], [':path', '/platform.product.v1.ProductCatalog/GetPrices'], [':authority', `127.0.0.1:${port}`]].map(([n, v]) => literal(n!, v!)),
    literal('content-type', 'application/grpc'),
    literal('te', 'trailers'),
  ]);
  const message = toBinary(GetPricesRequestSchema, create(GetPricesRequestSchema, { productIds: Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(600, 'x')) }));
  const body = Buffer.concat([Buffer.from([0, message.length >>> 24, (message.length >>> 16) & 255, (message.length >>> 8) & 255, message.length & 255]), message]);
  // Every window as large as HTTP/2 allows: flow control never holds an answer back, only the unread socket does.
  const settings = Buffer.from([0, 4, 0x7f, 0xff, 0xff, 0xff]);
  const windowUpdate = Buffer.alloc(4);
  windowUpdate.writeUInt32BE(2 ** 31 - 1 - 65_535);
  const socket = connectTcp(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  socket.pause();
  socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0, settings), frame(8, 0, 0, windowUpdate)]));
  for (let id = 1; id < 2 * streams; id += 2) {
    const chunks = [];
    for (let at = 0; at < body.length; at += 16_384) chunks.push(body.subarray(at, at + 16_384));
    socket.write(Buffer.concat([frame(1, 4, id, headers), ...chunks.map((chunk, i) => frame(0, i === chunks.length - 1 ? 1 : 0, id, chunk))]));
  }
  return socket;
}

const connections = () => new Promise<number>((resolve, reject) => server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

describe('serveGrpc, when a caller never reads its socket', () => {
  it('when its answers stop leaving the connection, then the connection is destroyed within the send limit and others are served', async () => {
    const sockets = Array.from({ length: 3 }, () => neverReading(128));
    try {
      // Connected, their calls answered into the connections' queues.
      await eventually('the three connections open', async () => (await connections()) === 3, 5_000);
      await sleep(500);
      // Bounded: without the limit the three connections stay open, their answers queued, as long as the caller likes.
      // Generous: on a loaded host (a CI pass running beside other files) the 384 answers take seconds to be made, and
      // the limit counts from the last byte that left.
      await eventually('the stuck connections destroyed', async () => (await connections()) === 0, 20_000).catch(() => undefined);
      expect(await connections()).toBe(0);
      const answer = await createClient(ProductCatalog, createGrpcTransport({ baseUrl: server.url })).getPrices({ productIds: ['a'] }, { timeoutMs: 2_000 });
      expect(answer.missingProductIds).toEqual(['a']);
    } finally {
      sockets.forEach((socket) => socket.destroy());
    }
  }, 40_000);

  it('when a caller reads its answers and then leaves its connection idle past the send limit, then the connection stays open', async () => {
    const session = connectHttp2(server.url);
    session.on('error', () => {});
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/platform.product.v1.ProductCatalog/GetPrices', 'content-type': 'application/grpc', te: 'trailers' });
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
      await new Promise((resolve) => stream.resume().once('close', resolve));
      await sleep(2_500); // over two send limits, nothing to send
      expect(session.closed || session.destroyed).toBe(false);
      expect(await new Promise<boolean>((resolve) => session.ping((error) => resolve(!error)))).toBe(true);
    } finally {
      session.destroy();
    }
  });

  it('when the server shuts down while such a connection is open, then it closes by its shutdown timeout', async () => {
    // A send limit beyond the test: only the shutdown's own cut can end the connection.
    const closing = await serveGrpc({ port: 0, host: '127.0.0.1', logger: testLogger, sendTimeoutMs: 60_000, shutdownTimeoutMs: 300, routes: (router) => router.service(ProductCatalog, { getPrices: (req) => ({ missingProductIds: req.productIds }) }) });
    const socket = neverReading(128, closing.url);
    try {
      await eventually('the connection open', () => new Promise<boolean>((resolve) => closing.server.getConnections((_, count) => resolve(count === 1))), 5_000);
      await sleep(500);
      // Bounded: without cutting the socket itself, the destroyed session waited for its queue and close() for ever.
      await within(5_000, 'the server closing', closing.close());
    } finally {
      socket.destroy();
    }
  });
});

describe('serveGrpc, when a caller ends its session and then goes silent', () => {
  it('when it sends GOAWAY and then neither reads nor closes its socket, then the server destroys its end of the connection within the send limit', async () => {
    const accepted = new Promise<Socket>((resolve) => server.server.once('connection', resolve));
    const socket = connectTcp(Number(new URL(server.url).port), '127.0.0.1');
    socket.on('error', () => {});
    socket.pause();
    // GOAWAY with NO_ERROR: node closes the session gracefully, ends its socket and waits for the caller's end.
    socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0, Buffer.alloc(0)), frame(7, 0, 0, Buffer.alloc(8))]));
    try {
      const serverSide = await within(5_000, 'the connection accepted', accepted);
      // Bounded: without the check the half-closed socket stayed open for ever (no idle timeout once the session is gone).
      if (!serverSide.destroyed) await within(5_000, 'the server closing the silent connection', new Promise((resolve) => serverSide.once('close', resolve)));
    } finally {
      socket.destroy();
    }
  });
});
