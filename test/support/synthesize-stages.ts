/**
 * `node --import tsx test/support/synthesize-stages.ts <dir> [--checked] [--cost]`, started by the global setup
 * (stage-synthesis.ts): synthesizes each stage once and writes its stacks' templates into <dir>. `--checked`
 * synthesizes as `cdk synth -c cfnValidation=true` does (cdk-nag's AwsSolutions pack registered, CloudFormation
 * validation on; neither changes a template) and also writes what nag.test.ts checks. When that synthesis fails (a
 * finding left, an invalid template), the error goes to nag.test.ts and the templates come from a synthesis
 * without the checks, so the template tests still run. `--cost` adds `npm run cost`'s synthesis (without an
 * account, so it is its own) for cost.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { synthesizeTemplates } from '../../scripts/cost';
import { nagFacts } from '../lib/nag-facts';
import { synthesizeStage, type SynthesizedStage } from '../lib/synth';
import { errorText } from './ready-file';
import { costTemplatesPath, nagPath, SYNTH_STAGES, templatePath, writeResult, type SynthStage } from './stage-synthesis';

const [given, ...flags] = process.argv.slice(2);
if (!given) throw new Error('usage: synthesize-stages.ts <dir> [--checked] [--cost]');
const dir = given;

function synthesize(stage: SynthStage): SynthesizedStage {
  if (!flags.includes('--checked')) return synthesizeStage(stage);
  try {
    const synthesized = synthesizeStage(stage, { nag: true, cfnValidation: true });
    writeFileSync(nagPath(dir, stage), JSON.stringify(nagFacts(synthesized.app)));
    return synthesized;
  } catch (error) {
    writeFileSync(nagPath(dir, stage), JSON.stringify({ error: errorText(error) }));
    return synthesizeStage(stage);
  }
}

try {
  for (const stage of SYNTH_STAGES) {
    const synthesized = synthesize(stage);
    try {
      writeFileSync(templatePath(dir, stage, 'data'), JSON.stringify(synthesized.dataTemplate.toJSON()));
      writeFileSync(templatePath(dir, stage, 'app'), JSON.stringify(synthesized.appTemplate.toJSON()));
    } finally {
      synthesized.dispose();
    }
    if (flags.includes('--cost')) writeFileSync(costTemplatesPath(dir, stage), JSON.stringify(synthesizeTemplates(stage)));
  }
  writeResult(dir, {});
} catch (error) {
  writeResult(dir, { error: errorText(error) });
  process.exitCode = 1;
}
