/** The two sockets of one proxied connection: tracked while open, and both gone when either fails. */
import type { Socket } from 'node:net';

export function trackPair(client: Socket, upstream: Socket, open: Set<Socket>): void {
  for (const socket of [client, upstream]) {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {
      client.destroy();
      upstream.destroy();
    });
  }
}
