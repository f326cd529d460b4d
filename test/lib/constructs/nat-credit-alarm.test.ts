import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { NatCreditAlarm, natCreditAlarmName } from '../../../lib/constructs/nat-credit-alarm';
import { Network } from '../../../lib/constructs/network';
import { disposeTestApps, resourcesOf, testStack } from '../synth';

afterEach(disposeTestApps);

function build() {
  const test = testStack();
  const network = new Network(test.stack, 'Network', { cidr: '10.0.0.0/16', nat: 'instance', flowLogTraffic: 'REJECT', logRetention: RetentionDays.TWO_WEEKS });
  new NatCreditAlarm(test.stack, 'NatCredits0', { instance: network.burstableNatInstances[0]!, alarmName: natCreditAlarmName('platform-test', 0) });
  const template = Template.fromStack(test.stack);
  return { template, natId: Object.keys(resourcesOf(template, 'AWS::EC2::Instance'))[0]! };
}

describe('NatCreditAlarm', () => {
  it('when EC2 charges the NAT instance any surplus CPU credit in an hour, then the alarm fires, before the bill shows it', () => {
    const { template, natId } = build();
    const [alarm] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    expect(alarm!.Properties).toMatchObject({
      AlarmName: 'platform-test-nat0-cpu-credits-charged',
      Namespace: 'AWS/EC2',
      MetricName: 'CPUSurplusCreditsCharged',
      Dimensions: [{ Name: 'InstanceId', Value: { Ref: natId } }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm!.Properties?.AlarmDescription).toMatch(/docs\/deploy\.md, section 12/);
  });

  it('when made, then it has no action of its own: the app stack forwards it by name, and references nothing of the app stack', () => {
    const [alarm] = Object.values(build().template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarm!.Properties).not.toHaveProperty('AlarmActions');
    expect(alarm!.Properties).not.toHaveProperty('OKActions');
  });
});
