/**
 * Real HTTP servers for the gateway tests: upstreams on 127.0.0.1:0 that record and echo what reached them (or
 * misbehave on purpose), and a gateway listening on port 0 in front of them.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { ServiceName } from '../../../services/contracts/services';
import { createGateway, type GatewayOptions } from '../../../services/gateway/gateway';
import { testLogger } from '../../support/silent-logger';
import { testVerifier } from '../../support/auth';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface Upstream extends TestServer {
  readonly seen: SeenRequest[];
}

type Behaviour = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;

/** Answers 200 with JSON naming the service and echoing the request it got. */
export const echo =
  (service: string): Behaviour =>
  (_req, res, seen) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service, ...seen }));
  };

export async function startUpstream(service: string, behaviour: Behaviour = echo(service)): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      behaviour(req, res, request);
    });
  });
  return { ...(await listen(server)), seen };
}

export async function listen(server: ReturnType<typeof createServer>): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Upstreams {
  readonly urls: Record<ServiceName, string>;
  readonly byService: Record<ServiceName, Upstream>;
  close(): Promise<void>;
}

/** One echoing upstream per service. */
export async function startEchoUpstreams(): Promise<Upstreams> {
  const [identity, product, billing] = await Promise.all(['identity', 'product', 'billing'].map((s) => startUpstream(s)));
  const byService = { identity, product, billing } as Record<ServiceName, Upstream>;
  return {
    byService,
    urls: { identity: byService.identity.url, product: byService.product.url, billing: byService.billing.url },
    close: async () => {
      await Promise.all(Object.values(byService).map((u) => u.close()));
    },
  };
}

export type TestGatewayOptions = Partial<GatewayOptions> & Pick<GatewayOptions, 'upstreams'>;

/** The gateway on 127.0.0.1:0 with the real verifier of the run's cognito-local, unless told otherwise. */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestServer> {
  const gateway = createGateway({ logger: testLogger, verifier: testVerifier(), ...options });
  const server = await listen(gateway.createServer());
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await gateway.close();
    },
  };
}

/** Time that moves only when a test moves it. */
export class FakeClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json<T = Echo & Problem>(): T;
}

/** What the echo upstream answers. */
export interface Echo extends SeenRequest {
  readonly service: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly requestId: string;
}

export interface CallInit {
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer | Readable;
  readonly signal?: AbortSignal;
  /** The client's source address (any of 127.0.0.0/8 on Linux, FACTS.md), so tests can be distinct clients. */
  readonly from?: string;
}

const agents = new Map<string, Agent>();

/** One keep-alive agent per source address, bound with `localAddress`. */
function agentFrom(address: string): Agent {
  let agent = agents.get(address);
  if (!agent) {
    agent = new Agent({ localAddress: address });
    agents.set(address, agent);
  }
  return agent;
}

/** One request with undici, the body read whole. */
export async function call(base: string, method: string, path: string, init: CallInit = {}): Promise<Answer> {
  const response = await request(`${base}${path}`, {
    method: method as 'GET',
    headers: init.headers,
    body: init.body,
    signal: init.signal,
    ...(init.from ? { dispatcher: agentFrom(init.from) } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** A raw TCP connection to `url` from a loopback address of the caller's choice (a distinct client to the gateway). */
export function socketFrom(url: string, localAddress: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A `bytes`-long answer, written as fast as its socket takes it (a stalled reader's socket soon takes no more). */
export function sendBytes(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  const pump = () => {
    while (sent < bytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

/** A raw connection from `localAddress` that says whether the gateway closed it; kept in `opened` for the file's afterAll. */
export async function watchedConnection(url: string, localAddress: string, opened: Socket[]): Promise<{ socket: Socket; closed: () => boolean }> {
  const socket = await socketFrom(url, localAddress);
  opened.push(socket);
  let closed = false;
  socket.on('error', () => {});
  socket.once('close', () => (closed = true));
  return { socket, closed: () => closed };
}
