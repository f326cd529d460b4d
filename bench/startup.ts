/**
 * Time from `npm start` to its `ready` line, cold (empty DATA_DIR: initdb, migrations, Cognito seeding, queue
 * creation) and warm (the same DATA_DIR again), set against the slowest single part of the same start (usually
 * PostgreSQL), as each part reports it. Targets: the whole within 1.5× its slowest part; under 10 s cold, 5 s warm.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startPlatformProcess } from '../harness/platform-process';
import { fmt, machineLine, median, writeSection } from './support/report';
import { partTimes, type PartTimes } from './support/startup-parts';

const WARM_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);

interface Start extends PartTimes {
  readonly seconds: number;
}

async function timeToReady(dataDir: string): Promise<Start> {
  const started = performance.now();
  const platform = await startPlatformProcess(dataDir);
  const seconds = (performance.now() - started) / 1000;
  await platform.stop('SIGTERM');
  return { seconds, ...partTimes(platform.output) };
}

const ratio = (start: Start) => start.seconds / start.slowest.seconds;
const describe = (start: Start) =>
  `${fmt(start.seconds, 1)} s; slowest part ${start.slowest.name} ${fmt(start.slowest.seconds, 1)} s; ratio ${fmt(ratio(start), 2)}`;
const partsRow = (label: string, start: Start) =>
  `| ${label} | ${Object.entries(start.parts).map(([name, s]) => `${name} ${fmt(s, 1)}`).join(', ')} |`;

export async function run(): Promise<{ coldSeconds: number; warmSeconds: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-bench-start-'));
  await chmod(dataDir, 0o755);
  try {
    const cold = await timeToReady(dataDir);
    console.log(`  cold: ${describe(cold)}`);
    const warms: Start[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      warms.push(await timeToReady(dataDir));
      console.log(`  warm ${i + 1}/${WARM_RUNS}: ${describe(warms.at(-1)!)}`);
    }
    const warm = [...warms].sort((a, b) => a.seconds - b.seconds)[Math.floor(warms.length / 2)]!;
    const warmSeconds = median(warms.map((w) => w.seconds));
    await writeSection(
      'npm start: time to ready',
      [
        `Machine: ${machineLine()}. From spawning \`npm start\` (npm, then services/local/start.mjs) to its \`ready\` line: embedded`,
        'PostgreSQL 16, cognito-local, fauxqs, three services (migrations at start) and the gateway, all on loopback.',
        'Each part\'s own time is what it reports on its progress line (`took …`): PostgreSQL, Cognito, the bus and the',
        'bundles start together at 0; a service starts once the parts it needs are up.',
        '',
        '| start | seconds | slowest part | ÷ slowest (target ≤ 1.5) | target |',
        '|---|---|---|---|---|',
        `| cold (empty DATA_DIR) | ${fmt(cold.seconds, 1)} | ${cold.slowest.name} ${fmt(cold.slowest.seconds, 1)} s | ${fmt(ratio(cold), 2)} | < 10 s |`,
        `| warm (median of ${WARM_RUNS}) | ${fmt(warmSeconds, 1)} | ${warm.slowest.name} ${fmt(warm.slowest.seconds, 1)} s | ${fmt(ratio(warm), 2)} | < 5 s |`,
        '',
        '| start | each part by itself (s) |',
        '|---|---|',
        partsRow('cold', cold),
        partsRow('warm (median run)', warm),
      ].join('\n'),
    );
    console.log(`npm start: cold ${describe(cold)}; warm ${describe(warm)} (targets: ratio ≤ 1.5, < 10 s cold, < 5 s warm)`);
    return { coldSeconds: cold.seconds, warmSeconds };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
