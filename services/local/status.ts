/** Human-readable progress for `npm start`, interleaved with the services' JSON log lines. */
const started = Date.now();
const since = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)} s`;
const seconds = () => since(started);

export const status = {
  /**
   * A part is up. `startedAt` is when that part began starting (default: when the launcher did), so each line
   * says how long the part itself took beside when it was ready: bench/startup.ts reads both.
   */
  step: (name: string, detail: string, startedAt = started) =>
    process.stdout.write(`  ✔ ${name.padEnd(10)} ${detail}  (took ${since(startedAt)}, at ${seconds()})\n`),
  info: (message: string) => process.stdout.write(`  · ${message}\n`),
  warn: (message: string) => process.stdout.write(`  ! ${message}\n`),
  fail: (message: string) => process.stdout.write(`  ✘ ${message}\n`),
  elapsed: seconds,
};
