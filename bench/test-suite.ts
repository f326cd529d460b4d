/**
 * Wall-clock time of the whole `npm test`, back to back with the same command on the main of the day issue #11
 * asked for a twice-as-fast run (05f2e05, 755 tests; BENCH_TEST_SUITE_BASELINE names another commit, `none` skips
 * it). The baseline runs in a git worktree with its own `npm ci`; it runs first, so both runs see the machine
 * about the same. Its files that fail here (the /docs browser test wanted a system Chromium then) still count
 * their time. CPU time beside each, because wall time moves with whatever else the machine runs.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { childrenCpuSeconds, fmt, machineLine, writeSection } from './support/report';

const BASELINE = process.env.BENCH_TEST_SUITE_BASELINE ?? '05f2e05';
const TARGET_RATIO = 0.5;

export interface TestSuiteFigures {
  readonly seconds: number;
  readonly cpuSeconds: number | null;
  /** vitest's summary lines, e.g. `Test Files  84 passed (84)`. */
  readonly files: string;
  readonly tests: string;
}

function spawnCollect(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString());
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** A vitest summary line's figures; its `|` separators become commas, since they go into a table cell. */
const summary = (output: string, label: string) => (new RegExp(`^\\s*${label}\\s+(.+)$`, 'm').exec(output)?.[1]?.trim() ?? '?').replace(/\s*\|\s*/g, ', ');

/** `npm test` in `cwd`, timed with its CPU. `mustPass`: a failing run has no time worth recording. */
async function timeNpmTest(cwd: string, mustPass: boolean): Promise<TestSuiteFigures> {
  const cpuBefore = await childrenCpuSeconds();
  const started = performance.now();
  const { code, output } = await spawnCollect('npm', ['test'], cwd);
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await childrenCpuSeconds();
  const ran = /^\s*Tests\s/m.test(output);
  if ((code !== 0 && mustPass) || !ran) throw new Error(`npm test in ${cwd} failed (exit ${code}):\n${output.slice(-4_000)}`);
  const cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return { seconds, cpuSeconds, files: summary(output, 'Test Files'), tests: summary(output, 'Tests') };
}

/** The baseline commit's suite, in a throw-away worktree with its own dependencies. */
async function timeBaseline(ref: string): Promise<TestSuiteFigures> {
  const base = await mkdtemp(path.join(tmpdir(), 'platform-test-baseline-'));
  // mkdtemp makes it private; as root, the embedded PostgreSQL runs as the postgres user and must reach its binaries.
  await chmod(base, 0o755);
  const dir = path.join(base, 'tree');
  const git = async (...args: string[]) => {
    const { code, output } = await spawnCollect('git', args, process.cwd());
    if (code !== 0) throw new Error(`git ${args.join(' ')} failed: ${output}`);
  };
  await git('worktree', 'add', '--detach', dir, ref);
  try {
    console.log(`  baseline ${ref}: npm ci`);
    const installed = await spawnCollect('npm', ['ci', '--no-audit', '--no-fund'], dir);
    if (installed.code !== 0) throw new Error(`npm ci at ${ref} failed:\n${installed.output.slice(-2_000)}`);
    console.log(`  baseline ${ref}: npm test`);
    return await timeNpmTest(dir, false);
  } finally {
    await git('worktree', 'remove', '--force', dir);
    await rm(base, { recursive: true, force: true });
  }
}

/** The run's number of tests: the total in parentheses of vitest's `Tests` line, e.g. `754 passed, 1 skipped (755)`. */
const testCount = (f: TestSuiteFigures) => Number(/\((\d+)\)\s*$/.exec(f.tests)?.[1] ?? Number.NaN);

/** Wall and CPU per test, beside the baseline's: the suites differ in size, so the whole-run ratio alone hides this. */
function perTestLine(current: TestSuiteFigures, baseline: TestSuiteFigures): string {
  const per = (f: TestSuiteFigures) => ({ wall: (f.seconds * 1000) / testCount(f), cpu: f.cpuSeconds === null ? Number.NaN : (f.cpuSeconds * 1000) / testCount(f) });
  const [now, then] = [per(current), per(baseline)];
  return `Per test: ${fmt(now.wall)} ms of wall time and ${fmt(now.cpu)} ms of CPU here, ${fmt(then.wall)} ms and ${fmt(then.cpu)} ms in the baseline (this checkout has ${fmt(testCount(current) / testCount(baseline), 2)}× its tests).`;
}

const cpu = (f: TestSuiteFigures) => (f.cpuSeconds === null ? 'n/a' : `${fmt(f.cpuSeconds, 1)} s`);
const row = (name: string, f: TestSuiteFigures) => `| ${name} | ${fmt(f.seconds, 1)} s | ${cpu(f)} | ${f.files} | ${f.tests} |`;

export async function run(): Promise<TestSuiteFigures & { ratio?: number }> {
  const baseline = BASELINE === 'none' ? undefined : await timeBaseline(BASELINE);
  console.log('  this checkout: npm test');
  const current = await timeNpmTest(process.cwd(), true);
  const ratio = baseline && current.seconds / baseline.seconds;
  const database = process.env.TEST_DATABASE_URL ? 'the server in TEST_DATABASE_URL' : 'embedded PostgreSQL started by the global setup';
  await writeSection(
    'Test suite',
    [
      `Machine: ${machineLine()}. \`npm test\` once each, back to back, wall clock from start to exit: every test file,`,
      `the e2e tests (\`npm start\` in a child, as a user runs it) included; database: ${database}.`,
      '',
      '| run | wall | CPU (npm test and children) | files | tests |',
      '|---|---|---|---|---|',
      ...(baseline ? [row(`main at ${BASELINE} (baseline, run first)`, baseline)] : []),
      row('this checkout', current),
      '',
      ratio === undefined
        ? 'No baseline run (BENCH_TEST_SUITE_BASELINE=none).'
        : `**${fmt(ratio, 2)}×** the baseline's wall time (target ≤ ${TARGET_RATIO}: issue #11 asks for a run twice as fast as that main's). Tests added since count in this checkout's time. One run each: wall time moves by ±25% with what else shares the machine; the CPU column moves much less.`,
      ...(baseline ? ['', perTestLine(current, baseline)] : []),
    ].join('\n'),
  );
  console.log(`npm test: ${fmt(current.seconds, 1)} s wall, ${cpu(current)} CPU${baseline ? `; baseline ${fmt(baseline.seconds, 1)} s, ${cpu(baseline)} CPU; ratio ${fmt(ratio!, 2)}` : ''}`);
  return { ...current, ...(ratio === undefined ? {} : { ratio }) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
