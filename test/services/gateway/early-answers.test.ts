/**
 * Answers the gateway gives before it has read the request's body (413, 401, 503, …) must reach a client that is
 * still sending it: the gateway drains the body instead of cutting the connection under the client.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteDefinition } from '../../../services/contracts/routes';
import { securityHeaderFields } from '../../../services/kit/http/security-headers';
import { capturingLogger, LEVEL, openSocket, rawRequest, readAnswer } from '../kit/http/raw-http';
import { call, listen, startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';
import { eventually } from '../../support/within';

const MAX_BODY = 1024 * 1024;
/** Nothing listens on port 1 of the loopback: connecting is refused at once. */
const unreachable = 'http://127.0.0.1:1';
/**
 * A public route that takes a large body: sign-up's path without the credential routes' account limits, which
 * refuse a body over 64 KiB before any service is asked (per-client-limits.test.ts).
 */
const plainBodyRoutes: RouteDefinition[] = [{ method: 'POST', path: '/identity/signup', service: 'identity', auth: 'public', scopes: [] }];

const { logger, lines } = capturingLogger();
let upstreams: Upstreams;
let gateway: TestServer;

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  gateway = await startTestGateway({ upstreams: { ...upstreams.urls, billing: unreachable }, maxBodyBytes: MAX_BODY, logger });
});
afterAll(async () => {
  await gateway?.close();
  await upstreams?.close();
});

const finished = (socket: Socket) =>
  new Promise<string>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('close', () => resolve('closed'));
  });

describe('when the body is over the limit and the client goes on sending it', () => {
  it('then the client reads the 413, finishes sending without a reset, and the connection serves the next request', async () => {
    const socket = await openSocket(gateway.url);
    const outcome = finished(socket);
    const answer = readAnswer(socket);
    socket.write(`POST /identity/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${3 * MAX_BODY}\r\n\r\n`);
    const first = await answer;
    expect(first.status).toBe(413);
    expect(JSON.parse(first.body)).toMatchObject({ type: 'urn:problem-type:platform:body-too-large', detail: 'The request body is larger than 1 MiB.', requestId: first.headers['x-request-id'] });
    // Only now the body: a gateway that closed after its answer resets the connection under these writes.
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.write(Buffer.alloc(MAX_BODY, 'a'));
    }
    const next = readAnswer(socket);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await next).status).toBe(200);
    socket.end();
    expect(await outcome).toBe('closed');
  });

  it('then fetch, which sends the whole body before it reads, gets the 413 every time', async () => {
    const body = Buffer.alloc(11 * MAX_BODY, 'a');
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${gateway.url}/identity/signup`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      await res.text();
    }
  });

  it('then a chunked body that grows past the limit gets its 413 too, and the connection is not reset', async () => {
    const socket = await openSocket(gateway.url);
    const outcome = finished(socket);
    const answer = readAnswer(socket);
    socket.write('POST /identity/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(256 * 1024, 'a');
    for (let i = 0; i < 6; i++) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    expect((await answer).status).toBe(413);
    for (let i = 0; i < 4; i++) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    socket.end('0\r\n\r\n');
    expect(await outcome).toBe('closed');
  });
});

describe('when the service cannot be reached and the request has a body', () => {
  it('then the client reads the 503 instead of a cut connection', async () => {
    const down = await startTestGateway({ upstreams: { identity: unreachable, product: unreachable, billing: unreachable }, routes: plainBodyRoutes });
    try {
      for (const size of [10, 512 * 1024]) {
        const res = await fetch(`${down.url}/identity/signup`, {
          method: 'POST',
          body: Buffer.alloc(size, 'a'),
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ type: 'urn:problem-type:platform:service-unavailable' });
      }
    } finally {
      await down.close();
    }
  });

  it('then, when the service drops the connection in the middle of the body, the client reads the 502', async () => {
    const dropping = await listen(createServer((req) => req.once('data', () => req.socket.destroy())));
    const edge = await startTestGateway({ upstreams: { identity: dropping.url, product: unreachable, billing: unreachable }, maxBodyBytes: 8 * MAX_BODY, routes: plainBodyRoutes });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${edge.url}/identity/signup`, {
          method: 'POST',
          body: Buffer.alloc(4 * MAX_BODY, 'a'),
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(502);
        expect(await res.json()).toMatchObject({ type: 'urn:problem-type:platform:bad-gateway' });
      }
    } finally {
      await edge.close();
      await dropping.close();
    }
  });
});

describe('when the service answers before it has read the whole body', () => {
  it('then the rest of the body is drained, and the client\'s keep-alive connection serves its next request', async () => {
    // Answers at once, as a service does with a 415 for a body it will not read.
    const hasty = await listen(createServer((_req, res) => res.writeHead(415, { 'content-type': 'application/problem+json' }).end('{}')));
    const edge = await startTestGateway({ upstreams: { identity: hasty.url, product: unreachable, billing: unreachable }, maxBodyBytes: 8 * MAX_BODY, routes: plainBodyRoutes });
    const client = new Client(edge.url);
    try {
      const body = Buffer.alloc(2 * MAX_BODY, 'a');
      for (let i = 0; i < 3; i++) {
        const res = await client.request({ method: 'POST', path: '/identity/signup', headers: { 'content-type': 'text/plain' }, body, signal: AbortSignal.timeout(3_000) });
        expect(res.statusCode).toBe(415);
        await res.body.text();
      }
    } finally {
      await client.close();
      await edge.close();
      await hasty.close();
    }
  });
});

describe('when the client leaves in the middle of its body', () => {
  it('then the gateway logs it at info, with no error line, and with no status: nothing was answered', async () => {
    lines.length = 0;
    const socket = await openSocket(gateway.url);
    socket.write('POST /identity/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"email":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await eventually('the aborted request logged', () => lines.some((line) => line.msg === 'request' && line.aborted === true), 5_000);
    expect(lines.filter((line) => line.level >= LEVEL.warn)).toEqual([]);
    // node's default statusCode is 200: logged as such, an abandoned sign-in read as a success.
    expect(lines.find((line) => line.msg === 'request')?.status).toBeNull();
  });
});

describe('the answers the gateway gives itself', () => {
  const security = securityHeaderFields();
  const expectSecurityHeaders = (headers: Record<string, unknown>, except: string[] = []) => {
    for (const [name, value] of Object.entries(security)) if (!except.includes(name)) expect(headers[name], name).toBe(value);
  };

  it.each([
    ['a 404', 'GET', '/nowhere', 404],
    ['a 405', 'DELETE', '/health', 405],
    ['a 401', 'GET', '/identity/me', 401],
    ['a 503', 'GET', '/billing/openapi.json', 503],
    ['/health', 'GET', '/health', 200],
  ])('when it is %s, then it carries the services\' security headers', async (_what, method, path, status) => {
    const answer = await call(gateway.url, method, path);
    expect(answer.status).toBe(status);
    expectSecurityHeaders(answer.headers);
  });

  it('when it is the 413, then it carries them too', async () => {
    const answer = await call(gateway.url, 'POST', '/identity/signup', { body: 'x'.repeat(MAX_BODY + 1) });
    expect(answer.status).toBe(413);
    expectSecurityHeaders(answer.headers);
  });

  it('when it is the 429, then it carries them too', async () => {
    const closed = await startTestGateway({ upstreams: upstreams.urls, throttleOverride: { rateLimit: 0, burstLimit: 0 } });
    try {
      const answer = await call(closed.url, 'GET', '/products');
      expect(answer.status).toBe(429);
      expectSecurityHeaders(answer.headers);
    } finally {
      await closed.close();
    }
  });

  it('when it is /docs, then it carries them with the page\'s own Content-Security-Policy', async () => {
    const answer = await call(gateway.url, 'GET', '/docs');
    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer.headers, ['content-security-policy']);
    expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('when the bytes are not HTTP, then it answers a 400 problem+json with a request id and the headers', async () => {
    const answer = await rawRequest(gateway.url, 'HELLO\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 400, requestId: answer.headers['x-request-id'] });
    expectSecurityHeaders(answer.headers);
  });
});

describe('when a client sends CONNECT, as to a forward proxy', () => {
  it('then it reads a 405 problem+json with a request id, an Allow header and the security headers, and the connection closes', async () => {
    const socket = await openSocket(gateway.url);
    const closed = finished(socket);
    socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nX-Request-Id: tunnel-1\r\n\r\n');
    const answer = await readAnswer(socket);
    expect(answer.status).toBe(405);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers['x-request-id']).toBe('tunnel-1');
    expect(answer.headers.allow).toContain('GET');
    expect(answer.headers.allow).not.toContain('CONNECT');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 405, requestId: 'tunnel-1' });
    for (const [name, value] of Object.entries(securityHeaderFields())) expect(answer.headers[name], name).toBe(value);
    expect(await closed).toBe('closed');
  });
});

describe('when node:http would answer a request itself', () => {
  const expectProblem = (answer: { status: number; headers: Record<string, string>; body: string }, status: number, type: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers['x-request-id']).toBeTruthy();
    expect(JSON.parse(answer.body)).toMatchObject({ type: `urn:problem-type:platform:${type}`, status, requestId: answer.headers['x-request-id'] });
    for (const [name, value] of Object.entries(securityHeaderFields())) expect(answer.headers[name], name).toBe(value);
  };

  it('when an HTTP/1.1 request has no Host header, then it reads a 400 problem+json with its request id, and the connection closes', async () => {
    const socket = await openSocket(gateway.url);
    const closed = finished(socket);
    const answer = readAnswer(socket);
    socket.write('GET /products HTTP/1.1\r\nX-Request-Id: no-host-1\r\n\r\n');
    const problem = await answer;
    expectProblem(problem, 400, 'bad-request');
    expect(problem.headers['x-request-id']).toBe('no-host-1');
    expect(await closed).toBe('closed');
    expect(upstreams.byService.product.seen.filter((seen) => seen.headers['x-request-id'] === 'no-host-1')).toEqual([]);
  });

  /** Everything the gateway sends until it closes the connection (the echo's answers carry no Content-Length). */
  const untilClosed = (socket: Socket) =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.once('error', reject);
      socket.once('close', () => resolve(text));
    });

  it('when an HTTP/1.0 request has no Host header, then it is forwarded as usual', async () => {
    const socket = await openSocket(gateway.url);
    const text = untilClosed(socket);
    socket.write('GET /products HTTP/1.0\r\n\r\n');
    const answer = await text;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"service":"product"');
  });

  it('when the request expects anything but 100-continue, then it reads a 417 problem+json with a request id, and nothing is forwarded', async () => {
    const before = upstreams.byService.identity.seen.length;
    const answer = await rawRequest(
      gateway.url,
      'POST /identity/signup HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    );
    expectProblem(answer, 417, 'expectation-failed');
    expect(upstreams.byService.identity.seen.length).toBe(before);
  });

  // As at a service (auth-before-body.test.ts): 100 Continue only once the body is wanted, past the token check.
  it('when a guarded route\'s request expects 100-continue and carries no token, then its first answer is the 401, and no 100 Continue asks for the body', async () => {
    const socket = await openSocket(gateway.url);
    try {
      const first = readAnswer(socket);
      socket.write('POST /billing/invoices HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n');
      expectProblem(await first, 401, 'unauthorized');
    } finally {
      socket.destroy();
    }
  });

  it('when the request expects 100-continue, then it reads 100 Continue, sends its body, and gets the service\'s answer', async () => {
    const socket = await openSocket(gateway.url);
    try {
      const interim = readAnswer(socket);
      const body = '{"email":"continue@example.com","password":"correct horse battery"}';
      socket.write(`POST /identity/signup HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      expect((await interim).status).toBe(100);
      const final = untilClosed(socket);
      socket.write(body);
      const answer = await final;
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toContain('"service":"identity"');
      expect(answer).toContain('continue@example.com');
    } finally {
      socket.destroy();
    }
  });
});
