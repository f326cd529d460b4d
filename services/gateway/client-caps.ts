/**
 * Caps per client address on what it may hold at once: open connections, requests in flight (being read,
 * waiting for a service, or being answered), and bytes of request bodies held (body-budget.ts). Counters, not
 * buckets: what was taken comes back when its connection, request or body ends. Only addresses holding something have an entry, so the maps cannot outgrow the open sockets.
 */
export class ConcurrencyCap {
  private readonly held = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes `amount` (a slot, by default) for `client`; false, taking nothing, when that would pass `max`. */
  tryEnter(client: string, amount = 1): boolean {
    const count = this.held.get(client) ?? 0;
    if (count + amount > this.max) return false;
    this.held.set(client, count + amount);
    return true;
  }

  /** Gives back what tryEnter took. */
  leave(client: string, amount = 1): void {
    const count = this.held.get(client) ?? 0;
    if (count <= amount) this.held.delete(client);
    else this.held.set(client, count - amount);
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
