/**
 * Wall-clock time of the whole `npm test`, one run: the e2e tests (`npm start` as a user runs it) included, the
 * global setup's embedded PostgreSQL too unless TEST_DATABASE_URL names a server. Target: at most half the 94 s
 * that the suite of 2026-12-01 (79 files) took on a two-core machine before it was made faster; files added
 * since count in the figure. CPU time beside it, because wall time moves with whatever else the machine runs.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { childrenCpuSeconds, fmt, machineLine, writeSection } from './support/report';

const BEFORE_SECONDS = 94;
const TARGET_SECONDS = BEFORE_SECONDS / 2;

export interface TestSuiteFigures {
  readonly seconds: number;
  readonly cpuSeconds: number | null;
  /** vitest's summary lines, e.g. `Test Files  84 passed (84)`. */
  readonly files: string;
  readonly tests: string;
}

function npmTest(): Promise<{ seconds: number; output: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['test'], { env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString());
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ seconds, output });
      else reject(new Error(`npm test failed (exit ${code}); a failing suite has no time worth recording:\n${output.slice(-4_000)}`));
    });
  });
}

const summary = (output: string, label: string) => new RegExp(`^\\s*${label}\\s+(.+)$`, 'm').exec(output)?.[1]?.trim() ?? '?';

export async function run(): Promise<TestSuiteFigures> {
  const cpuBefore = await childrenCpuSeconds();
  const { seconds, output } = await npmTest();
  const cpuAfter = await childrenCpuSeconds();
  const cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const files = summary(output, 'Test Files');
  const tests = summary(output, 'Tests');
  const database = process.env.TEST_DATABASE_URL ? 'the server in TEST_DATABASE_URL' : 'embedded PostgreSQL started by the global setup';
  const verdict = seconds <= TARGET_SECONDS ? 'within' : 'over';
  await writeSection(
    'Test suite',
    [
      `Machine: ${machineLine()}. \`npm test\` once, wall clock from start to exit: every test file, the e2e tests`,
      `(\`npm start\` in a child, as a user runs it) included; database: ${database}.`,
      '',
      '| run | wall | CPU (npm test and children) | files | tests | target |',
      '|---|---|---|---|---|---|',
      `| \`npm test\` | ${fmt(seconds, 1)} s | ${cpuSeconds === null ? 'n/a' : `${fmt(cpuSeconds, 1)} s`} | ${files} | ${tests} | ≤ ${TARGET_SECONDS} s |`,
      '',
      `**${fmt(seconds, 1)} s**, ${verdict} the ${TARGET_SECONDS} s target: half of the ${BEFORE_SECONDS} s that the 79 files of 2026-12-01 took before`,
      'the suite was made faster; files added since count here. One run: wall time moves by ±25% with what else',
      'shares the machine; the CPU column moves much less.',
    ].join('\n'),
  );
  console.log(`npm test: ${fmt(seconds, 1)} s wall (target ≤ ${TARGET_SECONDS} s), ${cpuSeconds === null ? '?' : fmt(cpuSeconds, 1)} s CPU; ${files}; ${tests}`);
  return { seconds, cpuSeconds, files, tests };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
