/**
 * The order `npm start` stops its parts in, whatever order they came up in: the gateway first, so clients stop
 * arriving; then the services, which drain their requests and stop their consumers and outbox relays while the
 * bus and the database still answer (a database that went first made every pool log a failed connection); then
 * the emulators; PostgreSQL last. The parts of one tier stop together. The list also hears of a part that dies
 * under the platform, which then has to stop (Part.died).
 */
export const STOP_TIERS = ['gateway', 'services', 'emulators', 'database'] as const;
export type StopTier = (typeof STOP_TIERS)[number];

/** A part once up: how it stops and, if it can die under the platform (the embedded PostgreSQL), its death. */
export interface Part {
  stop(): Promise<void>;
  /** Settles only if it exits without being stopped: one line naming it and how it ended, then its last lines. */
  readonly died?: Promise<string>;
}

export interface StopList {
  add(tier: StopTier, part: Part): void;
  /** The first death among the parts added; never settles while they all run. */
  readonly died: Promise<string>;
  /** That death, once it happened. */
  readonly diedFirst: string | undefined;
  /** Stops every part, tier by tier. Rejects, after trying them all, if any part failed to stop. */
  stopAll(): Promise<void>;
}

export function stopList(onFailure: (message: string) => void): StopList {
  const parts: Array<{ tier: StopTier; stop: () => Promise<void> }> = [];
  let diedFirst: string | undefined;
  let report: (why: string) => void = () => {};
  const died = new Promise<string>((resolve) => (report = resolve)).then((why) => (diedFirst = why));
  return {
    add(tier, part) {
      parts.push({ tier, stop: () => part.stop() });
      void part.died?.then(report);
    },
    died,
    get diedFirst() {
      return diedFirst;
    },
    async stopAll() {
      let failures = 0;
      for (const tier of STOP_TIERS) {
        const stopping = parts.filter((part) => part.tier === tier).map(async (part) => part.stop());
        for (const outcome of await Promise.allSettled(stopping)) {
          if (outcome.status === 'fulfilled') continue;
          failures += 1;
          onFailure(`stop failed (${tier}): ${String(outcome.reason)}`);
        }
      }
      parts.length = 0;
      if (failures > 0) throw new Error(`${failures} part(s) did not stop cleanly`);
    },
  };
}
