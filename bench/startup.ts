/**
 * Time from `npm start` to its `ready` line: cold (empty DATA_DIR: initdb, migrations, Cognito seeding, queue
 * creation) and warm (the same DATA_DIR again). Targets: under 10 s cold, under 5 s warm.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startPlatformProcess } from '../test/support/platform-process';
import { fmt, machineLine, median, writeSection } from './support/report';

const WARM_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);

async function timeToReady(dataDir: string): Promise<number> {
  const started = performance.now();
  const platform = await startPlatformProcess(dataDir);
  const seconds = (performance.now() - started) / 1000;
  await platform.stop('SIGTERM');
  return seconds;
}

export async function run(): Promise<{ coldSeconds: number; warmSeconds: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-bench-start-'));
  await chmod(dataDir, 0o755);
  try {
    const coldSeconds = await timeToReady(dataDir);
    console.log(`  cold: ${fmt(coldSeconds, 1)} s`);
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      warm.push(await timeToReady(dataDir));
      console.log(`  warm ${i + 1}/${WARM_RUNS}: ${fmt(warm.at(-1)!, 1)} s`);
    }
    const warmSeconds = median(warm);
    await writeSection(
      'npm start: time to ready',
      [
        `Machine: ${machineLine()}. From spawning \`node --import tsx services/local/main.ts\` to its \`ready\` line: embedded`,
        'PostgreSQL 16, cognito-local, fauxqs, three services (migrations at start) and the gateway, all on loopback.',
        '',
        '| start | seconds | target |',
        '|---|---|---|',
        `| cold (empty DATA_DIR) | ${fmt(coldSeconds, 1)} | < 10 |`,
        `| warm (median of ${WARM_RUNS}) | ${fmt(warmSeconds, 1)} | < 5 |`,
      ].join('\n'),
    );
    console.log(`npm start: cold ${fmt(coldSeconds, 1)} s (target < 10), warm ${fmt(warmSeconds, 1)} s (target < 5)`);
    return { coldSeconds, warmSeconds };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
