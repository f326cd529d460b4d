/**
 * Times a full `cdk synth` of one stage through the CLI, as a developer runs it: CLI start, the app under tsx,
 * both stacks and cdk-nag, no credentials. Target: at most 15 s. One more run adds CDK's CloudFormation rule
 * validation (`-c cfnValidation=true`, which the test suite always runs), to show what it costs.
 *
 * Wall time moves with whatever else the machine runs; the CPU time of the CLI and its children is reported
 * beside it, because it barely does.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { childrenCpuSeconds, fmt, machineLine, writeSection } from './support/report';

const TARGET_SECONDS = 15;

export interface SynthFigures {
  readonly name: string;
  readonly stage: string;
  /** Median wall-clock seconds of the runs. */
  readonly seconds: number;
  /** Median CPU seconds (user + system) of the CLI and everything it started; null off Linux. */
  readonly cpuSeconds: number | null;
  readonly runs: number;
  readonly targetSeconds: number;
}

async function synthOnce(stage: string, extra: readonly string[] = []): Promise<{ seconds: number; cpuSeconds: number | null }> {
  const outdir = await mkdtemp(path.join(os.tmpdir(), 'bench-synth-'));
  const cpuBefore = await childrenCpuSeconds();
  const started = process.hrtime.bigint();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('npx', ['cdk', 'synth', '--quiet', '-c', `stage=${stage}`, ...extra, '-o', outdir], {
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cdk synth exited with ${code}:\n${stderr}`))));
    });
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = await childrenCpuSeconds();
  return { seconds, cpuSeconds: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(options: { stage?: string; runs?: number } = {}): Promise<SynthFigures> {
  const stage = options.stage ?? 'dev';
  const runs = options.runs ?? 3;
  const results = [];
  for (let i = 1; i <= runs; i++) {
    const result = await synthOnce(stage);
    console.log(`  cdk synth ${stage}, run ${i}/${runs}: ${fmt(result.seconds, 1)} s wall, ${result.cpuSeconds === null ? '?' : fmt(result.cpuSeconds, 1)} s CPU`);
    results.push(result);
  }
  const seconds = median(results.map((r) => r.seconds));
  const cpu = results.every((r) => r.cpuSeconds !== null) ? median(results.map((r) => r.cpuSeconds!)) : null;
  const validated = await synthOnce(stage, ['-c', 'cfnValidation=true']);
  console.log(`  cdk synth ${stage} -c cfnValidation=true: ${fmt(validated.seconds, 1)} s wall`);
  const verdict = seconds <= TARGET_SECONDS ? 'within' : 'over';
  const cpuCell = (value: number | null) => (value === null ? 'n/a' : `${fmt(value, 1)} s`);
  await writeSection(
    'cdk synth',
    [
      `Machine: ${machineLine()}. \`npx cdk synth --quiet -c stage=${stage}\`: CLI start, the app under tsx, both stacks,`,
      `cdk-nag, no credentials; median of ${runs} runs. The second row adds CDK's CloudFormation rule validation, one run.`,
      '',
      '| command | wall | CPU (CLI and children) | target |',
      '|---|---|---|---|',
      `| \`cdk synth -c stage=${stage}\` | ${fmt(seconds, 1)} s | ${cpuCell(cpu)} | ≤ ${TARGET_SECONDS} s |`,
      `| … \`-c cfnValidation=true\` | ${fmt(validated.seconds, 1)} s | ${cpuCell(validated.cpuSeconds)} | (tests run it) |`,
      '',
      `**${fmt(seconds, 1)} s**, ${verdict} the ${TARGET_SECONDS} s target. Wall time includes waiting for the CPU when other work shares the machine; the CPU column does not.`,
    ].join('\n'),
  );
  console.log(`cdk synth (${stage}): ${fmt(seconds, 1)} s wall (target ≤ ${TARGET_SECONDS} s), ${cpu === null ? '?' : fmt(cpu, 1)} s CPU`);
  return { name: 'cdk synth', stage, seconds, cpuSeconds: cpu, runs, targetSeconds: TARGET_SECONDS };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { stage: { type: 'string', default: 'dev' }, runs: { type: 'string', default: '3' } } });
  await run({ stage: values.stage!, runs: Number(values.runs) });
}
