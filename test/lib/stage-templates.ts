/**
 * The templates of both stages for tests that only read templates. Synthesis is the slow part, so the global
 * setup does it once per run (test/support/stage-synthesis.ts) and each file reads the JSON. Tests that need the
 * construct tree (nag.test.ts) or a variation of a stack still synthesize their own.
 */
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import { awaitStageSynthesis, SYNTH_STAGES, templatePath, type SynthStage } from '../support/stage-synthesis';
import { synthesizeStage } from './synth';

export interface StageTemplates {
  readonly dataTemplate: Template;
  readonly appTemplate: Template;
}

const read = (file: string) => Template.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);

/** Both stages' templates; without the global setup (another config), this file synthesizes them itself. */
export async function stageTemplates(): Promise<Record<SynthStage, StageTemplates>> {
  const dir = inject('cdkStagesDir') as string | undefined;
  if (!dir) return Object.fromEntries(SYNTH_STAGES.map((stage) => [stage, synthesizeHere(stage)])) as Record<SynthStage, StageTemplates>;
  await awaitStageSynthesis(dir);
  return Object.fromEntries(
    SYNTH_STAGES.map((stage) => [stage, { dataTemplate: read(templatePath(dir, stage, 'data')), appTemplate: read(templatePath(dir, stage, 'app')) }]),
  ) as Record<SynthStage, StageTemplates>;
}

function synthesizeHere(stage: SynthStage): StageTemplates {
  const synthesized = synthesizeStage(stage);
  synthesized.dispose();
  return { dataTemplate: synthesized.dataTemplate, appTemplate: synthesized.appTemplate };
}
