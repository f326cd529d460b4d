import { createServer, IncomingMessage, ServerResponse, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpApp } from '../../../../services/kit/http/app';
import { jsonBody } from '../../../../services/kit/http/json-body';
import { GAINS_BEFORE_NODE_MAJOR, serverOptionsFor } from '../../../../services/kit/http/express-server-classes';
import { serve, type RunningServer } from '../../../../services/kit/http/serve';
import { parseInput } from '../../../../services/kit/http/validate';
import { testLogger } from '../../../support/silent-logger';

function sampleApp() {
  const routes = Router();
  routes.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id, ip: req.ip, query: req.query });
  });
  routes.post('/things', jsonBody, (req, res) => {
    res.status(201).location('/things/1').json(parseInput(z.strictObject({ name: z.string() }), req.body));
  });
  return createHttpApp({ logger: testLogger, routes, ready: async () => true, started: () => true, accessLog: false });
}

/** The prototypes of each request and response as node:http hands them over, before any listener runs. */
function recordArrivals(server: Server) {
  const seen: { request: object | null; response: object | null }[] = [];
  server.prependListener('request', (req, res) => {
    seen.push({ request: Object.getPrototypeOf(req) as object, response: Object.getPrototypeOf(res) as object });
  });
  return seen;
}

interface Listening {
  readonly server: Server;
  readonly url: string;
}

/** The app on node:http with the classes serverOptionsFor chooses on the given Node major. */
async function listenAsOn(nodeMajor: number, listener: RequestListener): Promise<Listening> {
  const server = createServer(serverOptionsFor(listener, nodeMajor), listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const BEFORE = GAINS_BEFORE_NODE_MAJOR - 1;
const FROM = GAINS_BEFORE_NODE_MAJOR;

let listening: Listening | undefined;
let running: RunningServer | undefined;
afterEach(async () => {
  listening?.server.closeAllConnections();
  await new Promise((resolve) => (listening ? listening.server.close(resolve) : resolve(undefined)));
  await running?.close();
  listening = undefined;
  running = undefined;
});

describe('serverOptionsFor', () => {
  it('when the listener is not an Express app, then node keeps its own classes on every Node', () => {
    const bare: RequestListener = (_req, res) => res.end();
    expect([serverOptionsFor(bare, BEFORE), serverOptionsFor(bare, FROM)]).toEqual([{}, {}]);
  });

  it(`when an Express app runs on Node ${FROM} or later, then node keeps its own classes (they are faster there)`, () => {
    expect([serverOptionsFor(sampleApp(), FROM), serverOptionsFor(sampleApp(), FROM + 2)]).toEqual([{}, {}]);
  });

  it(`when an Express app runs before Node ${FROM}, then requests and responses arrive with its prototypes already`, async () => {
    const app = sampleApp();
    listening = await listenAsOn(BEFORE, app);
    const seen = recordArrivals(listening.server);

    await fetch(`${listening.url}/things/1`);
    await fetch(`${listening.url}/things/2`);

    expect(seen).toEqual([
      { request: app.request, response: app.response },
      { request: app.request, response: app.response },
    ]);
    const [first] = seen;
    expect(first!.request).toBeInstanceOf(IncomingMessage);
    expect(first!.response).toBeInstanceOf(ServerResponse);
  });

  it('when serve() runs an Express app, then it makes the choice of the running Node', async () => {
    const app = sampleApp();
    running = await serve(app, { port: 0, host: '127.0.0.1', logger: testLogger });
    const seen = recordArrivals(running.server);
    await fetch(`${running.url}/things/1`);
    const appClasses = Number(process.versions.node.split('.')[0]) < GAINS_BEFORE_NODE_MAJOR;
    expect(seen).toEqual([appClasses ? { request: app.request, response: app.response } : { request: IncomingMessage.prototype, response: ServerResponse.prototype }]);
  });

  it('when serve() hands node its own request handler, then that handler still shows the app\'s prototypes, so a server made from it (the bench\'s swap) can choose the classes', async () => {
    const app = sampleApp();
    running = await serve(app, { port: 0, host: '127.0.0.1', logger: testLogger });
    const [handler] = running.server.listeners('request') as RequestListener[];
    expect(handler).not.toBe(app);
    expect(serverOptionsFor(handler!, BEFORE)).toEqual(expect.objectContaining({ IncomingMessage: expect.any(Function), ServerResponse: expect.any(Function) }));
    expect((serverOptionsFor(handler!, BEFORE).IncomingMessage as { prototype: unknown }).prototype).toBe(app.request);
  });

  it('when a bare listener is served, then its requests are node IncomingMessages as before', async () => {
    running = await serve((_req, res) => res.end('ok'), { port: 0, host: '127.0.0.1', logger: testLogger });
    const seen = recordArrivals(running.server);
    expect(await (await fetch(running.url)).text()).toBe('ok');
    expect(seen).toEqual([{ request: IncomingMessage.prototype, response: ServerResponse.prototype }]);
  });
});

describe.each([BEFORE, FROM])('an Express app served with the classes chosen for Node %i', (nodeMajor) => {
  it('when routes read params, query and the client address, then Express answers as usual', async () => {
    listening = await listenAsOn(nodeMajor, sampleApp());
    const res = await fetch(`${listening.url}/things/abc?x=1`, { headers: { 'x-request-id': 'req-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ id: 'abc', ip: '127.0.0.1', query: { x: '1' } });
  });

  it('when a JSON body is posted, then it is parsed and validated, and the answer carries status and headers', async () => {
    listening = await listenAsOn(nodeMajor, sampleApp());
    const post = (body: string) => fetch(`${listening!.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    const created = await post('{"name":"a"}');
    expect([created.status, created.headers.get('location'), await created.json()]).toEqual([201, '/things/1', { name: 'a' }]);
    const invalid = await post('{"name":"a","admin":true}');
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([400, 'application/problem+json; charset=utf-8']);
  });

  it('when a path or method is unknown, then the error handler still answers 404 and 405 problems', async () => {
    listening = await listenAsOn(nodeMajor, sampleApp());
    const missing = await fetch(`${listening.url}/nope`);
    const wrongMethod = await fetch(`${listening.url}/things/1`, { method: 'DELETE' });
    expect([missing.status, ((await missing.json()) as { status: number }).status]).toEqual([404, 404]);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });
});
