/**
 * Caps per client address on what it may hold at once: open connections, and requests in flight (being read,
 * waiting for a service, or being answered). Counters, not buckets: a slot comes back when its connection or
 * request ends. Only addresses holding something have an entry, so the maps cannot outgrow the open sockets.
 */
export class ConcurrencyCap {
  private readonly held = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `client`; false when it already holds `max`. */
  tryEnter(client: string): boolean {
    const count = this.held.get(client) ?? 0;
    if (count >= this.max) return false;
    this.held.set(client, count + 1);
    return true;
  }

  /** Gives back a slot taken by tryEnter. */
  leave(client: string): void {
    const count = this.held.get(client) ?? 0;
    if (count <= 1) this.held.delete(client);
    else this.held.set(client, count - 1);
  }

  /** Slots `client` holds now. */
  holding(client: string): number {
    return this.held.get(client) ?? 0;
  }

  /** Addresses holding at least one slot. */
  get clients(): number {
    return this.held.size;
  }
}
