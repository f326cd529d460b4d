/**
 * Requests connect-es cannot read are the caller's mistakes: INVALID_ARGUMENT in every protocol, unary or streaming,
 * each with its one log line (method and code) at info, never a fault the deployment alarm or Billing's breaker
 * counts. connect-es alone answered them INTERNAL (or UNIMPLEMENTED), and a unary call's with no line at all.
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import { Writable } from 'node:stream';
import { Code } from '@connectrpc/connect';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { grpcHealth } from '../../../../services/kit/grpc/health';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
    done();
  },
});
let server: RunningGrpcServer;
let session: ClientHttp2Session;

beforeAll(async () => {
  const logger = pino({ level: 'info' }, sink);
  server = await serveGrpc({ port: 0, host: '127.0.0.1', logger, routes: (router) => grpcHealth(router, { ready: async () => true, services: [] }) });
  session = connect(server.url);
});
afterAll(async () => {
  session?.close();
  await server?.close();
});
beforeEach(() => void (lines.length = 0));

/** A gRPC length-prefixed message: flags, 32-bit length, bytes. */
const envelope = (bytes: number[], flags = 0) => Buffer.concat([Buffer.from([flags, 0, 0, 0, bytes.length]), Buffer.from(bytes)]);
const NOT_PROTOBUF = [0xff, 0xff, 0xff];
const GRPC = { 'content-type': 'application/grpc', te: 'trailers' };

/** Sends one call; answers its gRPC code (header, trailer or gRPC-Web's body trailer) or the Connect error's code. */
function call(method: 'Check' | 'Watch', headers: Record<string, string>, body: Buffer): Promise<{ code?: number; connectCode?: string; httpStatus: number }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': `/grpc.health.v1.Health/${method}`, ...headers });
    let httpStatus = 0;
    let code: number | undefined;
    let text = '';
    stream.on('response', (h) => ((httpStatus = Number(h[':status'])), h['grpc-status'] !== undefined && (code = Number(h['grpc-status']))));
    stream.on('trailers', (h) => void (code = Number(h['grpc-status'])));
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    stream.on('end', () => {
      const web = /grpc-status: ?(\d+)/.exec(text)?.[1];
      resolve({ code: code ?? (web === undefined ? undefined : Number(web)), connectCode: /"code":"([a-z_]+)"/.exec(text)?.[1], httpStatus });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

/** The call's lines, once connect-es has logged them (after the answer). */
async function rpcLines() {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return lines.filter((line) => line.msg === 'rpc').map(({ rpc, code, level, fault }) => ({ rpc, code, level, fault }));
}

describe('requests connect-es cannot read', () => {
  it.each([
    ['gRPC, unary, bytes that are not protobuf', 'Check', GRPC, envelope(NOT_PROTOBUF)],
    ['gRPC, streaming, bytes that are not protobuf', 'Watch', GRPC, envelope(NOT_PROTOBUF)],
    ['gRPC, unary, no message', 'Check', GRPC, Buffer.alloc(0)],
    ['gRPC, unary, two messages', 'Check', GRPC, Buffer.concat([envelope([]), envelope([])])],
    ['gRPC, streaming, no message', 'Watch', GRPC, Buffer.alloc(0)],
    ['gRPC, a message flagged compressed on a call that named no encoding', 'Check', GRPC, envelope([], 1)],
    ['gRPC-Web, bytes that are not protobuf', 'Check', { 'content-type': 'application/grpc-web+proto' }, envelope(NOT_PROTOBUF)],
  ] as const)('when a call sends %s, then it is INVALID_ARGUMENT, logged once at info with its method and code', async (_what, method, headers, body) => {
    expect((await call(method, headers, body)).code).toBe(Code.InvalidArgument);
    expect(await rpcLines()).toEqual([{ rpc: `grpc.health.v1.Health/${method}`, code: 'invalid_argument', level: 30, fault: undefined }]);
  });

  it('when the deadline passes before bytes that are not protobuf are read, then the answer is still no INTERNAL', async () => {
    // Whichever wins the race is an answer: connect-es ends the call with the parse error even past the deadline.
    const { code } = await call('Check', { ...GRPC, 'grpc-timeout': '1n' }, envelope(NOT_PROTOBUF));
    expect([Code.InvalidArgument, Code.DeadlineExceeded]).toContain(code);
    expect(await rpcLines()).toEqual([{ rpc: 'grpc.health.v1.Health/Check', code: code === Code.InvalidArgument ? 'invalid_argument' : 'deadline_exceeded', level: 30, fault: undefined }]);
  });

  it('when a Connect streaming call sends bytes that are not protobuf, then its end-of-stream error is invalid_argument', async () => {
    expect(await call('Watch', { 'content-type': 'application/connect+proto' }, envelope(NOT_PROTOBUF))).toMatchObject({ httpStatus: 200, connectCode: 'invalid_argument' });
    expect(await rpcLines()).toEqual([{ rpc: 'grpc.health.v1.Health/Watch', code: 'invalid_argument', level: 30, fault: undefined }]);
  });

  it.each([
    ['bytes that are not protobuf', 'application/proto', Buffer.from(NOT_PROTOBUF)],
    ['text that is not JSON', 'application/json', Buffer.from('{{')],
    ['JSON of the wrong shape', 'application/json', Buffer.from('{"service":5}')],
  ])('when a Connect unary call sends %s, then it is HTTP 400 invalid_argument, logged once at info', async (_what, contentType, body) => {
    expect(await call('Check', { 'content-type': contentType }, body)).toMatchObject({ httpStatus: 400, connectCode: 'invalid_argument' });
    expect(await rpcLines()).toEqual([{ rpc: 'grpc.health.v1.Health/Check', code: 'invalid_argument', level: 30, fault: undefined }]);
  });

  it('when a call names an encoding the server does not accept, then it is UNIMPLEMENTED (the compression spec) and logged at info, no fault', async () => {
    expect((await call('Check', { ...GRPC, 'grpc-encoding': 'lol' }, envelope([]))).code).toBe(Code.Unimplemented);
    expect(await rpcLines()).toEqual([{ rpc: 'grpc.health.v1.Health/Check', code: 'unimplemented', level: 30, fault: undefined }]);
  });

  it('when a deadline header cannot be read, then the call is INVALID_ARGUMENT and still has its line', async () => {
    expect((await call('Check', { ...GRPC, 'grpc-timeout': 'soon' }, envelope([]))).code).toBe(Code.InvalidArgument);
    expect(await rpcLines()).toEqual([{ rpc: 'grpc.health.v1.Health/Check', code: 'invalid_argument', level: 30, fault: undefined }]);
  });

  it('when a call is well formed, then it has one line, not a second one from the request gate', async () => {
    expect((await call('Check', GRPC, envelope([]))).code).toBe(0);
    expect(await rpcLines()).toEqual([{ rpc: 'grpc.health.v1.Health/Check', code: 'ok', level: 30, fault: undefined }]);
  });
});
