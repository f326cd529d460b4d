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

  it('when the next port in its walk is taken, then it skips it for the one after', async () => {
    const first = await freePort();
    const step = (port: number) => (port < 32_767 ? port + 1 : 20_000);
    const taken = await listen(step(first));
    try {
      const port = await freePort();
      // Further along the walk (a listen(0) port would be anywhere, and above 32767): a few ports on at most.
      const along = (port - first + 12_768) % 12_768;
      expect(along).toBeGreaterThanOrEqual(2);
      expect(along).toBeLessThanOrEqual(10);
      const server = await listen(port);
      await new Promise((resolve) => server.close(resolve));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
