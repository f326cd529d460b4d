import express from 'express';
import { describe, expect, it } from 'vitest';
import { serve } from '../../../../services/kit/http/serve';
import { testLogger } from '../../../support/silent-logger';

describe('serve().close()', () => {
  it('when a request is in flight at shutdown, then it completes, new connections are refused, then onClose runs', async () => {
    const events: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const app = express();
    app.get('/slow', async (_req, res) => {
      await released;
      res.json({ done: true });
    });
    const server = await serve(app, {
      port: 0,
      host: '127.0.0.1',
      logger: testLogger,
      onClose: [async () => void events.push('pool closed')],
    });

    const inFlight = fetch(`${server.url}/slow`).then(async (r) => {
      events.push(`response ${r.status}`);
      return r.json();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = server.close().then(() => events.push('closed'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(`${server.url}/slow`)).rejects.toThrow();
    expect(events).toEqual([]);

    release();
    await expect(inFlight).resolves.toEqual({ done: true });
    await closing;
    expect(events).toEqual(['response 200', 'pool closed', 'closed']);
  });

  it('when requests outlive the timeout, then their sockets are cut and close still finishes', async () => {
    const app = express();
    app.get('/stuck', () => {});
    const server = await serve(app, { port: 0, host: '127.0.0.1', logger: testLogger, shutdownTimeoutMs: 100 });
    const stuck = fetch(`${server.url}/stuck`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    expect(await stuck).toBeInstanceOf(Error);
  });
});
