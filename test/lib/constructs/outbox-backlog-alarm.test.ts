import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxBacklogAlarm, type OutboxBacklogAlarmProps } from '../../../lib/constructs/outbox-backlog-alarm';
import { disposeTestApps, resourcesOf, testStack } from '../synth';

afterEach(disposeTestApps);

/** The construct on a stack of its own, reported by a stand-in resource. */
function build(props: Partial<OutboxBacklogAlarmProps> = {}) {
  const { stack } = testStack();
  const reporter = new Topic(stack, 'Reporter');
  new OutboxBacklogAlarm(stack, 'Backlog', { serviceName: 'billing', busPrefix: 'platform-test', namePrefix: 'platform-test', reportedBy: reporter, ...props });
  return { template: Template.fromStack(stack), reporterId: stack.getLogicalId(reporter.node.defaultChild as never) };
}

describe('OutboxBacklogAlarm', () => {
  it('when given no limits, then it fires past 5 minutes for 5 one-minute periods, and is made after what reports the metric', () => {
    const { template, reporterId } = build();
    const [alarm] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')) as { DependsOn?: string[]; Properties?: Record<string, unknown> }[];
    expect(alarm?.Properties).toMatchObject({ AlarmName: 'platform-test-billing-outbox-backlog', Threshold: 300, EvaluationPeriods: 5, Period: 60, TreatMissingData: 'breaching' });
    expect(alarm?.DependsOn).toContain(reporterId);
  });

  it('when given a longer age and more periods, then it uses them', () => {
    const { template } = build({ maxAge: Duration.minutes(15), periods: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 900, EvaluationPeriods: 3 });
  });

  it.each([
    [{ maxAge: Duration.seconds(30) }, 'maxAge must be whole seconds, at least 60; got 30'],
    [{ maxAge: Duration.millis(90_500) }, 'maxAge must be whole seconds, at least 60; got 90.5'],
    [{ periods: 0 }, 'periods must be a whole number of at least 1; got 0'],
    [{ periods: 1.5 }, 'periods must be a whole number of at least 1; got 1.5'],
  ])('when given %o, then it refuses, naming the prop', (props, message) => {
    expect(() => build(props)).toThrow(`OutboxBacklogAlarm "billing": ${message}`);
  });
});
