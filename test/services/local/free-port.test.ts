import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../services/local/free-port';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort', () => {
  it('when asked, then it answers a port below the ephemeral range that can be listened on at once, a new one each time', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_768); // outgoing connections take their local ports from 32768 up
      const server = await listen(port);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when the next port in its walk is taken, then it skips to one that is free', async () => {
    const first = await freePort();
    const next = first < 32_767 ? first + 1 : 20_000;
    const taken = await listen(next);
    try {
      const port = await freePort();
      expect(port).not.toBe(next);
      expect(port).not.toBe(first);
      await new Promise((resolve) => listen(port).then((server) => server.close(resolve)));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
