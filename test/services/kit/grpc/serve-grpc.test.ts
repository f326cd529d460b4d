/**
 * The internal RPC server against requests connect-node cannot take as they come: each is answered as the caller's
 * mistake, and the process (here, the test's own) keeps serving.
 */
import { connect as connectHttp2 } from 'node:http2';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health } from '../../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { serveGrpc, type RunningGrpcServer } from '../../../../services/kit/grpc/serve-grpc';
import { testLogger } from '../../../support/silent-logger';

let server: RunningGrpcServer;

beforeAll(async () => {
  server = await serveGrpc({
    port: 0,
    host: '127.0.0.1',
    logger: testLogger,
    routes: (router) =>
      router.service(Health, {
        check: () => ({ status: 1 }),
        async *watch() {},
      }),
  });
});
afterAll(() => server?.close());

/** One Connect-protocol Check, sent with the given `:authority`; its HTTP status and body. */
function checkWithAuthority(authority: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2(server.url);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', ':authority': authority, 'content-type': 'application/json' });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('end', () => (session.close(), resolve({ status, body })));
    stream.on('error', (error) => (session.close(), reject(error)));
    stream.end('{}');
  });
}

describe('serveGrpc, when a request names an authority', () => {
  it.each([['a port past 65535', 'a:99999999'], ['a lone bracket', '[']])(
    'when it is %s, which no URL can hold, then it answers 400 and the server keeps serving',
    async (_what, authority) => {
      const answer = await checkWithAuthority(authority);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatch(/:authority/);
      const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
      expect((await health.check({ service: '' }, { timeoutMs: 2_000 })).status).toBe(1);
    },
  );

  it('when it is a host and port, then the call is served', async () => {
    expect(await checkWithAuthority('product-grpc:3012')).toEqual({ status: 200, body: '{"status":"SERVING"}' });
  });
});
