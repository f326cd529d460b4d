/**
 * One bound on the request bodies the gateway holds at once, across every client: each body is read whole before
 * it is forwarded (request-body.ts), so without it memory grows with the clients that stall mid-body, each up to
 * GATEWAY_MAX_BODY_BYTES. A request takes its declared length when its body is first read (or each chunk as it
 * arrives, when chunked) and gives it all back when its answer is done or the client left.
 */
export class BodyBudget {
  private taken = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held by all requests now. */
  get held(): number {
    return this.taken;
  }

  /** A request's share of the budget, empty until it grows. */
  share(): BodyShare {
    let mine = 0;
    return {
      grow: (bytes) => {
        if (this.taken + bytes > this.maxBytes) return false;
        this.taken += bytes;
        mine += bytes;
        return true;
      },
      release: () => {
        this.taken -= mine;
        mine = 0;
      },
    };
  }
}

export interface BodyShare {
  /** Takes `bytes` more; false (taking nothing) when the budget has not that much left. */
  grow(bytes: number): boolean;
  /** Gives back everything this share took; safe to call more than once. */
  release(): void;
}
