/**
 * The order `npm start` stops its parts in, whatever order they came up in: the gateway first, so clients stop
 * arriving; then the services, which drain their requests and stop their consumers and outbox relays while the
 * bus and the database still answer (a database that went first made every pool log a failed connection); then
 * the emulators; PostgreSQL last. The parts of one tier stop together. The list also hears of a part that dies
 * under the platform, which then has to stop (Part.died).
 *
 * Which parts stop the platform when they die, and which are restarted: PostgreSQL and the two emulators (fauxqs,
 * cognito-local) stop it, naming what died, how, and its last lines; the services and the gateway are restarted
 * with backoff. A service crash is most often the code being worked on, and its state is in the database, so a
 * restart is what the developer wants. The emulators are infrastructure like the database: they die of a kill,
 * the OOM killer or a bug of theirs, and their data on disk is then in question (cognito-local rewrites its JSON
 * files in place, so a kill mid-write can truncate a pool). Restarting them in place would hide that, and a
 * crash loop would go on behind a platform that looks up; stopping says so at once, the same way for all three,
 * and a new `npm start` resumes from the same DATA_DIR. Only parts `npm start` started are watched: an
 * AWS_ENDPOINT_URL, a real Cognito pool or a DATABASE_URL server is not its to judge.
 */
export const STOP_TIERS = ['gateway', 'services', 'emulators', 'database'] as const;
export type StopTier = (typeof STOP_TIERS)[number];

/** A part once up: how it stops and, if it can die under the platform (PostgreSQL, an emulator), its death. */
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
