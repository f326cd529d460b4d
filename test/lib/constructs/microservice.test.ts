import { CfnWaitConditionHandle, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Cluster, ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HttpNamespace } from 'aws-cdk-lib/aws-servicediscovery';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadBalancer } from '../../../lib/constructs/load-balancer';
import type { DatabaseConnection } from '../../../lib/constructs/database';
import { Microservice, SPOT_SHUTDOWN_DELAY, type MicroserviceProps } from '../../../lib/constructs/microservice';
import { REQUEST_LOG } from '../../../services/contracts/server-faults';
import { disposeTestApps, resourcesOf, testStack } from '../synth';
import { importedCognito, importedDatabase, network } from './fixtures';

afterEach(disposeTestApps);

function build(overrides: Partial<MicroserviceProps> = {}, users: Partial<Pick<DatabaseConnection, 'user' | 'appUser'>> = {}) {
  const test = testStack();
  const vpc = network(test.stack);
  const database = { ...importedDatabase(test.stack, vpc), ...users };
  const cluster = new Cluster(test.stack, 'Cluster', { vpc, enableFargateCapacityProviders: true });
  const loadBalancer = new LoadBalancer(test.stack, 'LoadBalancer', { vpc, accessLogRetentionDays: 7, protectData: false });
  const service = new Microservice(test.stack, 'Product', {
    serviceName: 'product',
    cluster,
    image: ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'),
    cpu: 256,
    memoryMiB: 512,
    minCapacity: 1,
    maxCapacity: 3,
    cpuTargetPercent: 70,
    requestsPerTarget: 500,
    spot: false,
    database,
    cognito: importedCognito(test.stack),
    environment: { LOG_LEVEL: 'info' },
    listener: loadBalancer.listener,
    pathPatterns: ['/a', '/b', '/c', '/d', '/e', '/f'],
    rulePriority: 10,
    deregistrationDelay: Duration.seconds(15),
    serviceConnect: { namespace: new HttpNamespace(test.stack, 'Namespace', { name: 'test.internal' }), dnsName: 'product' },
    migratedBy: new CfnWaitConditionHandle(test.stack, 'MigrationStep'),
    logRetention: RetentionDays.ONE_WEEK,
    ...overrides,
  });
  return { service, template: () => Template.fromStack(test.stack) };
}

type Container = { Name: string; StopTimeout?: number; Environment: { Name: string; Value: unknown }[]; Secrets?: { Name: string; ValueFrom: unknown }[] };
type Statement = { Effect: string; Action: unknown; Resource: unknown };

/** The statements of every IAM policy in the template that mention an `rds-db:` action. */
function databaseStatements(template: Template): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => JSON.stringify(statement.Action).includes('rds-db:'));
}

const containerOf = (template: Template) => {
  const [task] = Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'));
  return (task?.Properties?.ContainerDefinitions as Container[]).find((c) => c.Name === 'product')!;
};
const environmentOf = (template: Template) => Object.fromEntries(containerOf(template).Environment.map((e) => [e.Name, e.Value]));

describe('Microservice', () => {
  it('when deployed, then a failing deployment trips the circuit breaker and rolls back, and new tasks come up before old ones go', () => {
    build().template().hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100, MaximumPercent: 200 },
      HealthCheckGracePeriodSeconds: 180,
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
  });

  it('when an Availability Zone fails and comes back, then ECS spreads the tasks it restarted in the other AZ across both again', () => {
    // Named in the template: an update that leaves it out keeps what the service had, DISABLED for one created before
    // ECS's default changed, and its tasks would stay in one AZ after the first outage.
    build().template().hasResourceProperties('AWS::ECS::Service', { AvailabilityZoneRebalancing: 'ENABLED' });
  });

  it('when a task starts slowly, then ECS waits for its health as long as readyWithin', () => {
    build({ readyWithin: Duration.minutes(4) }).template().hasResourceProperties('AWS::ECS::Service', { HealthCheckGracePeriodSeconds: 240 });
  });

  it('when deployed, then CloudFormation updates the service only after its migration step, and its tasks apply no migrations but check the schema', () => {
    const template = build().template();
    const [service] = Object.values(template.findResources('AWS::ECS::Service')) as { DependsOn?: string[] }[];
    expect(service?.DependsOn).toContain(Object.keys(resourcesOf(template, 'AWS::CloudFormation::WaitConditionHandle'))[0]);
    const environment = environmentOf(template);
    expect(environment.DATABASE_MIGRATIONS).toBe('check');
    expect(Object.keys(environment).filter((name) => name.includes('MIGRATION_'))).toEqual([]);
  });

  it('when a task starts, then the ALB sends it traffic only once /health/started (schema checked) passed twice 5 s apart, leaves it after three misses (not two: a stall of a few seconds under load is no death), and a database outage does not fail that check', () => {
    build().template().hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 3000,
      HealthCheckPath: '/health/started',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }]),
    });
  });

  it('when configured, then the task holds no database secret: it logs in as its app role with an IAM token, and the rest is plain, typed configuration', () => {
    const [task] = Object.values(resourcesOf(build().template(), 'AWS::ECS::TaskDefinition'));
    const containers = task?.Properties?.ContainerDefinitions as Container[];
    expect(containers.map((c) => c.Name)).toEqual(['product']);
    expect(containers[0]?.Secrets).toBeUndefined();
    expect(Object.fromEntries(containers[0]!.Environment.map((e) => [e.Name, e.Value]))).toMatchObject({
      PORT: '3000',
      PGHOST: 'db.example.internal',
      PGPORT: '5433',
      PGDATABASE: 'product',
      PGUSER: 'product_app',
      DATABASE_IAM_AUTH: 'true',
      PGSSLMODE: 'verify-full',
      COGNITO_USER_POOL_ID: 'us-east-1_AbCdEf123',
      COGNITO_CLIENT_ID: 'client123',
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'info',
    });
  });

  it('when configured, then the running service logs in as the app role (PGUSER) and knows no owner login', () => {
    const environment = environmentOf(build().template());
    expect(environment.PGUSER).toBe('product_app');
    expect(Object.values(environment)).not.toContain('product_service');
  });

  it('when configured, then the task role may connect as exactly its app user of its own instance: not as the owner, and as no other', () => {
    const statements = databaseStatements(build().template());
    expect(statements.map((statement) => [statement.Effect, statement.Action])).toEqual(statements.map(() => ['Allow', 'rds-db:connect']));
    expect(statements.flatMap((statement) => [statement.Resource].flat()).sort()).toEqual([
      'arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABCDEFGHIJKLMNOP/product_app',
    ]);
  });

  it.each<[string, Partial<Pick<DatabaseConnection, 'user' | 'appUser'>>, RegExp]>([
    ['the same user for the service and its migration step', { appUser: 'product_service' }, /database\.user .* and database\.appUser .* must be two different users; got "product_service" and "product_service"/],
    ['no app user', { appUser: '' }, /must be two different users; got "product_service" and ""/],
  ])('when the database login has %s, then construction fails naming what it got', (_what, users, message) => {
    expect(() => build({}, users)).toThrow(message);
  });

  it('when more than five path patterns are given, then they are split into ALB rules of five', () => {
    const template = build().template();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/a', '/b', '/c', '/d', '/e'] } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 11,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/f'] } }],
    });
  });

  it('when load changes, then the task count tracks CPU and requests per target', () => {
    const template = build().template();
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 3 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 70,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 500,
      }),
    });
  });

  it('when a deployment\'s tasks get healthy but answer faults of their own, then its fault alarm rolls it back', () => {
    const template = build().template();
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ (($.msg = "${REQUEST_LOG.message}") || ($.msg = "${REQUEST_LOG.rpcMessage}")) && ($.${REQUEST_LOG.faultField} IS TRUE) }`,
      MetricTransformations: [Match.objectLike({ MetricName: 'ServerFaults', MetricValue: '1', Dimensions: [{ Key: 'Service', Value: `$.${REQUEST_LOG.serviceField}` }] })],
    });
    // More than 10 faults a minute and more than 5 % of the requests, two minutes running.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(faults > 10, 100 * faults / (requests), 0)' }),
        Match.objectLike({ Id: 'faults', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ServerFaults', Dimensions: [{ Name: 'Service', Value: 'product' }] }), Stat: 'Sum', Period: 60 }) }),
        Match.objectLike({ Id: 'requests', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RequestCount', Namespace: 'AWS/ApplicationELB' }), Stat: 'Sum', Period: 60 }) }),
      ]),
      Threshold: 5,
      EvaluationPeriods: 2,
      TreatMissingData: 'notBreaching',
    });
    const [alarmId, alarm] = Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm'))[0]!;
    template.hasResource('AWS::ECS::Service', {
      Properties: Match.objectLike({
        DeploymentConfiguration: Match.objectLike({
          Alarms: { Enable: true, Rollback: true, AlarmNames: [alarm!.Properties!.AlarmName] },
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        }),
      }),
      DependsOn: Match.arrayWith([alarmId]),
    });
  });

  it('when synthesized, then the deployment alarm raises no "circular dependency" notice (it names the alarm literally; nothing to act on)', () => {
    const { service } = build();
    const notices = Annotations.fromStack(Stack.of(service)).findInfo('*', Match.stringLikeRegexp('circular dependency'));
    expect(notices).toEqual([]);
  });

  it('when the service also serves gRPC, then its calls, which the load balancer never sees, count beside its requests', () => {
    const template = build({ grpcPort: 3012 }).template();
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ $.msg = "${REQUEST_LOG.rpcMessage}" }`,
      MetricTransformations: [Match.objectLike({ MetricName: 'Calls' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(faults > 10, 100 * faults / (FILL(requests, 0) + FILL(calls, 0)), 0)' }),
        Match.objectLike({ Id: 'calls', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Calls', Dimensions: [{ Name: 'Service', Value: 'product' }] }) }) }),
      ]),
    });
  });

  it('when the alarm counts faults, then it counts the service\'s own 500s, not every 5xx at the load balancer (a dependency\'s 503s would roll back a good release)', () => {
    const alarms = Object.values(resourcesOf(build().template(), 'AWS::CloudWatch::Alarm'));
    expect(JSON.stringify(alarms)).not.toContain('HTTPCode_Target_5XX_Count');
  });

  it('when deployed with the emergency switch (rollbackOnFaults false), then the alarm stays but a deployment does not roll back on it', () => {
    const template = build({ rollbackOnFaults: false }).template();
    expect(Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm'))).toHaveLength(1);
    const [alarm] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({ Alarms: { Enable: false, Rollback: false, AlarmNames: [alarm!.Properties!.AlarmName] } }),
    });
  });

  it('when redeployed after autoscaling scaled it out, then the template sets no task count, so the deploy keeps the tasks autoscaling chose', () => {
    const [service] = Object.values(resourcesOf(build().template(), 'AWS::ECS::Service'));
    expect(service?.Properties).toBeDefined();
    expect(service?.Properties).not.toHaveProperty('DesiredCount');
  });

  it('when exposed through Service Connect, then peers reach it at http://<name>', () => {
    const { service, template } = build();
    expect(service.serviceConnectUrl).toBe('http://product');
    template().hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: { Enabled: true, Services: [{ PortName: 'http', DiscoveryName: 'product', ClientAliases: [{ DnsName: 'product', Port: 80 }] }] },
    });
  });

  it('when it has a gRPC port, then Service Connect alone exposes it, as <name>-grpc with the grpc app protocol', () => {
    const { service, template } = build({ grpcPort: 3012 });
    expect(service.grpcUrl).toBe('http://product-grpc:3012');
    template().hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: {
        Enabled: true,
        Services: [
          { PortName: 'http', DiscoveryName: 'product', ClientAliases: [{ DnsName: 'product', Port: 80 }] },
          { PortName: 'grpc', DiscoveryName: 'product-grpc', ClientAliases: [{ DnsName: 'product-grpc', Port: 3012 }] },
        ],
      },
    });
    const [task] = Object.values(resourcesOf(template(), 'AWS::ECS::TaskDefinition'));
    const product = (task?.Properties?.ContainerDefinitions as Array<Container & { PortMappings: unknown[] }>).find((c) => c.Name === 'product');
    expect(product?.PortMappings).toEqual([
      { ContainerPort: 3000, Name: 'http', AppProtocol: 'http', Protocol: 'tcp' },
      { ContainerPort: 3012, Name: 'grpc', AppProtocol: 'grpc', Protocol: 'tcp' },
    ]);
    template().resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 3012 }, 0);
  });

  it.each<[string, Partial<MicroserviceProps>, RegExp]>([
    ['no Service Connect name', { grpcPort: 3012, serviceConnect: undefined }, /grpcPort is reached only through Service Connect; give serviceConnect.dnsName too/],
    ['the HTTP port', { grpcPort: 3000 }, /grpcPort must be an integer port from 1024 to 65535 other than 3000; got 3000/],
    ['a privileged port', { grpcPort: 80 }, /got 80/],
  ])('when the gRPC port has %s, then construction fails naming it', (_what, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  it('when on Spot, then the service uses the FARGATE_SPOT capacity provider', () => {
    build({ spot: true }).template().hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
  });

  it('when a Spot interruption sends SIGTERM while the ALB still sends requests, then the task keeps serving until the target group has seen it fail its check, plus one check, and may take the 120 s Fargate allows to stop', () => {
    const template = build({ spot: true, shutdownDelay: SPOT_SHUTDOWN_DELAY }).template();
    const [group] = Object.values(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup'));
    const { HealthCheckIntervalSeconds: interval, UnhealthyThresholdCount: misses } = group!.Properties as { HealthCheckIntervalSeconds: number; UnhealthyThresholdCount: number };
    expect(environmentOf(template).SHUTDOWN_DELAY_SECONDS).toBe(String(interval * misses + interval));
    expect(environmentOf(template).SHUTDOWN_DELAY_SECONDS).toBe('20');
    expect(containerOf(template).StopTimeout).toBe(120);
  });

  it('when not given a shutdownDelay (on-demand: ECS takes the task out of its target group before SIGTERM), then it closes at once, with 120 s to drain and stop its consumer', () => {
    const template = build().template();
    expect(environmentOf(template).SHUTDOWN_DELAY_SECONDS).toBe('0');
    expect(containerOf(template).StopTimeout).toBe(120);
  });

  it.each<[string, Partial<MicroserviceProps>, RegExp]>([
    ['a part of a second', { shutdownDelay: Duration.millis(1_500) }, /shutdownDelay must be whole seconds from 0 to 60; got 1.5/],
    ['more than a Spot task can wait', { shutdownDelay: Duration.seconds(61) }, /shutdownDelay must be whole seconds from 0 to 60; got 61/],
    ['SHUTDOWN_DELAY_SECONDS in environment', { environment: { SHUTDOWN_DELAY_SECONDS: '20' } }, /SHUTDOWN_DELAY_SECONDS is set from shutdownDelay.*got it in environment \("20"\)/],
  ])('when the shutdown delay is %s, then construction fails naming it', (_what, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  it.each([true, false])('when the stack is created or destroyed (spot %s), then the service comes after the cluster\'s capacity provider association and goes before it', (spot) => {
    const template = build({ spot }).template();
    const associations = Object.keys(resourcesOf(template, 'AWS::ECS::ClusterCapacityProviderAssociations'));
    expect(associations).toHaveLength(1);
    const [service] = Object.values(resourcesOf(template, 'AWS::ECS::Service')) as { DependsOn?: string[] }[];
    // Without it CloudFormation removes the association while the service still runs on FARGATE(_SPOT): "The
    // specified capacity provider is in use and cannot be removed", and a cdk destroy ends DELETE_FAILED.
    expect(service?.DependsOn).toContain(associations[0]);
  });

  it('when it serves gRPC at a log level above info, then it refuses: its calls\' info lines are what the fault alarm counts as calls, and without them a few faults would roll back a healthy release', () => {
    expect(() => build({ grpcPort: 3012, environment: { LOG_LEVEL: 'warn' } })).toThrow(/LOG_LEVEL must be info or lower.*got "warn"/);
    expect(() => build({ grpcPort: 3012, environment: { LOG_LEVEL: 'info' } })).not.toThrow();
    expect(() => build({ environment: { LOG_LEVEL: 'warn' } })).not.toThrow();
  });

  it('when given a long drain, a secret-looking variable or no paths, then it refuses, naming what it got', () => {
    expect(() => build({ deregistrationDelay: Duration.seconds(31) })).toThrow(/at most 30 seconds; got 31/);
    expect(() => build({ environment: { DB_PASSWORD: 'x' } })).toThrow(/DB_PASSWORD look like secrets/);
    expect(() => build({ pathPatterns: [] })).toThrow(/pathPatterns must name at least one path; got none/);
    expect(() => build({ minCapacity: 3, maxCapacity: 2 })).toThrow(/got 3 and 2/);
  });
});
