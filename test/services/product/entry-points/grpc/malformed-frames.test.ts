/**
 * Product's gRPC port holds against abuse: raw bytes that are not HTTP/2, broken HTTP/2 frames, and well-formed
 * HTTP/2 streams carrying malformed gRPC, gRPC-Web and Connect calls (bad length prefixes, an oversized declared
 * message, compression nobody asked for, bytes that are not protobuf, odd deadlines, unknown paths). Each stream
 * gets an answer, none is a server fault (INTERNAL, UNKNOWN or HTTP 5xx), and afterwards the server still prices
 * a real lookup. Bounded in count (FUZZ_RUNS, 150 by default) and time. Bytes that are not protobuf are the caller's
 * mistake too (INVALID_ARGUMENT: services/kit/grpc/callers-mistakes.ts), though connect-es raises them INTERNAL.
 */
import { randomUUID } from 'node:crypto';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductCatalog } from '../../../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import type { RunningGrpcServer } from '../../../../../services/kit/grpc/serve-grpc';
import type { Product } from '../../../../../services/product/domain/product';
import { startProductGrpc, startProductHarness, type ProductHarness } from '../../../../support/product';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const ANSWER_TIMEOUT_MS = 3_000;
const GET_PRICES = '/platform.product.v1.ProductCatalog/GetPrices';
/** Every method of the contract, so a method added to it is fuzzed too, not GetPrices alone. */
const CATALOG_METHODS = ProductCatalog.methods.map((method) => `/${ProductCatalog.typeName}/${method.name}`);
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

let harness: ProductHarness;
let server: RunningGrpcServer;
let widget: Product;

beforeAll(async () => {
  harness = await startProductHarness();
  server = await startProductGrpc(harness, { readMaxBytes: 64 * 1024 });
  widget = await harness.unitOfWork.products.insert({ sku: `F-${randomUUID()}`, name: 'Fuzzed', priceCents: 321 });
});
afterAll(async () => {
  await server?.close();
  await harness?.close();
});

async function stillServes(): Promise<void> {
  const answer = await createClient(ProductCatalog, createGrpcTransport({ baseUrl: server.url })).getPrices({ productIds: [widget.id] }, { timeoutMs: 2_000 });
  expect(answer.prices.map((p) => p.priceCents)).toEqual([321]);
}

/** Writes bytes on a fresh TCP connection and waits until the server closes it (or a short while passes). */
function sendRaw(bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectTcp(Number(new URL(server.url).port), '127.0.0.1', () => socket.end(bytes));
    const done = () => (socket.destroy(), resolve());
    socket.on('error', done).on('close', done).resume();
    setTimeout(done, 500).unref();
  });
}

/** An HTTP/2 frame: 24-bit length, type, flags, 31-bit stream id, payload. */
function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

interface Call {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

interface Answer {
  readonly status: number;
  readonly grpcStatus?: number;
  /** grpc-message, and the body's text (Connect's JSON error, gRPC-Web's trailers). */
  readonly message: string;
}

/**
 * Sends one call on `session`; answers its HTTP status and gRPC status (from headers or trailers). It fails when the
 * stream is idle for `idleMs`.
 */
function send(session: ClientHttp2Session, call: Call, idleMs = ANSWER_TIMEOUT_MS): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': call.path, ...call.headers });
    let status = 0;
    let grpcStatus: number | undefined;
    let message = '';
    const read = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) grpcStatus = Number(headers['grpc-status']);
      if (typeof headers['grpc-message'] === 'string') message += decodeURIComponent(headers['grpc-message']);
    };
    stream.on('response', (headers) => ((status = Number(headers[':status'])), read(headers)));
    stream.on('trailers', read);
    stream.on('data', (chunk: Buffer) => (message += chunk.toString('latin1')));
    stream.on('end', () => resolve({ status, grpcStatus, message }));
    stream.on('error', reject);
    stream.setTimeout(idleMs, () => reject(new Error(`no answer to ${call.path} within ${idleMs} ms`)));
    stream.end(call.body);
  });
}

/** A gRPC length-prefixed message: flags byte, 32-bit length, then the bytes (the length may lie). */
const prefixed = (flags: number, declared: number, bytes: Uint8Array) => {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(declared >>> 0, 1);
  return Buffer.concat([header, Buffer.from(bytes)]);
};

const contentTypes = fc.constantFrom('application/grpc', 'application/grpc+proto', 'application/grpc-web+proto', 'application/grpc-web-text', 'application/proto', 'application/json', 'application/grpc+json', 'text/plain', '');
const bytes = fc.uint8Array({ maxLength: 512 });
const body = fc.oneof(
  bytes.map((b) => Buffer.from(b)),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.oneof(fc.nat({ max: 600 }), fc.constant(0xffffffff), fc.constant(64 * 1024 + 1)), bytes).map(([f, d, b]) => prefixed(f, d, b)),
  fc.string().map((s) => Buffer.from(JSON.stringify({ productIds: [s, widget.id] }))),
  fc.constant(prefixed(0, 200_000, new Uint8Array(200_000))),
);
const call: fc.Arbitrary<Call> = fc.record({
  path: fc.oneof(fc.constantFrom(...CATALOG_METHODS), fc.constant('/grpc.health.v1.Health/Check'), fc.constant('/grpc.health.v1.Health/Watch'), fc.constantFrom('/', '/platform.product.v1.ProductCatalog/Nope', '/x/y/z', `${GET_PRICES}/extra`)),
  headers: fc.record(
    {
      'content-type': contentTypes,
      'grpc-timeout': fc.constantFrom('1n', '0S', '99999999H', '99999M', '2147484S', 'abc', '-5m', '100m', '1S', '31S'),
      'grpc-encoding': fc.constantFrom('gzip', 'br', 'identity', 'lol'),
      'connect-protocol-version': fc.constantFrom('1', '2'),
      'connect-timeout-ms': fc.constantFrom('0', '-1', '10', 'soon', '99999999999'),
      te: fc.constant('trailers'),
    },
    { requiredKeys: ['content-type'] },
  ),
  body,
});

/** Found by CI's run: a gRPC-Web Watch whose request is not protobuf, its trailer's message percent-encoded. */
const WEB_WATCH_NOT_PROTOBUF: Call = {
  path: '/grpc.health.v1.Health/Watch',
  headers: { 'content-type': 'application/grpc-web+proto', 'grpc-timeout': '1n', 'grpc-encoding': 'identity', te: 'trailers' },
  body: Buffer.from([4, 0, 0, 0, 6, 45, 52, 40, 59, 66, 2, 87, 237, 79]),
};

/** The codes that mean the server failed; any other code (a deadline the caller set too short, …) is an answer. */
const FAULTS: ReadonlySet<Code> = new Set([Code.Internal, Code.Unknown, Code.DataLoss]);
const CONNECT_FAULTS = new Set(['internal', 'unknown', 'data_loss']);

/**
 * A server fault: what no caller's bytes may cause. The code is read where each protocol puts it: gRPC's
 * grpc-status header or trailer, gRPC-Web's trailer inside the body, the Connect protocol's JSON error (whose
 * HTTP status follows the code: 504 for a deadline, 501 for an unknown method, are answers).
 */
function serverFault(answer: Answer): boolean {
  const grpcWeb = /grpc-status:\s*(\d+)/.exec(answer.message)?.[1];
  const grpcStatus = answer.grpcStatus ?? (grpcWeb === undefined ? undefined : Number(grpcWeb));
  if (grpcStatus !== undefined) return FAULTS.has(grpcStatus);
  const connectCode = /"code":"([a-z_]+)"/.exec(answer.message)?.[1];
  if (answer.status >= 500) return connectCode === undefined || CONNECT_FAULTS.has(connectCode);
  return false;
}

describe('Product\'s gRPC port under malformed input', () => {
  it('when bytes that are not HTTP/2 or broken HTTP/2 frames arrive, then the server drops that connection and keeps serving', async () => {
    const garbage = [
      Buffer.from('GET /platform.product.v1.ProductCatalog/GetPrices HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('PRI * HTTP/2.0\r\n'),
      Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(5))]), // a SETTINGS frame of a length no setting has
      Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), frame(1, 0x4, 2, Buffer.from([0xff, 0xff, 0xff]))]), // HEADERS on an even stream, with broken HPACK
      Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), frame(0, 0, 1, Buffer.alloc(100))]), // DATA on an idle stream
      Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), frame(8, 0, 0, Buffer.from([0, 0, 0, 0]))]), // a zero window increment
      Buffer.concat([PREFACE, frame(4, 0, 0, Buffer.alloc(0)), frame(0x42, 0, 0, Buffer.alloc(16 * 1024 + 1))]), // an oversized unknown frame
    ];
    await Promise.all(garbage.map(sendRaw));
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 256 }), async (random) => {
      await sendRaw(Buffer.concat([PREFACE, Buffer.from(random)]));
    }), { numRuns: Math.ceil(RUNS / 3) });
    await stillServes();
  }, 60_000);

  it('when streams carry malformed calls, then each is answered and none is a server fault', async () => {
    // A deadline far beyond the limit must be refused without node's TimeoutOverflowWarning (serve-grpc.ts).
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    // The server may answer a 200 KB call before reading its body (RFC 9113 §8.1); node's client counts each unsent
    // rest against its session's memory (10 MB by default) and then refuses new streams (ENHANCE_YOUR_CALM) once
    // FUZZ_RUNS is raised past about 250. A larger budget keeps one session for the whole run.
    const connect = () => connectHttp2(server.url, { maxSessionMemory: 64 });
    const session = connect();
    session.on('error', () => {});
    const faults: Array<{ call: Call; answer: Answer }> = [];
    try {
      await fc.assert(
        fc.asyncProperty(call, async (generated) => {
          const live = session.closed || session.destroyed ? connect() : session;
          const answer = await send(live, generated);
          if (serverFault(answer)) faults.push({ call: { ...generated, body: generated.body.subarray(0, 64) }, answer });
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: 30_000, examples: [[WEB_WATCH_NOT_PROTOBUF]] },
      );
    } finally {
      session.close();
      process.off('warning', onWarning);
    }
    expect(faults).toEqual([]);
    expect(warnings.filter((name) => name === 'TimeoutOverflowWarning')).toEqual([]);
    await stillServes();
  }, 60_000);

  it.each([
    ['a truncated brotli body', 'br', [132, 151]],
    ['a truncated gzip body', 'gzip', [0x1f, 0x8b, 8]],
    ['gzip that is not gzip', 'gzip', [1, 2, 3]],
  ])('when a call sends %s, then compression is refused (UNIMPLEMENTED) before anything is inflated, never INTERNAL', async (_what, encoding, bytes) => {
    const session = connectHttp2(server.url);
    session.on('error', () => {});
    try {
      const answer = await send(session, {
        path: '/grpc.health.v1.Health/Check',
        headers: { 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': encoding },
        body: prefixed(1, bytes.length, new Uint8Array(bytes)),
      });
      expect(answer.grpcStatus).toBe(Code.Unimplemented);
    } finally {
      session.close();
    }
  });

  it('when a caller opens more streams than the server allows at once, then the extra ones wait or are refused and the server keeps serving', async () => {
    const session = connectHttp2(server.url, { peerMaxConcurrentStreams: 1000 });
    session.on('error', () => {});
    const health = { path: '/grpc.health.v1.Health/Check', headers: { 'content-type': 'application/grpc', te: 'trailers' }, body: prefixed(0, 0, new Uint8Array()) };
    // Not the fuzz tests' 3 s idle limit: a process paused that long on a loaded host ended accepted streams before
    // their answers (twice in runs of the whole suite beside other load: 85 of 128 served). Stopping the test process
    // 3.5 s at a time gives the same: 29 served, 99 "no answer", 172 refused; with 30 s, all 128 are served.
    const answers = await Promise.all(Array.from({ length: 300 }, () => send(session, health, 30_000).catch((error: NodeJS.ErrnoException) => `${error.code ?? ''} ${error.message}`)));
    session.close();
    const ok = answers.filter((a) => typeof a === 'object' && a.grpcStatus === 0).length;
    // How each call ended, said when the count falls short.
    const endings = answers.map((a) => (typeof a === 'string' ? a : `grpc-status ${a.grpcStatus}`)).reduce((count, end) => count.set(end, (count.get(end) ?? 0) + 1), new Map<string, number>());
    expect(ok, JSON.stringify([...endings])).toBeGreaterThanOrEqual(128);
    for (const a of answers) if (typeof a === 'string') expect(a).toMatch(/ERR_HTTP2_STREAM_ERROR|REFUSED|ERR_HTTP2/);
    await stillServes();
  }, 60_000);
});
