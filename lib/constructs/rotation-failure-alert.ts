/**
 * A page when Secrets Manager fails to rotate one of the given secrets. Nothing else would say so: Secrets Manager
 * publishes no metric for it, no task uses the secret (IAM tokens), and the next scheduled rotation is a month away,
 * while the next deploy that provisions, or an operator who needs the master login, may find it does not work.
 * What it does publish is a CloudTrail service event, `RotationFailed` (detail-type "AWS Service Event via
 * CloudTrail", the secret's ARN in `detail.additionalEventData.SecretId`), which CloudTrail hands to the default
 * EventBridge bus while a trail logs the account's management events in the region (docs/deploy.md). A rule on that
 * bus matches it for these secrets only (another stage's, or another app's, page their own topic) and publishes a
 * short message naming the secret to the alerts topic. Rules on AWS service events are free.
 */
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { publishRuleToTopic } from './rule-to-topic';

export interface RotationFailureAlertProps {
  /** Names the rule (`<name>-secret-rotation-failed`) and starts the message, so a page says which stage. */
  readonly name: string;
  /** The secrets Secrets Manager rotates (the databases' master secrets); at least one. */
  readonly secrets: readonly ISecret[];
  /** The alerts topic: one of this app's, since its policy gets a statement letting this rule publish. */
  readonly topic: ITopic;
}

export class RotationFailureAlert extends Construct {
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RotationFailureAlertProps) {
    super(scope, id);
    if (props.secrets.length === 0) throw new Error('RotationFailureAlert needs at least one secret; got none');

    this.rule = new Rule(this, 'Rule', {
      ruleName: `${props.name}-secret-rotation-failed`,
      description: `Secrets Manager could not rotate a secret of ${props.name}: pages the alerts topic`,
      // Secrets Manager's CloudTrail entry for a failed rotation (its user guide, "AWS CloudTrail entries for
      // Secrets Manager", rotation); a service event has no `resources`, so the secret is matched by its ARN here.
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationFailed'],
          additionalEventData: { SecretId: props.secrets.map((secret) => secret.secretArn) },
        },
      },
    });

    const secret = EventField.fromPath('$.detail.additionalEventData.SecretId');
    const message = RuleTargetInput.fromText(
      `${props.name}: Secrets Manager could not rotate ${secret} (${EventField.time}). ` +
        'What to do: docs/deploy.md, section 9, A secret rotation failed.',
    );
    publishRuleToTopic({ rule: this.rule, topic: props.topic, sid: 'SecretRotationFailedPublish', message, by: 'RotationFailureAlert' });
  }
}
