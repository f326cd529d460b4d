/**
 * A TCP proxy on loopback whose connections can go silent: `freeze()` stops passing bytes either way and closes
 * nothing, as a database host that vanished in a failover does (no reset: the client's statement waits until TCP
 * gives up, about 15 minutes on Linux). `thaw()` passes them on again. `connections` counts the clients' connections
 * still open, which is how a test sees a socket a client left open.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { trackPair } from './proxy-pair';

export interface SilentProxy {
  readonly port: number;
  readonly connections: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startSilentProxy(target: { host: string; port: number }): Promise<SilentProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    const upstream = connect(target.port, target.host);
    trackPair(client, upstream, sockets);
    if (frozen) for (const socket of [client, upstream]) socket.pause();
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return clients.size;
    },
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
