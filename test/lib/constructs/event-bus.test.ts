import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../lib/constructs/event-bus';
import { busTopology } from '../../../services/contracts/bus-topology';
import { backoffDelay } from '../../../services/kit/bus/backoff';
import { DEFAULT_HANDLER_TIMEOUT_SECONDS } from '../../../services/contracts/shutdown';
import { DEFAULT_RETRY_SECONDS } from '../../../services/kit/bus/consumer';
import { INBOX_RETENTION_MS } from '../../../services/kit/inbox/pruner';
import { resourcesOf, testStack, type TestApp } from '../synth';

const topology = busTopology('test');
let test: TestApp & { stack: Stack };
let template: Template;
beforeAll(() => {
  test = testStack();
  new EventBus(test.stack, 'Events', { topology });
  template = Template.fromStack(test.stack);
});
afterAll(() => test.dispose());

describe('EventBus', () => {
  it('when built from the shared topology, then the topic is named by it and encrypted with the SNS-managed key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: topology.topicName,
      KmsMasterKeyId: Match.stringLikeRegexp(':alias/aws/sns$'),
    });
  });

  it.each(topology.queues.map((q) => [q.consumer, q] as const))(
    'when %s consumes events, then its queue has a DLQ, SSE, and a raw subscription filtered like the topology',
    (_consumer, spec) => {
      const queues = resourcesOf(template, 'AWS::SQS::Queue');
      const [dlqId] = Object.entries(queues).find(([, q]) => q.Properties?.QueueName === spec.deadLetterQueueName)!;
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: spec.queueName,
        SqsManagedSseEnabled: true,
        // A consumer stopped over a long weekend loses nothing (SQS's default is 4 days).
        MessageRetentionPeriod: 14 * 24 * 3600,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: spec.maxReceiveCount },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: spec.deadLetterQueueName,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        FilterPolicy: JSON.parse(JSON.stringify(spec.filterPolicy)),
      });
    },
  );

  it.each(topology.queues.map((q) => [q.consumer, q] as const))(
    'when %s\'s dead letter is redriven at the last moment, then its inbox still remembers the event: it keeps ids longer than the retries, the dead-letter queue\'s retention and the queue\'s together',
    (_consumer, spec) => {
      const queues = Object.values(resourcesOf(template, 'AWS::SQS::Queue'));
      const retentionOf = (name: string) => Number(queues.find((q) => q.Properties?.QueueName === name)?.Properties?.MessageRetentionPeriod);
      // Every receive may run to the handler timeout, and waits its retry delay before the next.
      const retriesSeconds = Array.from({ length: spec.maxReceiveCount }, (_, index) => index + 1).reduce(
        (sum, receive) => sum + DEFAULT_HANDLER_TIMEOUT_SECONDS + (receive < spec.maxReceiveCount ? backoffDelay(DEFAULT_RETRY_SECONDS, receive) : 0),
        0,
      );
      // The consumer sends a dead letter as a new message, and a redrive sends it anew: each stay counts in full.
      const longestSeconds = retriesSeconds + retentionOf(spec.deadLetterQueueName) + retentionOf(spec.queueName);
      expect(INBOX_RETENTION_MS / 1_000).toBeGreaterThan(longestSeconds);
    },
  );

  it('when built, then every queue and the topic deny requests without TLS', () => {
    const policies = [
      ...Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy')),
      ...Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy')),
    ];
    expect(policies).toHaveLength(topology.queues.length * 2 + 1);
    for (const policy of policies) {
      expect(policy.Properties?.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      });
    }
  });

  it('when a dead-letter queue holds any message, then its alarm fires', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((a) => a.Properties?.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(alarms).toHaveLength(topology.queues.length);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    }
  });

  it('when a queue\'s oldest message has waited longer than any retry (30 minutes), then its backlog alarm fires: the consumer is not taking messages', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((a) => a.Properties?.MetricName === 'ApproximateAgeOfOldestMessage' && String(a.Properties?.AlarmName).endsWith('-backlog'));
    expect(alarms).toHaveLength(topology.queues.length);
    const queues = Object.entries(resourcesOf(template, 'AWS::SQS::Queue'));
    const mainQueueIds = topology.queues.map((spec) => queues.find(([, q]) => q.Properties?.QueueName === spec.queueName)![0]);
    const watched = alarms.map((alarm) => (alarm.Properties?.Dimensions as { Name: string; Value: { 'Fn::GetAtt': string[] } }[]).find((d) => d.Name === 'QueueName')?.Value['Fn::GetAtt'][0]);
    expect(watched.sort()).toEqual(mainQueueIds.sort());
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ Threshold: 30 * 60, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', Statistic: 'Maximum' });
    }
  });

  it('when a dead letter has waited 10 of the 14 days SQS keeps it, then an alarm fires while 4 days are left to redrive it: the not-empty alarm pages once, and clears (OK) when SQS deletes the events', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((a) => String(a.Properties?.AlarmName).endsWith('-expiring'));
    expect(alarms).toHaveLength(topology.queues.length);
    const queues = Object.entries(resourcesOf(template, 'AWS::SQS::Queue'));
    const deadLetterQueueIds = topology.queues.map((spec) => queues.find(([, q]) => q.Properties?.QueueName === spec.deadLetterQueueName)![0]);
    const watched = alarms.map((alarm) => (alarm.Properties?.Dimensions as { Name: string; Value: { 'Fn::GetAtt': string[] } }[]).find((d) => d.Name === 'QueueName')?.Value['Fn::GetAtt'][0]);
    expect(watched.sort()).toEqual(deadLetterQueueIds.sort());
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage', Statistic: 'Maximum', Threshold: 10 * 24 * 3600, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
      });
    }
    expect(alarms.map((a) => a.Properties?.AlarmName).sort()).toEqual(topology.queues.map((spec) => `${test.stack.stackName}-${spec.deadLetterQueueName}-expiring`).sort());
  });

  it('when SNS gives up delivering an event to a queue, then an alarm fires on the topic: the event was published, so no outbox or queue alarm can see it', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((a) => a.Properties?.MetricName === 'NumberOfNotificationsFailed');
    expect(alarms).toHaveLength(1);
    const topicId = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'))[0]!;
    expect(alarms[0]!.Properties).toMatchObject({
      Namespace: 'AWS/SNS',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [topicId, 'TopicName'] } }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarms[0]!.Properties?.AlarmName).toBe(`${test.stack.stackName}-${topology.topicName}-delivery-failed`);
  });

  it('when a topology names one consumer twice, then it refuses, naming the consumer', () => {
    const twice = { ...topology, queues: [topology.queues[0]!, topology.queues[0]!] };
    const other = testStack();
    expect(() => new EventBus(other.stack, 'Events', { topology: twice })).toThrow(`two for "${twice.queues[0]!.consumer}"`);
    other.dispose();
  });
});
