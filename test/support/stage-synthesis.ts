/**
 * The CDK stages, synthesized once per test run instead of once per test file: the global setup starts
 * synthesize-stages.ts as a child and does not wait for it (PostgreSQL and Cognito start meanwhile, and most
 * files need no template); test/lib/stage-templates.ts waits for its result.json, then reads the templates, the
 * cdk-nag facts and the cost script's templates.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { awaitReadyFile, writeReadyFile } from './ready-file';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the global setup's synthesis writes the stages' templates. */
    cdkStagesDir: string;
  }
}

export const SYNTH_STAGES = ['dev', 'prod'] as const;
export type SynthStage = (typeof SYNTH_STAGES)[number];
export type StackKind = 'data' | 'app';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'synthesize-stages.ts');

export const templatePath = (dir: string, stage: SynthStage, stack: StackKind) => path.join(dir, `${stage}-${stack}.template.json`);
/** test/lib/nag-facts.ts's NagFacts of the stage, or `{ error }` when its checked synthesis failed; none if unchecked. */
export const nagPath = (dir: string, stage: SynthStage) => path.join(dir, `${stage}-nag.json`);
/** `npm run cost`'s own synthesis of the stage (no account: scripts/cost.ts), its templates by stack name. */
export const costTemplatesPath = (dir: string, stage: SynthStage) => path.join(dir, `${stage}-cost.json`);

export interface SynthesisOptions {
  /** With cdk-nag and CloudFormation validation, and their facts for nag.test.ts (seconds more). */
  readonly checked: boolean;
  /** Also scripts/cost.ts's synthesis, for test/scripts/cost.test.ts. */
  readonly cost: boolean;
}
const resultPath = (dir: string) => path.join(dir, 'result.json');

/** Written last: `{}` once every template is on disk, or `{ error }`. */
export const writeResult = (dir: string, result: { error?: string }) => writeReadyFile(resultPath(dir), result);

export interface StageSynthesis {
  readonly dir: string;
  /** Ends the child if it still runs and removes the templates. */
  stop(): Promise<void>;
}

export function startStageSynthesis(options: SynthesisOptions): StageSynthesis {
  const dir = mkdtempSync(path.join(tmpdir(), 'cdk-stages-'));
  const args = ['--import', 'tsx', CHILD, dir, ...(options.checked ? ['--checked'] : []), ...(options.cost ? ['--cost'] : [])];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // Kept, not shown: CDK's output only matters when the synthesis failed, and then result.json carries it.
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => (writeResult(dir, { error: `could not start the synthesis: ${error.message}` }), resolve()));
    child.once('exit', (code, signal) => {
      if (!existsSync(resultPath(dir))) writeResult(dir, { error: `the synthesis ended with ${signal ?? `code ${code}`}:\n${output}` });
      resolve();
    });
  });
  return {
    dir,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the child has written every template; throws its error if it failed. */
export const awaitStageSynthesis = (dir: string) => awaitReadyFile(resultPath(dir), "the run's CDK synthesis (test/support/synthesize-stages.ts)");
