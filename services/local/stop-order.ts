/**
 * The order `npm start` stops its parts in, whatever order they came up in: the gateway first, so clients stop
 * arriving; then the services, which drain their requests and stop their consumers and outbox relays while the
 * bus and the database still answer (a database that went first made every pool log a failed connection); then
 * the emulators; PostgreSQL last. The parts of one tier stop together.
 */
export const STOP_TIERS = ['gateway', 'services', 'emulators', 'database'] as const;
export type StopTier = (typeof STOP_TIERS)[number];

export interface StopList {
  add(tier: StopTier, stop: () => Promise<void>): void;
  /** Stops every part, tier by tier. Rejects, after trying them all, if any part failed to stop. */
  stopAll(): Promise<void>;
}

export function stopList(onFailure: (message: string) => void): StopList {
  const parts: Array<{ tier: StopTier; stop: () => Promise<void> }> = [];
  return {
    add: (tier, stop) => void parts.push({ tier, stop }),
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
