/**
 * Both stages as the tests that only read them need them: their templates, what nag.test.ts checks, and the cost
 * script's templates.
 * Synthesis is the slow part (with CloudFormation validation, seconds per stage), so the global setup does it once
 * per run (test/support/stage-synthesis.ts) and each file reads the JSON. Tests that synthesize a variation of a
 * stack still build their own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import { synthesizeTemplates, type Template as CostTemplate } from '../../scripts/cost';
import { awaitStageSynthesis, costTemplatesPath, nagPath, SYNTH_STAGES, templatePath, type SynthStage } from '../support/stage-synthesis';
import { nagFacts, type NagFacts } from './nag-facts';
import { synthesizeStage } from './synth';

export interface StageTemplates {
  readonly dataTemplate: Template;
  readonly appTemplate: Template;
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const perStage = <T>(of: (stage: SynthStage) => T) => Object.fromEntries(SYNTH_STAGES.map((stage) => [stage, of(stage)])) as Record<SynthStage, T>;

/** The run's synthesis, or undefined without the global setup (another config): then the file synthesizes. */
async function synthesisDir(): Promise<string | undefined> {
  const dir = inject('cdkStagesDir') as string | undefined;
  if (dir) await awaitStageSynthesis(dir);
  return dir;
}

export async function stageTemplates(): Promise<Record<SynthStage, StageTemplates>> {
  const dir = await synthesisDir();
  if (dir) {
    return perStage((stage) => ({ dataTemplate: Template.fromJSON(json(templatePath(dir, stage, 'data'))), appTemplate: Template.fromJSON(json(templatePath(dir, stage, 'app'))) }));
  }
  return perStage((stage) => {
    const synthesized = synthesizeStage(stage);
    synthesized.dispose();
    return { dataTemplate: synthesized.dataTemplate, appTemplate: synthesized.appTemplate };
  });
}

/** Throws the synthesis error (the full cdk-nag or validation report) if a stage did not synthesize with the checks. */
export async function stageNagFacts(): Promise<Record<SynthStage, NagFacts>> {
  const dir = await synthesisDir();
  // Unchecked when the run was not expected to include nag.test.ts (see global-setup.ts).
  if (dir && existsSync(nagPath(dir, 'dev'))) {
    return perStage((stage) => {
      const facts = json(nagPath(dir, stage)) as unknown as NagFacts & { error?: string };
      if (facts.error) throw new Error(`${stage}: the synthesis with cdk-nag and CloudFormation validation failed:\n${facts.error}`);
      return facts;
    });
  }
  return perStage((stage) => {
    const synthesized = synthesizeStage(stage, { nag: true, cfnValidation: true });
    synthesized.dispose();
    return nagFacts(synthesized.app);
  });
}

/** `npm run cost`'s synthesis of each stage, for test/scripts/cost.test.ts. */
export async function stageCostTemplates(): Promise<Record<SynthStage, Record<string, CostTemplate>>> {
  const dir = await synthesisDir();
  // Absent when the run was not expected to include cost.test.ts (see global-setup.ts).
  if (dir && existsSync(costTemplatesPath(dir, 'dev'))) return perStage((stage) => json(costTemplatesPath(dir, stage)) as Record<string, CostTemplate>);
  return perStage((stage) => synthesizeTemplates(stage));
}
