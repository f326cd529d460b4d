/**
 * Closes a response when its client's connection closes, whatever Node version serves it. Node 24 closes every
 * response of the connection then; Node 22 closes only the one being written, not those of pipelined requests
 * queued behind it: their 'close' never came, so what waits on it (the upstream request, undici's abort signal; the
 * client's in-flight place; its share of the shared body budget) was held for good. A client that pipelined and
 * hung up could drain the body budget for everyone. One listener per connection, however many requests it carries.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const open = new WeakMap<Socket, Set<ServerResponse>>();

export function closeWithConnection(socket: Socket, res: ServerResponse): void {
  let responses = open.get(socket);
  if (!responses) {
    const set = new Set<ServerResponse>();
    open.set(socket, set);
    socket.once('close', () => {
      // After Node's own: it closes the others on a later tick, and each 'close' takes its response out of the set,
      // so only those Node leaves open are closed here, and none twice.
      setImmediate(() => {
        for (const response of [...set]) response.emit('close');
        set.clear();
      });
    });
    responses = set;
  }
  const mine = responses;
  mine.add(res);
  res.once('close', () => mine.delete(res));
}
