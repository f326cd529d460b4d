/**
 * cdk-nag's AwsSolutions pack, registered as bin/app.ts registers it, with CDK's built-in CloudFormation
 * validation on as in `cdk synth`: synthesis must succeed with no finding left, and every acknowledgement must
 * say why.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeStage, type SynthesizedStage } from './synth';

const synthesized = {} as Record<'dev' | 'prod', SynthesizedStage>;
beforeAll(() => {
  // synthesizeStage throws with the full report if any finding is left.
  synthesized.dev = synthesizeStage('dev', { nag: true, cfnValidation: true });
  synthesized.prod = synthesizeStage('prod', { nag: true, cfnValidation: true });
}, 180_000);
afterAll(() => {
  synthesized.dev?.dispose();
  synthesized.prod?.dispose();
});

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason })),
      ),
  );
}

describe.each(['dev', 'prod'] as const)('cdk-nag AwsSolutions (%s)', (stage) => {
  it('when the stage is checked, then no error and no warning is left unacknowledged', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(synthesized[stage].app);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  it('when a rule is acknowledged, then a reason of at least a sentence says why', () => {
    const all = acknowledgements(synthesized[stage].app);
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) expect(reason.length, `${id} on ${path}`).toBeGreaterThanOrEqual(40);
  });

  it('when acknowledgements change, then the list shows it in review', () => {
    const summary = acknowledgements(synthesized[stage].app).map(({ path, id }) => `${id} @ ${path}`);
    expect(summary.sort()).toMatchSnapshot();
  });
});
