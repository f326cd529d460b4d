/**
 * API Gateway's own payload limit (10 MiB): its front end refuses a larger body with 413 before anything else, on
 * any path and method. The gateway does the same, whether the body declares its length or comes in chunks (counted
 * as they come, and read no further once over), then closes the connection without resetting it.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket, readAnswer, type RawAnswer } from '../kit/http/raw-http';
import { startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';

const LIMIT = 10 * 1024 * 1024;
const ORIGIN = 'http://app.localhost:5173';
const CHUNK = Buffer.alloc(1024 * 1024, 'a');
const chunkOf = (bytes: Buffer) => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);

let upstreams: Upstreams;
let gateway: TestServer;

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  gateway = await startTestGateway({ upstreams: upstreams.urls, corsOrigins: [ORIGIN] });
});
afterAll(async () => {
  await gateway?.close();
  await upstreams?.close();
});

/** Every kind of request the gateway meets: routed or not, answered by itself or by a service, guarded or not. */
const requests = [
  ['an unknown path', 'POST /nowhere', ''],
  ['/health', 'GET /health', ''],
  ['a method the path does not take (405)', 'PUT /health', ''],
  ['a CORS preflight', 'OPTIONS /billing/invoices', `Origin: ${ORIGIN}\r\nAccess-Control-Request-Method: POST\r\n`],
  ['a public route', 'POST /identity/signup', ''],
  ['a guarded route, without a token', 'POST /billing/invoices', ''],
] as const;

/** How the connection ended: `closed` (the gateway's FIN, then the close) or the error a reset gives. */
const ending = (socket: Socket) =>
  new Promise<string>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('close', () => resolve('closed'));
  });

function expectEdge413(answer: RawAnswer): void {
  expect(answer.status).toBe(413);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(answer.headers.connection).toBe('close');
  expect(JSON.parse(answer.body)).toMatchObject({
    type: 'urn:problem-type:platform:body-too-large',
    detail: 'The request body is larger than 10 MiB.',
    requestId: answer.headers['x-request-id'],
  });
}

/** Opens a connection, sends the request line and headers, and starts reading the first answer. */
async function begin(start: string, headers: string, framing: string): Promise<{ socket: Socket; answer: Promise<RawAnswer>; ended: Promise<string> }> {
  const socket = await openSocket(gateway.url);
  const ended = ending(socket);
  const answer = readAnswer(socket);
  socket.write(`${start} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}${framing}\r\n`);
  return { socket, answer, ended };
}

describe('when a body declares a length over 10 MiB', () => {
  it.each(requests)('when it is %s, then it is answered 413 unread, and the connection closes without a reset while the client still sends', async (_what, start, headers) => {
    const { socket, answer, ended } = await begin(start, headers, `Content-Length: ${LIMIT + 1}\r\n`);
    expectEdge413(await answer);
    // Sent after the answer: a gateway that destroyed the socket at once resets the connection under these writes.
    for (let i = 0; i < 3; i++) socket.write(CHUNK);
    socket.end();
    expect(await ended).toBe('closed');
  });
});

describe('when a chunked body grows past 10 MiB', () => {
  it.each(requests.filter(([what]) => !what.includes('route')))(
    'when it is %s, then it is answered 413 as soon as the limit is passed, before the body ends, and the gateway closes the connection',
    async (_what, start, headers) => {
      const { socket, answer, ended } = await begin(start, headers, 'Transfer-Encoding: chunked\r\n');
      for (let i = 0; i <= LIMIT / CHUNK.length; i++) socket.write(chunkOf(CHUNK));
      // No last chunk: only the gateway's counting can end this body.
      expectEdge413(await answer);
      expect(await ended).toBe('closed');
    },
  );

  // A route's body is read only past the authorizer and the client's buckets, within the services' 1 MiB.
  it.each([
    [413, 'a public route (the services\' limit, 1 MiB)', 'POST /identity/signup'],
    [401, 'a guarded route without a token (the authorizer decides before the body is read)', 'POST /billing/invoices'],
  ] as const)('then the %i it gets first on %s is the answer, and past 10 MiB more the gateway closes the connection', async (status, _what, start) => {
    const { socket, answer, ended } = await begin(start, '', 'Transfer-Encoding: chunked\r\n');
    socket.write(chunkOf(CHUNK));
    socket.write(chunkOf(CHUNK));
    expect((await answer).status).toBe(status);
    const closedBy = new Promise<number>((resolve) => socket.once('end', () => resolve(performance.now())));
    const sent = performance.now();
    for (let i = 0; i <= LIMIT / CHUNK.length; i++) socket.write(chunkOf(CHUNK));
    // Well before the 5 s a client may go on sending after an answer: the count, not the clock, ended it.
    expect((await closedBy) - sent).toBeLessThan(4_000);
    expect(await ended).toBe('closed');
  });
});

describe('when a chunked body within 10 MiB comes to a path the gateway answers itself', () => {
  it('then it is read and dropped, the answer is the usual one, and the connection serves the next request', async () => {
    const { socket, answer } = await begin('GET /health', '', 'Transfer-Encoding: chunked\r\n');
    socket.write(Buffer.concat([chunkOf(CHUNK), Buffer.from('0\r\n\r\n')]));
    expect((await answer).status).toBe(200);
    const next = readAnswer(socket);
    socket.write('POST /nowhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
    expect((await next).status).toBe(404);
    socket.destroy();
  });
});
