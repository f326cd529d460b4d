import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { RotationFailureAlert } from '../../../lib/constructs/rotation-failure-alert';
import { disposeTestApps, resourcesOf, testStack } from '../synth';

afterEach(disposeTestApps);

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: unknown;
  Condition?: unknown;
}

/** Two secrets and the alerts topic, with the construct watching the secrets; the ids of all three. */
function build() {
  const { stack } = testStack();
  const secrets = [new Secret(stack, 'First'), new Secret(stack, 'Second')];
  const topic = new Topic(stack, 'Alerts');
  const alert = new RotationFailureAlert(stack, 'Rotation', { name: 'platform-test', secrets, topic });
  const template = Template.fromStack(stack);
  const idOf = (type: string, prefix: string) => Object.keys(resourcesOf(template, type)).find((id) => id.startsWith(prefix))!;
  return {
    alert,
    template,
    rule: Object.values(resourcesOf(template, 'AWS::Events::Rule'))[0]!,
    ruleId: idOf('AWS::Events::Rule', 'Rotation'),
    topicId: idOf('AWS::SNS::Topic', 'Alerts'),
    secretIds: ['First', 'Second'].map((prefix) => idOf('AWS::SecretsManager::Secret', prefix)),
  };
}

describe('RotationFailureAlert', () => {
  it('when a watched secret fails to rotate, then the rule matches Secrets Manager\'s RotationFailed service event for those secrets, and nothing else', () => {
    const { rule, secretIds } = build();
    expect(rule.Properties).toMatchObject({ Name: 'platform-test-secret-rotation-failed', State: 'ENABLED' });
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationFailed'],
        additionalEventData: { SecretId: secretIds.map((id) => ({ Ref: id })) },
      },
    });
    // On the account's default bus, where CloudTrail delivers AWS service events.
    expect(rule.Properties?.EventBusName).toBeUndefined();
  });

  it('when the rule matches, then the alerts topic gets a message naming the stage and the secret', () => {
    const { rule, topicId } = build();
    const [target] = rule.Properties?.Targets as { Arn: unknown; RoleArn?: unknown; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
    expect(target!.Arn).toEqual({ Ref: topicId });
    // The topic's policy admits the rule: a role would be a second way in.
    expect(target!.RoleArn).toBeUndefined();
    const { InputPathsMap: paths, InputTemplate: text } = target!.InputTransformer;
    const field = (path: string) => Object.keys(paths).find((key) => paths[key] === path);
    expect(field('$.detail.additionalEventData.SecretId')).toBeDefined();
    expect(field('$.time')).toBeDefined();
    expect(text).toContain(`platform-test: Secrets Manager could not rotate <${field('$.detail.additionalEventData.SecretId')!}> (<${field('$.time')!}>)`);
    expect(text).toContain('docs/deploy.md');
  });

  it('when the rule publishes, then the topic admits it, and only it: no events.amazonaws.com grant without its ARN as the source', () => {
    const { template, ruleId } = build();
    const [policy] = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy'));
    const statements = (policy!.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    const fromEvents = statements.filter((statement) => JSON.stringify(statement.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' }));
    expect(fromEvents).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    ]);
  });

  it('when given no secret, then it refuses', () => {
    const { stack } = testStack();
    expect(() => new RotationFailureAlert(stack, 'Rotation', { name: 'x', secrets: [], topic: new Topic(stack, 'Alerts') })).toThrow(
      'RotationFailureAlert needs at least one secret; got none',
    );
  });

  it('when given an imported topic (whose policy it cannot change), then it refuses, naming it, instead of a rule that could never publish', () => {
    const { stack } = testStack();
    const topic = Topic.fromTopicArn(stack, 'Elsewhere', 'arn:aws:sns:us-east-1:123456789012:elsewhere');
    expect(() => new RotationFailureAlert(stack, 'Rotation', { name: 'x', secrets: [new Secret(stack, 'S')], topic })).toThrow(
      /RotationFailureAlert topic must be one this app creates .*got an imported topic, Test\/Elsewhere/,
    );
  });
});
