import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpApp } from '../../../../services/kit/http/app';
import { jsonBody } from '../../../../services/kit/http/json-body';
import { answerClientErrors } from '../../../../services/kit/http/client-errors';
import { serve, type RunningServer } from '../../../../services/kit/http/serve';
import { parseInput } from '../../../../services/kit/http/validate';
import { testLogger } from '../../../support/silent-logger';
import { capturingLogger, LEVEL, openSocket, rawRequest, readAnswer, type RawAnswer } from './raw-http';
import { eventually, within } from '../../../support/within';

const { logger, lines } = capturingLogger();

function sampleApp() {
  const routes = Router();
  routes.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  routes.post('/things', jsonBody, (req, res) => {
    res.status(201).json(parseInput(z.strictObject({ name: z.string() }), req.body));
  });
  return createHttpApp({ logger, routes, ready: async () => true, started: () => true, accessLog: false });
}

const app = sampleApp();
let server: RunningServer;
beforeAll(async () => {
  server = await serve(app, { port: 0, host: '127.0.0.1', logger });
});
afterAll(() => server.close());

function expectProblem(res: { status: number; headers: Record<string, unknown>; body: unknown }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(res.body).toMatchObject({ status, requestId: res.headers['x-request-id'] });
}

const rawProblem = (answer: RawAnswer) => ({ ...answer, body: JSON.parse(answer.body) as unknown });

/** POSTs these exact bytes to /things (supertest would send a Buffer as JSON of its own). */
async function postBytes(body: Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: (await res.json()) as Record<string, unknown> };
}

describe('a service, when the path does not percent-decode', () => {
  it.each(['/things/%ff', '/things/%E0%A4%A', '/things/%'])('when it is %s, then it answers a 404 problem, not a 500', async (path) => {
    const res = await request(app).get(path);
    expectProblem(res, 404);
    expect(lines.filter((line) => line.level >= LEVEL.error)).toEqual([]);
  });
});

describe('a service, when the body is not JSON', () => {
  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded', 'a=b'],
    ['plain text', 'text/plain', '{"name":"x"}'],
    ['of no declared type', 'application/octet-stream', 'a=b'],
  ])('when it is %s, then it answers 415 naming application/json', async (_what, type, body) => {
    const res = await request(app).post('/things').set('content-type', type).send(body);
    expectProblem(res, 415);
    expect(res.body.type).toBe('urn:problem-type:platform:unsupported-media-type');
    expect(res.body.detail).toContain('application/json');
  });

  it('when a JSON body comes with no Content-Type at all, then it answers 415', async () => {
    const answer = await rawRequest(server.url, 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{"name":"x"}');
    expectProblem(rawProblem(answer), 415);
  });

  it.each([
    ['UTF-16 (little-endian)', 'utf-16le', Buffer.from('{"name":"x"}', 'utf16le')],
    ['UTF-16, though its bytes are UTF-8', 'utf-16', Buffer.from('{"name":"x"}')],
    ['UTF-32', 'UTF-32', Buffer.from('{"name":"x"}')],
    ['Latin-1', 'iso-8859-1', Buffer.from('{"name":"x"}')],
    // Spellings another parser than body-parser's might read as no charset, while body-parser decodes UTF-16.
    ['UTF-16, with spaces around "="', ' = utf-16le', Buffer.from('{"name":"x"}', 'utf16le')],
    ['UTF-16, quoted', '"utf-16le"', Buffer.from('{"name":"x"}', 'utf16le')],
    ['UTF-16, named twice', 'utf-16le; charset=utf-8', Buffer.from('{"name":"x"}', 'utf16le')],
  ])('when it is JSON in %s, then it answers 415 asking for UTF-8, and the route never reads it', async (_what, charset, body) => {
    const res = await postBytes(body, { 'content-type': `application/json; charset${charset.startsWith(' ') ? '' : '='}${charset}` });
    expectProblem(res, 415);
    expect(res.body.detail).toContain('UTF-8');
  });

  it.each(['utf-8', 'UTF-8', '"utf-8"'])('when it declares charset=%s, then it is read', async (charset) => {
    const res = await request(app).post('/things').set('content-type', `application/json; charset=${charset}`).send('{"name":"x"}');
    expect(res.status).toBe(201);
  });

  it.each([
    ['a byte that is never UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x61, 0xff, 0xfe, 0x62, 0x22, 0x7d])],
    ['an overlong NUL', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')])],
    ['a truncated sequence', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')])],
  ])('when the body holds %s, then it answers 400 rather than storing U+FFFD', async (_what, body) => {
    const res = await postBytes(body);
    expectProblem(res, 400);
    expect(res.body).toMatchObject({ type: 'urn:problem-type:platform:malformed-json', detail: 'The request body is not valid UTF-8.' });
  });

  it('when a gzip body inflates to bytes that are not UTF-8, then it answers 400 too', async () => {
    const res = await postBytes(gzipSync(Buffer.from([0x7b, 0xff, 0x7d])), { 'content-encoding': 'gzip' });
    expectProblem(res, 400);
    expect(res.body.detail).toBe('The request body is not valid UTF-8.');
  });

  it('when the UTF-8 body starts with a byte order mark, then it is read', async () => {
    const res = await postBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"é"}')]));
    expect([res.status, res.body]).toEqual([201, { name: 'é' }]);
  });

  it('when there is no body, then the route decides (400 for a missing object)', async () => {
    expectProblem(await request(app).post('/things'), 400);
  });

  it('when the body is JSON with a +json type, then it is read', async () => {
    const res = await request(app).post('/things').set('content-type', 'application/merge-patch+json').send('{"name":"x"}');
    expect(res.status).toBe(201);
  });

  // body-parser 2.4 also inflates zstd wherever node:zlib has it (Node 22.15 and later): a sign-in the gateway's
  // per-account limits cannot read (gateway/credential-body.ts) was still answered by Identity.
  it.each(['zstd', 'ZSTD'])('when the body is compressed with %s, then it answers 415 naming the codings it takes, and the route never reads it', async (coding) => {
    const res = await postBytes(zstdCompressSync(Buffer.from('{"name":"x"}')), { 'content-encoding': coding });
    expectProblem(res, 415);
    expect(res.body.detail).toContain('gzip, deflate or br');
  });

  it('when the body is in a content coding the service does not take, then the 415 lists the ones it does in Accept-Encoding (RFC 9110 §15.5.16)', async () => {
    const res = await postBytes(zstdCompressSync(Buffer.from('{"name":"x"}')), { 'content-encoding': 'zstd' });
    expectProblem(res, 415);
    expect(res.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('when a gzip body does not inflate, then it answers 400, not 500', async () => {
    const broken = gzipSync('{"name":"x"}').subarray(0, 12);
    const res = await request(app).post('/things').set('content-type', 'application/json').set('content-encoding', 'gzip').send(broken);
    expectProblem(res, 400);
  });
});

describe('a service, when the body is JSON but no object', () => {
  // Strict body-parser let an array through to the route's first field check ("expected object, received array"),
  // and called `null`, `1` or `"x"` not valid JSON, which they are.
  it.each([
    ['[]', 'an array'],
    ['[{"name":"x"}]', 'an array'],
    [' \n[ ] ', 'an array'],
    ['null', 'null'],
    ['1', 'a number'],
    ['"x"', 'a string'],
    ['true', 'a boolean'],
  ])('when it is %j, then it answers 400 validation-failed saying the body must be a JSON object, not %s', async (body, kind) => {
    const res = await postBytes(Buffer.from(body));
    expectProblem(res, 400);
    expect(res.body).toMatchObject({
      type: 'urn:problem-type:platform:validation-failed',
      detail: `The request body must be a JSON object, not ${kind}.`,
      errors: [{ path: '(body)', message: 'must be a JSON object' }],
    });
    expect(lines.filter((line) => line.level >= LEVEL.error)).toEqual([]);
  });
});

describe('a service, when the framing headers are unsound', () => {
  const withBody = 'Content-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{"name":"x"}';
  it.each([
    ['two Host headers', `Host: a.example\r\nHost: b.example\r\n${withBody}`],
    ['a Host that is no host name', `Host: a b\r\n${withBody}`],
    ['a transfer coding other than chunked (nobody here would un-gzip it)', 'Host: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\nc\r\n{"name":"x"}\r\n0\r\n\r\n'],
  ])('when it has %s, then it answers a 400 problem, not the route', async (_what, rest) => {
    const answer = rawProblem(await rawRequest(server.url, `POST /things HTTP/1.1\r\n${rest}`));
    expectProblem(answer, 400);
    expect(answer.body).toMatchObject({ type: 'urn:problem-type:platform:bad-request' });
  });

  it('when the body is chunked, and the Host has a port, then the route reads it', async () => {
    const answer = await rawRequest(server.url, 'POST /things HTTP/1.1\r\nHost: [::1]:3001\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nc\r\n{"name":"x"}\r\n0\r\n\r\n');
    expect(answer.status).toBe(201);
  });
});

describe('a service, when the client stops sending the body', () => {
  it('when the connection closes mid-body, then it is logged at info, with no error and no stack trace', async () => {
    const socket = await openSocket(server.url);
    socket.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":');
    await eventually('the body\'s first bytes sent', () => socket.bytesWritten > 0, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await eventually('the aborted body logged', () => lines.some((line) => line.msg === 'client aborted the request body'), 5_000);
    const aborted = lines.find((line) => line.msg === 'client aborted the request body');
    expect(aborted?.level).toBe(LEVEL.info);
    expect(lines.filter((line) => line.level >= LEVEL.warn)).toEqual([]);
  });
});

describe('a service, when node:http cannot parse the request', () => {
  it('when the bytes are not HTTP, then it answers a 400 problem+json with a request id', async () => {
    const answer = rawProblem(await rawRequest(server.url, 'HELLO THERE\r\n\r\n'));
    expectProblem(answer, 400);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('when the headers are over the size limit, then it answers a 431 problem+json', async () => {
    const answer = rawProblem(await rawRequest(server.url, `GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`));
    expectProblem(answer, 431);
    expect(answer.body).toMatchObject({ type: 'urn:problem-type:platform:headers-too-large', instance: '/things/1' });
  });

  it('when a request does not arrive in time, then it answers a 408 problem+json', async () => {
    const slow = createServer({ requestTimeout: 200, headersTimeout: 200, connectionsCheckingInterval: 50 }, app);
    answerClientErrors(slow, testLogger);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
      const answer = rawProblem(await rawRequest(url, 'POST /things HTTP/1.1\r\nHost: x\r\n'));
      expectProblem(answer, 408);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });
});

describe('a service, when node:http would answer the request itself', () => {
  it('when an HTTP/1.1 request has no Host header, then it answers a 400 problem+json with its request id, and closes the connection', async () => {
    const socket = await openSocket(server.url);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const answer = readAnswer(socket);
    socket.write('GET /things/1 HTTP/1.1\r\nX-Request-Id: no-host-1\r\n\r\n');
    const problem = rawProblem(await answer);
    expectProblem(problem, 400);
    expect(problem.headers['x-request-id']).toBe('no-host-1');
    expect(problem.headers['x-content-type-options']).toBe('nosniff');
    expect(problem.headers.connection).toBe('close');
    expect(problem.body).toMatchObject({ type: 'urn:problem-type:platform:bad-request', instance: '/things/1' });
    await closed;
  });

  it.each(['Expect: 200-ok', 'Expect: 100-continue'])('when an HTTP/1.1 request without Host says %s, then the missing Host is its answer (400, no 100 Continue, closed)', async (expect_) => {
    const socket = await openSocket(server.url);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const answer = readAnswer(socket);
    socket.write(`POST /things HTTP/1.1\r\n${expect_}\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n`);
    const problem = rawProblem(await answer);
    expectProblem(problem, 400);
    expect(problem.headers.connection).toBe('close');
    expect(problem.body).toMatchObject({ type: 'urn:problem-type:platform:bad-request' });
    await closed;
  });

  // Without a 'connect' listener node closes the socket unanswered: the client saw a hang-up, not a problem.
  it('when the request is a CONNECT, as to a forward proxy, then it answers a 405 problem+json with its request id and Allow, and closes the connection', async () => {
    const socket = await openSocket(server.url);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const answer = readAnswer(socket);
    socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nX-Request-Id: tunnel-1\r\n\r\n');
    const problem = rawProblem(await answer);
    expectProblem(problem, 405);
    expect(problem.headers['x-request-id']).toBe('tunnel-1');
    expect(problem.headers['x-content-type-options']).toBe('nosniff');
    expect(problem.headers.allow).toContain('GET');
    expect(problem.headers.allow).not.toContain('CONNECT');
    expect(problem.body).toMatchObject({ type: 'urn:problem-type:platform:method-not-allowed' });
    await closed;
  });

  it('when an HTTP/1.0 request has no Host header, then the app answers it as usual', async () => {
    const answer = await rawRequest(server.url, 'GET /things/1 HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ id: '1' });
  });

  it('when the request expects anything but 100-continue, then it answers a 417 problem+json with a request id, and the connection serves the next request', async () => {
    const socket = await openSocket(server.url);
    try {
      const answer = readAnswer(socket);
      socket.write('POST /things HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"x"}');
      const problem = rawProblem(await answer);
      expectProblem(problem, 417);
      expect(problem.headers['x-request-id']).toMatch(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/);
      expect(problem.headers['x-content-type-options']).toBe('nosniff');
      expect(problem.body).toMatchObject({ type: 'urn:problem-type:platform:expectation-failed', title: 'Expectation Failed', instance: '/things' });
      const next = readAnswer(socket);
      socket.write('GET /things/2 HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await next).status).toBe(200);
    } finally {
      socket.destroy();
    }
  });

  // body-parser read a declared oversize body to its end before its 413: 50 MB, or until the body's 30 s deadline.
  it('when a request declares a body over 1 MiB, then the 413 comes at once, with none of the body sent', async () => {
    const socket = await openSocket(server.url);
    try {
      const answer = readAnswer(socket);
      socket.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{"name":');
      const problem = rawProblem(await within(5_000, 'the 413', answer));
      expectProblem(problem, 413);
      expect(problem.body).toMatchObject({ type: 'urn:problem-type:platform:body-too-large' });
    } finally {
      socket.destroy();
    }
  });

  it('when a request that expects 100-continue declares a body over 1 MiB, then it gets no 100 Continue, only the 413', async () => {
    const socket = await openSocket(server.url);
    try {
      const answer = readAnswer(socket);
      socket.write('POST /things HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n');
      const first = await within(5_000, 'the answer', answer);
      expect(first.status).toBe(413);
    } finally {
      socket.destroy();
    }
  });

  it('when a request declares a body over 1 MiB on a route with no body, then the route\'s own answer (404) still comes first', async () => {
    const socket = await openSocket(server.url);
    try {
      const answer = readAnswer(socket);
      socket.write('POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n');
      expect((await within(5_000, 'the answer', answer)).status).toBe(404);
    } finally {
      socket.destroy();
    }
  });

  it('when the request expects 100-continue, then it reads 100 Continue, sends its body, and gets the app\'s answer', async () => {
    const socket = await openSocket(server.url);
    try {
      const interim = readAnswer(socket);
      socket.write('POST /things HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n');
      expect((await interim).status).toBe(100);
      const final = readAnswer(socket);
      socket.write('{"name":"x"}');
      const answer = await final;
      expect(answer.status).toBe(201);
      expect(JSON.parse(answer.body)).toEqual({ name: 'x' });
    } finally {
      socket.destroy();
    }
  });
});
