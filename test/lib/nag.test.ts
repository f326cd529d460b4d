/**
 * cdk-nag's AwsSolutions pack, registered as bin/app.ts registers it, with CDK's built-in CloudFormation
 * validation on as in `cdk synth`: synthesis must succeed with no finding left, and every acknowledgement must
 * say why. The run's one synthesis of each stage is the checked one (test/support/synthesize-stages.ts); this file
 * reads what it found.
 */
import { describe, expect, it } from 'vitest';
import { stageNagFacts } from './stage-templates';

// Throws with the full report if a stage did not synthesize, e.g. a finding left.
const checked = await stageNagFacts();

describe.each(['dev', 'prod'] as const)('cdk-nag AwsSolutions (%s)', (stage) => {
  it('when the stage is checked, then no error and no warning is left unacknowledged', () => {
    expect(checked[stage].findings).toEqual([]);
  });

  it('when a rule is acknowledged, then a reason of at least a sentence says why', () => {
    const all = checked[stage].acknowledgements;
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) expect(reason.length, `${id} on ${path}`).toBeGreaterThanOrEqual(40);
  });

  it('when acknowledgements change, then the list shows it in review', () => {
    const summary = checked[stage].acknowledgements.map(({ path, id }) => `${id} @ ${path}`);
    expect(summary.sort()).toMatchSnapshot();
  });
});
