import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { AlarmStateAlert } from '../../../lib/constructs/alarm-state-alert';
import { disposeTestApps, resourcesOf, testStack } from '../synth';

afterEach(disposeTestApps);

function build() {
  const { stack } = testStack();
  const topic = new Topic(stack, 'Alerts');
  new AlarmStateAlert(stack, 'Forwarded', { name: 'platform-test', alarmNames: ['platform-test-nat0-cpu-credits'], topic });
  const template = Template.fromStack(stack);
  const [ruleId, rule] = Object.entries(resourcesOf(template, 'AWS::Events::Rule'))[0] as [string, { Properties: Record<string, unknown> }];
  const topicId = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'))[0]!;
  return { template, rule, ruleId, topicId };
}

describe('AlarmStateAlert', () => {
  it('when a named alarm goes into ALARM, or back to OK from it, then the rule matches its state change, by the alarm\'s ARN, and not the first OK of a new alarm', () => {
    const { rule } = build();
    expect(rule.Properties).toMatchObject({ Name: 'platform-test-forwarded-alarms', State: 'ENABLED' });
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:platform-test-nat0-cpu-credits'],
      detail: { $or: [{ state: { value: ['ALARM'] } }, { state: { value: ['OK'] }, previousState: { value: ['ALARM'] } }] },
    });
  });

  it('when it matches, then it publishes a message naming the stage, the alarm, its state and why, to the alerts topic', () => {
    const { rule, topicId } = build();
    const [target] = rule.Properties.Targets as { Arn: unknown; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
    expect(target!.Arn).toEqual({ Ref: topicId });
    expect(Object.values(target!.InputTransformer.InputPathsMap).sort()).toEqual(['$.detail.alarmName', '$.detail.configuration.description', '$.detail.state.reason', '$.detail.state.value', '$.time']);
    expect(target!.InputTransformer.InputTemplate).toMatch(/^"platform-test: <[^>]+> is <[^>]+> /);
  });

  it('when the topic\'s policy admits the rule, then it admits this rule alone (aws:SourceArn)', () => {
    const { template, ruleId } = build();
    const [policy] = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy'));
    const statements = (policy!.Properties!.PolicyDocument as { Statement: { Sid?: string; Principal?: unknown; Condition?: unknown }[] }).Statement;
    expect(statements.find((statement) => statement.Sid === 'ForwardedAlarmsPublish')).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
    });
  });

  it('when given no alarm name, or a topic it cannot grant, then it refuses', () => {
    const { stack } = testStack();
    expect(() => new AlarmStateAlert(stack, 'None', { name: 'platform-test', alarmNames: [], topic: new Topic(stack, 'Own') })).toThrow('AlarmStateAlert needs at least one alarm name; got none');
    const imported = Topic.fromTopicArn(stack, 'Imported', 'arn:aws:sns:us-east-1:123456789012:other');
    expect(() => new AlarmStateAlert(stack, 'Other', { name: 'platform-test', alarmNames: ['a'], topic: imported })).toThrow(/got an imported topic/);
  });
});
