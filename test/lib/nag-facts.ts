/**
 * What nag.test.ts checks, read off a stage synthesized with cdk-nag and CloudFormation validation on: the
 * findings of a verbose AwsSolutions pass over the construct tree, and every acknowledgement in it. Plain data, so
 * the global setup's synthesis child (test/support/synthesize-stages.ts) can hand it over as JSON.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

export interface NagFacts {
  /** `severity rule: construct paths`, one per violation left. */
  readonly findings: string[];
  readonly acknowledgements: Acknowledgement[];
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

export function nagFacts(app: App): NagFacts {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
  return {
    findings: report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    acknowledgements: acknowledgements(app),
  };
}
