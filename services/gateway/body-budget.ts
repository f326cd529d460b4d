import { ConcurrencyCap } from './client-caps';

/**
 * One bound on the request bodies the gateway holds at once, across every client: each body is read whole before
 * it is forwarded (request-body.ts), so without it memory grows with the clients that stall mid-body, each up to
 * GATEWAY_MAX_BODY_BYTES. A request takes its declared length when its body is first read (or each chunk as it
 * arrives, when chunked) and gives it all back when its answer is done or the client left.
 *
 * Each client address may hold only a part of the budget (`perClientMaxBytes`), so one client cannot fill it and
 * leave everyone else's bodies refused: it meets its own limit (429) long before the budget runs out (503).
 */
export class BodyBudget {
  private taken = 0;
  private readonly parts: ConcurrencyCap;

  constructor(
    readonly maxBytes: number,
    perClientMaxBytes: number = maxBytes,
  ) {
    this.parts = new ConcurrencyCap(perClientMaxBytes);
  }

  /** Bytes held by all requests now. */
  get held(): number {
    return this.taken;
  }

  /** Bytes held by one client's requests now. */
  heldBy(client: string): number {
    return this.parts.holding(client);
  }

  /** A request's share of the budget, on behalf of `client`, empty until it grows. */
  share(client: string): BodyShare {
    let mine = 0;
    return {
      grow: (bytes) => {
        if (!this.parts.tryEnter(client, bytes)) return 'client';
        if (this.taken + bytes > this.maxBytes) {
          this.parts.leave(client, bytes);
          return 'all';
        }
        this.taken += bytes;
        mine += bytes;
        return 'taken';
      },
      release: () => {
        if (mine === 0) return;
        this.taken -= mine;
        this.parts.leave(client, mine);
        mine = 0;
      },
    };
  }
}

/** Taken, or refused because the client's own part is full, or because everyone's budget is. */
export type Growth = 'taken' | 'client' | 'all';

export interface BodyShare {
  /** Takes `bytes` more, or takes nothing and says whose limit refused it. */
  grow(bytes: number): Growth;
  /** Gives back everything this share took; safe to call more than once. */
  release(): void;
}
