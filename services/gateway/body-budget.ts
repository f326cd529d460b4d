import { ConcurrencyCap } from './client-caps';

/**
 * One bound on the request bodies the gateway holds at once, across every client: each body is read whole before
 * it is forwarded (request-body.ts), so without it memory grows with the clients that stall mid-body, each up to
 * GATEWAY_MAX_BODY_BYTES. A request takes its declared length when its body is first read (or each chunk as it
 * arrives, when chunked) and gives it all back when its answer is done or the client left.
 *
 * Each client address may hold only a part of the budget (`perClientMaxBytes`), so one client cannot fill it and
 * leave everyone else's bodies refused: it meets its own limit (429) long before the budget runs out (503).
 *
 * Shared fairly when full: a body that does not fit takes room from bodies still arriving of the address holding the
 * most, the one longest without a byte first (so a stalled body goes before an upload still moving), as long as that
 * address would still hold more than this one's. Those are cut (their reader answers 503), and only if that makes
 * room enough. Otherwise, a few addresses, each declaring whole bodies within
 * its part and sending none of them, held the budget whole at no cost until the body deadline, and every other body
 * was refused.
 */
export class BodyBudget {
  private taken = 0;
  private readonly parts: ConcurrencyCap;
  /** Shares whose body is still arriving, oldest first: the only ones cut to make room. */
  private readonly arriving = new Map<BodyShare, Arriving>();
  /** Orders the arriving bodies' last bytes (a count of events, not a clock): lower is longer ago. */
  private moments = 0;

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
    const share: BodyShare = {
      grow: (bytes) => {
        if (!this.parts.tryEnter(client, bytes)) return 'client';
        if (this.taken + bytes > this.maxBytes && !this.makeRoom(client, bytes)) {
          this.parts.leave(client, bytes);
          return 'all';
        }
        this.taken += bytes;
        mine += bytes;
        return 'taken';
      },
      arriving: (cut) => {
        if (cut) this.arriving.set(share, { client, cut, bytes: () => mine, lastByte: this.moments++ });
        else this.arriving.delete(share);
      },
      progressed: () => {
        const entry = this.arriving.get(share);
        if (entry) entry.lastByte = this.moments++;
      },
      release: () => {
        this.arriving.delete(share);
        if (mine === 0) return;
        this.taken -= mine;
        this.parts.leave(client, mine);
        mine = 0;
      },
    };
    return share;
  }

  /**
   * Cuts arriving bodies of the address holding the most until `bytes` fit, while it holds more than `client`
   * (whose part already counts them). False, cutting nothing, when that would not make room enough: the bodies
   * would have been lost for a request refused anyway, and any client could have had them cut again and again.
   */
  private makeRoom(client: string, bytes: number): boolean {
    const victims = this.victimsFor(client, bytes);
    for (const [share, { cut }] of victims ?? []) {
      share.release();
      cut();
    }
    return victims !== undefined;
  }

  /** The shares makeRoom would cut, in order, counting down their addresses' holdings as it goes; else undefined. */
  private victimsFor(client: string, bytes: number): Map<BodyShare, Arriving> | undefined {
    const victims = new Map<BodyShare, Arriving>();
    const freed = new Map<string, number>();
    const holding = (who: string) => this.parts.holding(who) - (freed.get(who) ?? 0);
    const mine = holding(client);
    let room = this.maxBytes - this.taken;
    while (room < bytes) {
      let victim: [BodyShare, Arriving] | undefined;
      let most = 0;
      // Only when full, over the bodies still arriving: the heaviest address's, and of equally heavy ones the body
      // longest without a byte, so an attacker's stalled bodies go before a client's slow upload. One holding nothing
      // yet (chunked, before its first chunk) would be cut for no room at all.
      for (const entry of this.arriving) {
        const held = holding(entry[1].client);
        if (victims.has(entry[0]) || entry[1].bytes() === 0 || held <= mine) continue;
        if (!victim || held > most || (held === most && entry[1].lastByte < victim[1].lastByte)) [victim, most] = [entry, held];
      }
      if (!victim) return undefined;
      const [share, arriving] = victim;
      victims.set(share, arriving);
      freed.set(arriving.client, (freed.get(arriving.client) ?? 0) + arriving.bytes());
      room += arriving.bytes();
    }
    return victims;
  }
}

interface Arriving {
  readonly client: string;
  readonly cut: () => void;
  /** What its share holds now. */
  readonly bytes: () => number;
  /** When its last byte came (BodyBudget's count of moments), or when it began arriving. */
  lastByte: number;
}

/** Taken, or refused because the client's own part is full, or because everyone's budget is. */
export type Growth = 'taken' | 'client' | 'all';

export interface BodyShare {
  /** Takes `bytes` more, or takes nothing and says whose limit refused it. */
  grow(bytes: number): Growth;
  /**
   * While the body arrives, `cut` ends its reading when its room goes to an address holding less (the share is
   * released first); `undefined` once it has ended, however it did.
   */
  arriving(cut: (() => void) | undefined): void;
  /** Some of the body has just arrived: of its address's bodies, the stalled ones are cut before it. */
  progressed(): void;
  /** Gives back everything this share took; safe to call more than once. */
  release(): void;
}
