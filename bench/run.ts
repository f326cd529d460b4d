/**
 * `npm run bench [name…]`: every benchmark in turn (or the ones named), each writing its section of
 * docs/benchmarks.md with its figures beside a baseline measured in the same run. Loopback only; every load
 * is bounded in time.
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { run as cdkSynth } from './cdk-synth';
import { run as events } from './events';
import { run as gateway } from './gateway';
import { run as invoice } from './invoice';
import { run as product } from './product';
import { run as revocation } from './revocation';
import { run as startup } from './startup';
import { run as testSuite } from './test-suite';

const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  product,
  invoice,
  gateway,
  events,
  revocation,
  startup,
  'cdk-synth': () => cdkSynth(),
  'test-suite': testSuite,
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}

/**
 * Between benchmarks: the previous one's processes have exited, but its databases' last writes may still be
 * going to disk, and they showed up in the next one's first round (the event bus's fsync'd commits most).
 */
async function settle(): Promise<void> {
  spawnSync('sync');
  await sleep(3_000);
}

const names = requested.length > 0 ? requested : Object.keys(BENCHMARKS);
for (const [index, name] of names.entries()) {
  if (index > 0) await settle();
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  await BENCHMARKS[name]!();
  console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
console.log('\nFigures written to docs/benchmarks.md');
