/** Human-readable progress for `npm start`, interleaved with the services' JSON log lines. */
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

export const status = {
  step: (name: string, detail: string) => process.stdout.write(`  ✔ ${name.padEnd(10)} ${detail}  (${seconds()})\n`),
  info: (message: string) => process.stdout.write(`  · ${message}\n`),
  warn: (message: string) => process.stdout.write(`  ! ${message}\n`),
  fail: (message: string) => process.stdout.write(`  ✘ ${message}\n`),
  elapsed: seconds,
};
