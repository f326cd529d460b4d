import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, portsBelowEphemeral, walkedPorts } from '../../../services/local/free-port';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort', () => {
  // Linux (this project's CI and most hosts) has an ephemeral range to stay below; elsewhere the kernel picks.
  const range = walkedPorts();

  it('when asked, then it answers a port below the ephemeral range that can be listened on at once, a new one each time', async () => {
    if (existsSync('/proc/sys/net/ipv4/ip_local_port_range')) expect(range).toBeDefined();
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      if (range) expect(port >= range.low && port <= range.high, `${port} in ${range.low}-${range.high}`).toBe(true);
      const server = await listen(port);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when the next port in its walk is taken, then it skips it for the one after', async () => {
    const first = await freePort();
    const size = range ? range.high - range.low + 1 : 0;
    const next = range ? (first < range.high ? first + 1 : range.low) : first;
    const taken = range ? await listen(next) : undefined;
    try {
      const port = await freePort();
      expect(port).not.toBe(next);
      // Further along the walk (a listen(0) port would be anywhere, above the range): a few ports on at most.
      if (range) expect((port - first + size) % size).toBeGreaterThanOrEqual(2);
      if (range) expect((port - first + size) % size).toBeLessThanOrEqual(10);
      const server = await listen(port);
      await new Promise((resolve) => server.close(resolve));
    } finally {
      if (taken) await new Promise((resolve) => taken.close(resolve));
    }
  });

  it.each([
    ['Linux\'s default', '32768\t60999\n', { low: 20_000, high: 32_767 }],
    ['a range that starts higher', '40000 60999', { low: 27_232, high: 39_999 }],
    ['a range that leaves little room below it', '1500 60999', undefined],
    ['no such file (another system)', undefined, undefined],
    ['something unreadable', 'n/a', undefined],
  ])('when the ephemeral range is %s, then it walks the ports below it, or lets the kernel pick', (_case, file, expected) => {
    expect(portsBelowEphemeral(file)).toEqual(expected);
  });
});
