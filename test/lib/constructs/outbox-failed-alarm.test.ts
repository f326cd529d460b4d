import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxFailedAlarm } from '../../../lib/constructs/outbox-failed-alarm';
import { disposeTestApps, resourcesOf, testStack } from '../synth';

afterEach(disposeTestApps);

describe('OutboxFailedAlarm', () => {
  it('when built, then it fires on any failed event in one one-minute period, and a minute without a report is not a breach', () => {
    const { stack } = testStack();
    new OutboxFailedAlarm(stack, 'Failed', { serviceName: 'billing', busPrefix: 'platform-test', namePrefix: 'platform-test' });
    const alarms = Object.values(resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties).toMatchObject({
      AlarmName: 'platform-test-billing-outbox-failed',
      Namespace: 'Platform/Outbox',
      MetricName: 'OutboxFailedEvents',
      Dimensions: expect.arrayContaining([{ Name: 'Service', Value: 'billing' }, { Name: 'BusPrefix', Value: 'platform-test' }]),
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarms[0]?.Properties?.Dimensions).toHaveLength(2);
  });
});
