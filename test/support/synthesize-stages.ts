/**
 * `node --import tsx test/support/synthesize-stages.ts <dir>`, started by the global setup (stage-synthesis.ts):
 * synthesizes each stage as test/lib/synth.ts does for a test and writes its stacks' templates as JSON into <dir>.
 */
import { writeFileSync } from 'node:fs';
import { synthesizeStage } from '../lib/synth';
import { errorText } from './ready-file';
import { SYNTH_STAGES, templatePath, writeResult } from './stage-synthesis';

const dir = process.argv[2];
if (!dir) throw new Error('usage: synthesize-stages.ts <dir>');

try {
  for (const stage of SYNTH_STAGES) {
    const synthesized = synthesizeStage(stage);
    try {
      writeFileSync(templatePath(dir, stage, 'data'), JSON.stringify(synthesized.dataTemplate.toJSON()));
      writeFileSync(templatePath(dir, stage, 'app'), JSON.stringify(synthesized.appTemplate.toJSON()));
    } finally {
      synthesized.dispose();
    }
  }
  writeResult(dir, {});
} catch (error) {
  writeResult(dir, { error: errorText(error) });
  process.exitCode = 1;
}
