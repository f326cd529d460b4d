import { createServer } from 'node:net';

/**
 * Free ports are taken from below Linux's default ephemeral range (32768–60999). The kernel draws the local ports of
 * outgoing connections from that range, and so does listen(0): a port found free there can be taken by some other
 * connection's local port before whoever asked binds it (a test suite opens thousands of connections while a child
 * process starts). Each process walks the range from its own random start, so two processes rarely pick alike.
 */
const RANGE = { low: 20_000, high: 32_767 } as const;
let cursor = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low));

/** Whether nothing listens on this loopback port now; resolves with the port the listener got. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** A free loopback port, below the ephemeral range when one is free there, else one the kernel picks. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    cursor = cursor >= RANGE.high ? RANGE.low : cursor + 1;
    const port = await tryListen(cursor);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free loopback port');
  return port;
}
