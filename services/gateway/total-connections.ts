/**
 * The cap on the connections of all clients together (GATEWAY_MAX_CONNECTIONS), so that many addresses, each within
 * its own cap, cannot together take every file descriptor or the memory their sockets hold.
 *
 * Shared fairly at the cap: a connection from an address holding fewer than the address that holds the most (by two
 * or more) takes the oldest connection of that one (an idle one before one being answered), which is cut.
 * Otherwise, a few addresses, each at its own cap, held the gateway whole with connections that cost them nothing
 * (idle keep-alive ones, headers that never end, answers never read), and every other client was refused for as
 * long as they liked. Now they must come from as many addresses as there are connections to hold. A connection that
 * would not leave its address below the one it takes from is closed as soon as it is accepted, unanswered: a problem
 * and a linger would spend on each one what the cap is there to save. The lingering 429s of the per-address cap
 * count too, against their own address.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../kit/logger';
import { addressKey, plainAddress } from './client-address';

/** At most one warning this often while the cap cuts or refuses connections: a flood must not flood the log. */
const WARNING_EVERY_MS = 10_000;

/**
 * `refusedByOwnCap`: whether the per-address cap (connections.ts) will answer a new connection from `peer` 429 and
 * close it. Such a connection takes nobody's at the cap: it would cost another address one for nothing, again at
 * each reconnection.
 */
export function capTotalConnections(server: Server, max: number, logger: Logger, refusedByOwnCap: (peer: string) => boolean): void {
  /** Open connections per address key (client-address.ts), oldest first (a Set keeps insertion order). */
  const held = new Map<string, Set<Socket>>();
  /** Requests each connection has being answered: such a connection is cut last, as its request is lost with it. */
  const answering = new WeakMap<Socket, number>();
  let open = 0;
  const counts = { refused: 0, cut: 0 };
  let warnedAt = -Infinity;

  // Registered before the per-address cap and the other connection listeners, so they see the socket already cut.
  server.on('connection', (socket: Socket) => {
    const peer = plainAddress(socket.remoteAddress ?? '');
    // Shared between addresses as the per-client limits count them: an IPv6 peer by its /64.
    const key = addressKey(peer);
    const mine = held.get(key);
    if (open >= max && (refusedByOwnCap(peer) || !makeRoom(mine?.size ?? 0))) {
      counts.refused += 1;
      warn();
      socket.destroy();
      return;
    }
    const sockets = mine ?? new Set<Socket>();
    if (!mine) held.set(key, sockets);
    sockets.add(socket);
    open += 1;
    socket.once('close', () => forget(key, socket));
  });
  server.on('request', ({ socket }: IncomingMessage, res: ServerResponse) => {
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    res.once('close', () => answering.set(socket, (answering.get(socket) ?? 1) - 1));
  });

  /**
   * Cuts a connection of the address holding the most, if it holds at least two more than `mine`: its oldest that is
   * idle or still sending its headers, else its oldest. The oldest whatever it did let anyone, connecting while the
   * gateway was full of a busy address's traffic, cut that address's requests in flight.
   */
  function makeRoom(mine: number): boolean {
    let heaviest: [string, Set<Socket>] | undefined;
    // At the cap only, over at most `max` addresses.
    for (const entry of held) if (!heaviest || entry[1].size > heaviest[1].size) heaviest = entry;
    if (!heaviest || heaviest[1].size < mine + 2) return false;
    const [victimPeer, sockets] = heaviest;
    const victim = [...sockets].find((socket) => !answering.get(socket)) ?? (sockets.values().next().value as Socket);
    forget(victimPeer, victim);
    victim.destroy();
    counts.cut += 1;
    warn();
    return true;
  }

  function forget(key: string, socket: Socket): void {
    const sockets = held.get(key);
    if (!sockets?.delete(socket)) return;
    open -= 1;
    if (sockets.size === 0) held.delete(key);
  }

  function warn(): void {
    const now = performance.now();
    if (now - warnedAt < WARNING_EVERY_MS) return;
    logger.warn({ maxConnections: max, ...counts }, 'at the connection cap: the addresses holding the most lose their oldest connections, and get no new ones');
    warnedAt = now;
    counts.refused = 0;
    counts.cut = 0;
  }
}
