import { Duration, type Stack } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Cluster, ContainerImage, FargateService, FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { ApplicationTargetGroup, ListenerCondition, TargetType } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LoadBalancer } from '../../../lib/constructs/load-balancer';
import { Observability, type ObservabilityProps, type ObservedDatabase } from '../../../lib/constructs/observability';
import { resourcesOf, testStack, type TestApp } from '../synth';
import { importedDatabase, network } from './fixtures';

let test: TestApp & { stack: Stack };
let template: Template;
const others: TestApp[] = [];

/** The construct on a stack of its own, beside stand-ins for what it watches. */
function build(test: TestApp & { stack: Stack }, subscriber: Pick<ObservabilityProps, 'alarmEmail' | 'warnWithoutSubscriber'>, limits: Partial<Omit<ObservedDatabase, 'instance'>> = {}, minCapacity = 2): Template {
  const { stack } = test;
  const vpc = network(stack);
  const loadBalancer = new LoadBalancer(stack, 'LoadBalancer', { vpc, accessLogRetentionDays: 7, protectData: false });
  const taskDefinition = new FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('App', { image: ContainerImage.fromRegistry('nginx'), portMappings: [{ containerPort: 80 }] });
  // Deployment settings as Microservice sets them, so CDK has no warning to print about this stand-in service.
  const service = new FargateService(stack, 'Service', {
    cluster: new Cluster(stack, 'Cluster', { vpc }),
    taskDefinition,
    minHealthyPercent: 100,
    circuitBreaker: { enable: true, rollback: true },
  });
  const targetGroup = new ApplicationTargetGroup(stack, 'Target', { vpc, port: 80, targetType: TargetType.IP, targets: [service] });
  loadBalancer.listener.addTargetGroups('Rule', { priority: 1, conditions: [ListenerCondition.pathPatterns(['/x'])], targetGroups: [targetGroup] });
  const external = new Alarm(stack, 'External', {
    metric: new Metric({ namespace: 'Test', metricName: 'Thing', period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  new Observability(stack, 'Observability', {
    name: 'test',
    api: new HttpApi(stack, 'Api'),
    services: [{ name: 'product', service, targetGroup, minCapacity }],
    databases: [{ instance: importedDatabase(stack, vpc).instance, maxConnections: 190, memoryBytes: 2 * 2 ** 30, allocatedStorageBytes: 20 * 2 ** 30, ...limits }],
    deadLetterQueues: [{ name: 'billing', queue: new Queue(stack, 'Dlq') }],
    alarms: [external],
    firewallBlocks: [new Metric({ namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', dimensionsMap: { WebACL: 'edge', Rule: 'ALL' } })],
    ...subscriber,
  });
  return Template.fromStack(stack);
}

beforeAll(() => {
  test = testStack();
  template = build(test, { alarmEmail: 'ops@example.com' });
});
afterAll(() => [test, ...others].forEach((each) => each.dispose()));

describe('Observability', () => {
  it('when built, then the dashboard shows API 4xx, 5xx and latency, ECS CPU and memory, RDS and DLQ depth', () => {
    const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);
    for (const metric of ['4xx', '5xx', 'Latency', 'CPUUtilization', 'MemoryUtilization', 'DatabaseConnections', 'FreeStorageSpace', 'ApproximateNumberOfMessagesVisible', 'HealthyHostCount', 'WAF blocked requests', 'BlockedRequests']) {
      expect(body, metric).toContain(metric);
    }
  });

  it('when built, then the dashboard\'s name carries the region: dashboards are global to the account, so the same stage in a second region would take over the first one\'s, and the first one\'s destroy delete it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'test-us-east-1' });
  });

  it('when any alarm fires, including ones made elsewhere, then the alerts topic is notified', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBe(1 + 2 + 1 + 1 + 4);
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm.Properties?.AlarmActions)).toMatch(/ObservabilityAlerts/);
      // And again when it clears, so the one paged knows it is over.
      expect(JSON.stringify(alarm.Properties?.OKActions)).toMatch(/ObservabilityAlerts/);
    }
  });

  it('when an alarm fires, then CloudWatch may publish to the alerts topic (its TLS policy replaced the default one), for this account\'s alarms only', () => {
    const [policy] = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy'));
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const allow = statements.filter((statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Principal).includes('cloudwatch'));
    expect(allow).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': expect.anything() }, ArnLike: { 'aws:SourceArn': expect.anything() } },
      }),
    ]);
    expect(JSON.stringify(allow[0]!.Condition)).toContain(':alarm:*');
  });

  it('when a database fails over, fails, restarts or runs out of storage, then RDS\'s own event pages the alerts topic (no metric shows these)', () => {
    const subscriptions = Object.values(resourcesOf(template, 'AWS::RDS::EventSubscription'));
    expect(subscriptions.map((subscription) => subscription.Properties)).toEqual([
      expect.objectContaining({ SourceType: 'db-instance', SourceIds: ['db'], EventCategories: ['availability', 'failover', 'failure', 'low storage'] }),
    ]);
    expect(JSON.stringify(subscriptions[0]!.Properties?.SnsTopicArn)).toMatch(/ObservabilityAlerts/);
  });

  it('when no one is subscribed and the stage asks for a warning (prod), then synthesis warns, naming -c alarmEmail; with an e-mail it does not', () => {
    const warned = testStack();
    others.push(warned);
    build(warned, { warnWithoutSubscriber: true });
    // Synthesis prints the warning for the operator (console.error); held here so a passing run stays quiet.
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(Annotations.fromStack(warned.stack).findWarning('*', Match.stringLikeRegexp('-c alarmEmail=')).map((w) => w.id)).toEqual(['/' + warned.stack.stackName + '/Observability']);
      expect(printed.mock.calls.flat().join('\n')).toContain('No one is subscribed to the alerts topic');
    } finally {
      printed.mockRestore();
    }
    expect(Annotations.fromStack(test.stack).findWarning('*', Match.stringLikeRegexp('alerts topic'))).toEqual([]);
    const quiet = testStack();
    others.push(quiet);
    build(quiet, {});
    expect(Annotations.fromStack(quiet.stack).findWarning('*', Match.stringLikeRegexp('alerts topic'))).toEqual([]);
  });

  it('when an email is given, then it is subscribed to the TLS-only alerts topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('when a database nears max_connections or runs short of memory, then an alarm fires', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-db0-connections',
      MetricName: 'DatabaseConnections',
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 152,
      EvaluationPeriods: 2,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-db0-memory',
      MetricName: 'FreeableMemory',
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: Math.floor(0.2 * 2 ** 30),
      EvaluationPeriods: 3,
    });
  });

  it('when a database of a burstable class (db.t4g: RDS runs it Unlimited) is billed for CPU above its baseline, then an alarm fires; the CPU alarm at 80 % would not', () => {
    const burstable = testStack();
    others.push(burstable);
    build(burstable, {}, { burstable: true }).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-db0-cpu-credits-charged',
      Namespace: 'AWS/RDS',
      MetricName: 'CPUSurplusCreditsCharged',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: Match.anyValue() }],
      Statistic: 'Sum',
      Period: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    // A class that does not burst has no credits to be billed for.
    expect(Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties?.AlarmName)).not.toContain('test-db0-cpu-credits-charged');
  });

  it('when a service runs below its minimum number of healthy tasks for 15 minutes, then an alarm fires: ECS cannot start or keep the tasks it should', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-product-below-minimum',
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      Period: 60,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 2,
      EvaluationPeriods: 15,
      TreatMissingData: 'breaching',
    });
    // With a minimum of one, "no healthy task" already says it, sooner.
    const single = testStack();
    others.push(single);
    const alarms = Object.values(resourcesOf(build(single, {}, {}, 1), 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties?.AlarmName);
    expect(alarms).toContain('test-product-no-healthy-task');
    expect(alarms).not.toContain('test-product-below-minimum');
    const bad = testStack();
    others.push(bad);
    expect(() => build(bad, {}, {}, 0)).toThrow(/service "product" needs a whole minCapacity of at least 1; got 0/);
  });

  it('when a database runs short of storage, then its alarm waits for storage autoscaling, which acts at 10 % of the allocation: it fires below 5 % (at most 2 GiB)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-db0-storage',
      MetricName: 'FreeStorageSpace',
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      // 20 GiB allocated: RDS grows the volume once 2 GiB or less is free for 5 minutes, so 2 GiB would page every first growth.
      Threshold: 2 ** 30,
    });
    const large = testStack();
    others.push(large);
    build(large, {}, { allocatedStorageBytes: 100 * 2 ** 30 }).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'test-db0-storage', Threshold: 2 * 2 ** 30 });
    const bad = testStack();
    others.push(bad);
    expect(() => build(bad, {}, { allocatedStorageBytes: 0 })).toThrow(/a database needs a positive allocatedStorageBytes; got 0/);
  });

  it('when a database\'s limits are not given as positive numbers, then it refuses, naming what it got', () => {
    const bad = testStack();
    others.push(bad);
    expect(() => build(bad, {}, { maxConnections: 0 })).toThrow(/a database needs a positive maxConnections and memoryBytes; got 0 and 2147483648/);
  });

  it('when a service has no healthy task for 2 minutes, then an alarm fires, even without data', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-product-no-healthy-task',
      MetricName: 'HealthyHostCount',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 2,
      TreatMissingData: 'breaching',
    });
  });
});
