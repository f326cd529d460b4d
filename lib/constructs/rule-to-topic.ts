/**
 * An EventBridge rule that pages the alerts topic. The topic's policy admits that rule alone (aws:SourceArn), as it
 * admits this account's alarms alone: CDK's SnsTopic target would add a grant to events.amazonaws.com with no
 * condition, which a rule in any account could use to publish there (confused deputy), so the target is the topic's
 * ARN and this statement.
 */
import type { Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

export interface RuleToTopic {
  readonly rule: Rule;
  /** One of this app's topics: an imported one has no policy to add the statement to. */
  readonly topic: ITopic;
  /** The statement's id in the topic's policy. */
  readonly sid: string;
  readonly message: RuleTargetInput;
  /** The construct asking, named in the error for an imported topic. */
  readonly by: string;
}

export function publishRuleToTopic({ rule, topic, sid, message, by }: RuleToTopic): void {
  const added = topic.addToResourcePolicy(
    new PolicyStatement({
      sid,
      principals: [new ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
    }),
  );
  if (!added.statementAdded) {
    throw new Error(`${by} topic must be one this app creates (its policy admits the rule); got an imported topic, ${topic.node.path}`);
  }
  rule.addTarget({ bind: () => ({ arn: topic.topicArn, input: message }) });
}
