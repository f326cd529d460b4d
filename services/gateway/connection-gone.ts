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

/** The connection's responses not yet closed, watched from its first request on. */
function responsesOf(socket: Socket): Set<ServerResponse> {
  const known = open.get(socket);
  if (known) return known;
  const responses = new Set<ServerResponse>();
  open.set(socket, responses);
  socket.once('close', () => {
    // After Node's own: it closes the others on a later tick, and each 'close' takes its response out of the set,
    // so only those Node leaves open are closed here, and none twice.
    setImmediate(() => {
      for (const response of [...responses]) response.emit('close');
      responses.clear();
    });
  });
  return responses;
}

export function closeWithConnection(socket: Socket, res: ServerResponse): void {
  const responses = responsesOf(socket);
  responses.add(res);
  res.once('close', () => responses.delete(res));
}
