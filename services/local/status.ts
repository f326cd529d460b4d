/** Human-readable progress for `npm start`, interleaved with the services' JSON log lines. */
const started = Date.now();
const inSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const seconds = () => inSeconds(Date.now() - started);

export const status = {
  /**
   * A part is up. Each line says how long the part itself took (default: since the launcher started, as the
   * parts that start at once do) beside when it was ready: bench/startup.ts reads both.
   */
  step: (name: string, detail: string, tookMs = Date.now() - started) =>
    process.stdout.write(`  ✔ ${name.padEnd(10)} ${detail}  (took ${inSeconds(tookMs)}, at ${seconds()})\n`),
  info: (message: string) => process.stdout.write(`  · ${message}\n`),
  warn: (message: string) => process.stdout.write(`  ! ${message}\n`),
  fail: (message: string) => process.stdout.write(`  ✘ ${message}\n`),
  elapsed: seconds,
};
