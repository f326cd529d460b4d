import { connect } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { serve } from '../../../../services/kit/http/serve';
import { testLogger } from '../../../support/silent-logger';
import { within } from '../../../support/within';

describe('serve().close()', () => {
  it('when a request is in flight at shutdown, then it completes, new connections are refused, then onClose runs', async () => {
    const events: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    const app = express();
    app.get('/slow', async (_req, res) => {
      arrived();
      await released;
      // Recorded where the server finishes it: the client's own callback may run after the server has closed.
      res.once('finish', () => events.push(`response ${res.statusCode}`));
      res.json({ done: true });
    });
    const server = await serve(app, {
      port: 0,
      host: '127.0.0.1',
      logger: testLogger,
      onClose: [async () => void events.push('pool closed')],
    });

    const inFlight = fetch(`${server.url}/slow`).then(async (r) => r.json());
    // In flight means the server is handling it: a fixed pause could end before a slow host even accepted it.
    await within(10_000, 'the request reaching its handler', inHandler);
    const closing = server.close().then(() => events.push('closed'));
    await expect(fetch(`${server.url}/slow`)).rejects.toThrow();
    expect(events).toEqual([]);

    release();
    await expect(inFlight).resolves.toEqual({ done: true });
    await closing;
    expect(events).toEqual(['response 200', 'pool closed', 'closed']);
  });

  it('when requests outlive the timeout, then their sockets are cut and close still finishes', async () => {
    let arrived!: () => void;
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    const app = express();
    app.get('/stuck', () => arrived());
    const server = await serve(app, { port: 0, host: '127.0.0.1', logger: testLogger, shutdownTimeoutMs: 100 });
    const stuck = fetch(`${server.url}/stuck`).catch((error: unknown) => error);
    // In flight, so it is cut by the timeout, not refused at the door.
    await within(10_000, 'the request reaching its handler', inHandler);
    await server.close();
    expect(await stuck).toBeInstanceOf(Error);
  });
});

describe('serve() deadlines', () => {
  it('when a service listens without options of its own, then a request\'s headers must arrive within 10 s and all of it within 45 s', async () => {
    const server = await serve(express(), { port: 0, host: '127.0.0.1', logger: testLogger });
    try {
      expect({ headers: server.server.headersTimeout, request: server.server.requestTimeout }).toEqual({ headers: 10_000, request: 45_000 });
    } finally {
      await server.close();
    }
  });

  it('when a request\'s headers do not arrive within the deadline, then it answers a 408 problem and closes', async () => {
    const server = await serve(express(), { port: 0, host: '127.0.0.1', logger: testLogger, serverOptions: { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 } });
    try {
      const { port } = new URL(server.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ port: Number(port), host: '127.0.0.1' }, () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.once('close', () => resolve(text));
        socket.once('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('application/problem+json');
    } finally {
      await server.close();
    }
  });
});
