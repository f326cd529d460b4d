import { IncomingMessage, ServerResponse, type RequestListener } from 'node:http';
import { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpApp } from '../../../../services/kit/http/app';
import { serverOptionsFor } from '../../../../services/kit/http/express-server-classes';
import { serve, type RunningServer } from '../../../../services/kit/http/serve';
import { parseInput } from '../../../../services/kit/http/validate';
import { testLogger } from '../../../support/silent-logger';

function sampleApp() {
  const routes = Router();
  routes.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id, ip: req.ip, query: req.query });
  });
  routes.post('/things', (req, res) => {
    res.status(201).location('/things/1').json(parseInput(z.strictObject({ name: z.string() }), req.body));
  });
  return createHttpApp({ logger: testLogger, routes, ready: async () => true, accessLog: false });
}

/** The prototypes of each request and response as node:http hands them over, before any listener runs. */
function recordArrivals(running: RunningServer) {
  const seen: { request: object | null; response: object | null }[] = [];
  running.server.prependListener('request', (req, res) => {
    seen.push({ request: Object.getPrototypeOf(req) as object, response: Object.getPrototypeOf(res) as object });
  });
  return seen;
}

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('serverOptionsFor', () => {
  it('when the listener is not an Express app, then node keeps its own classes', () => {
    const bare: RequestListener = (_req, res) => res.end();
    expect(serverOptionsFor(bare)).toEqual({});
  });

  it('when an Express app is served, then requests and responses arrive with its prototypes already', async () => {
    const app = sampleApp();
    running = await serve(app, { port: 0, host: '127.0.0.1', logger: testLogger });
    const seen = recordArrivals(running);

    await fetch(`${running.url}/things/1`);
    await fetch(`${running.url}/things/2`);

    expect(seen).toEqual([
      { request: app.request, response: app.response },
      { request: app.request, response: app.response },
    ]);
    const [first] = seen;
    expect(first!.request).toBeInstanceOf(IncomingMessage);
    expect(first!.response).toBeInstanceOf(ServerResponse);
  });

  it('when a bare listener is served, then its requests are node IncomingMessages as before', async () => {
    running = await serve((_req, res) => res.end('ok'), { port: 0, host: '127.0.0.1', logger: testLogger });
    const seen = recordArrivals(running);
    expect(await (await fetch(running.url)).text()).toBe('ok');
    expect(seen).toEqual([{ request: IncomingMessage.prototype, response: ServerResponse.prototype }]);
  });
});

describe('an Express app served with its own classes', () => {
  it('when routes read params, query and the client address, then Express answers as usual', async () => {
    running = await serve(sampleApp(), { port: 0, host: '127.0.0.1', logger: testLogger });
    const res = await fetch(`${running.url}/things/abc?x=1`, { headers: { 'x-request-id': 'req-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ id: 'abc', ip: '127.0.0.1', query: { x: '1' } });
  });

  it('when a JSON body is posted, then it is parsed and validated, and the answer carries status and headers', async () => {
    running = await serve(sampleApp(), { port: 0, host: '127.0.0.1', logger: testLogger });
    const post = (body: string) => fetch(`${running!.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    const created = await post('{"name":"a"}');
    expect([created.status, created.headers.get('location'), await created.json()]).toEqual([201, '/things/1', { name: 'a' }]);
    const invalid = await post('{"name":"a","admin":true}');
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([400, 'application/problem+json; charset=utf-8']);
  });

  it('when a path or method is unknown, then the error handler still answers 404 and 405 problems', async () => {
    running = await serve(sampleApp(), { port: 0, host: '127.0.0.1', logger: testLogger });
    const missing = await fetch(`${running.url}/nope`);
    const wrongMethod = await fetch(`${running.url}/things/1`, { method: 'DELETE' });
    expect([missing.status, ((await missing.json()) as { status: number }).status]).toEqual([404, 404]);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });
});
