import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm, CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmBehavior, type CfnService, type ContainerDefinition, CpuArchitecture, type FargateService, FargateTaskDefinition, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs';
import { ApplicationProtocol, ApplicationTargetGroup, TargetType } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HEALTH_PATHS } from '../../services/contracts/services';
import { grantDatabaseLogin } from './microservice-database';
import { addAppContainer, CONTAINER_PORT } from './microservice-container';
import { type MicroserviceProps, validateProps } from './microservice-props';
import { addFargateService, serviceConnectNames } from './microservice-service';
import { addPathRules, scaleOnCpuAndRequests } from './microservice-traffic';
import { logRemovalPolicy } from './log-removal';
import { serverFaultAlarm, serverFaultAlarmName } from './server-fault-alarm';

// The props and their checks, and the Fargate service, live in sibling files; importers keep reading them here.
export type { MicroserviceProps, MicroserviceScaling } from './microservice-props';
export { DEPLOY_MAX_HEALTHY_PERCENT } from './microservice-service';

/** The target group's health check: every 5 s on /health/started (addTargetGroup). */
const HEALTH_CHECK_INTERVAL = Duration.seconds(5);
/**
 * Three misses (15 s): a task that stalls a few seconds under load is not replaced, moving its load onto the others
 * just as autoscaling adds tasks; a dead one is still out within 15 s.
 */
const UNHEALTHY_THRESHOLD_COUNT = 3;

/**
 * The pre-stop delay a Spot task needs (`shutdownDelay`): a Spot interruption sends SIGTERM while the task is still in
 * its target group, and the ALB sends it requests until its check has failed UNHEALTHY_THRESHOLD_COUNT times in a
 * row, plus one interval, as the first failing check may come up to an interval after SIGTERM.
 */
export const SPOT_SHUTDOWN_DELAY = Duration.seconds(HEALTH_CHECK_INTERVAL.toSeconds() * (UNHEALTHY_THRESHOLD_COUNT + 1));

/**
 * One microservice on Fargate behind the internal ALB: its task (image, typed config, its app role's database login
 * by IAM authentication), updated only after its migration step (`migratedBy`), a target group gated on
 * /health/started, path rules, a circuit breaker that rolls back a deployment whose tasks never get healthy, an alarm
 * that rolls back one whose tasks answer server errors, and target tracking on CPU and on requests per task.
 */
export class Microservice extends Construct {
  public readonly service: FargateService;
  public readonly taskDefinition: FargateTaskDefinition;
  public readonly container: ContainerDefinition;
  public readonly targetGroup: ApplicationTargetGroup;
  public readonly logGroup: LogGroup;
  /**
   * In alarm while the service's own faults (500s, statement timeouts) pass 10 a minute and 5 % of its requests and calls, two minutes running
   * (server-fault-alarm.ts). ECS watches it during each deployment and rolls back to the last release when it fires.
   */
  public readonly serverErrorAlarm: Alarm;
  /** `http://<dnsName>` when the service is exposed through Service Connect. */
  public readonly serviceConnectUrl?: string;
  /** `http://<dnsName>-grpc:<grpcPort>` (h2c) when the service has a gRPC port. */
  public readonly grpcUrl?: string;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    validateProps(props);
    const name = props.serviceName;

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: logRemovalPolicy('Microservice logRemoval', props.logRemoval) });
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const { image, database, cognito, environment, grpcPort, shutdownDelay } = props;
    this.container = addAppContainer(this.taskDefinition, { name, logGroup: this.logGroup, image, database, cognito, environment, grpcPort, shutdownDelay });
    this.grantTaskAccess(props);

    const connectNames = serviceConnectNames(props);
    this.service = addFargateService(this, this.taskDefinition, props, connectNames);
    if (connectNames.http) this.serviceConnectUrl = `http://${connectNames.http}`;
    if (connectNames.grpc) this.grpcUrl = `http://${connectNames.grpc}:${props.grpcPort}`;

    this.targetGroup = this.addTargetGroup(props);
    addPathRules(props.listener, id, { pathPatterns: props.pathPatterns, firstPriority: props.rulePriority, targetGroup: this.targetGroup });
    this.serverErrorAlarm = this.addRollbackAlarm(props);
    scaleOnCpuAndRequests(this.service, this.targetGroup, props);
  }

  private grantTaskAccess(props: MicroserviceProps): void {
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; pulling the image needs it on "*".',
    });
    // No database secret in the task: it logs in as its app role with IAM tokens, and may not log in as the owner
    // (docs/infrastructure.md).
    grantDatabaseLogin(props.database, this.taskDefinition.taskRole);
  }


  private addTargetGroup(props: MicroserviceProps): ApplicationTargetGroup {
    return new ApplicationTargetGroup(this, 'Target', {
      vpc: props.cluster.vpc,
      port: CONTAINER_PORT,
      protocol: ApplicationProtocol.HTTP,
      targetType: TargetType.IP,
      targets: [this.service.loadBalancerTarget({ containerName: props.serviceName, containerPort: CONTAINER_PORT })],
      // Started means the schema is checked: a new task takes traffic only once it can use its tables. Not /health/ready, which
      // follows the database: ECS would replace every task during a database failover (services/contracts).
      healthCheck: {
        path: HEALTH_PATHS.started,
        interval: HEALTH_CHECK_INTERVAL,
        timeout: Duration.seconds(4),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: UNHEALTHY_THRESHOLD_COUNT,
        healthyHttpCodes: '200',
      },
      deregistrationDelay: props.deregistrationDelay,
    });
  }

  /** A release whose tasks get healthy but fail their requests passes the circuit breaker (it watches health checks only). */
  private addRollbackAlarm(props: MicroserviceProps): Alarm {
    const name = props.serviceName;
    const alarm = serverFaultAlarm(this, { serviceName: name, logGroup: this.logGroup, targetGroup: this.targetGroup, servesCalls: props.grpcPort !== undefined });
    // By its literal name, not the alarm's Ref: ECS takes a token for a possible cycle and printed "may cause a circular
    // dependency error when this stack deploys" at every synth, for each service. There is none (the alarm reads the
    // target group and the log, never the service); the dependency keeps the alarm made before the service, as the Ref did.
    this.service.enableDeploymentAlarms([serverFaultAlarmName(this, name)], { behavior: AlarmBehavior.ROLLBACK_ON_ALARM });
    const cfn = this.service.node.defaultChild as CfnService;
    cfn.addResourceDependency(alarm.node.defaultChild as CfnAlarm);
    // Switched off explicitly rather than left out: a property removed from the template is not a setting undone.
    if (props.rollbackOnFaults === false) {
      cfn.addPropertyOverride('DeploymentConfiguration.Alarms.Enable', false);
      cfn.addPropertyOverride('DeploymentConfiguration.Alarms.Rollback', false);
    }
    return alarm;
  }
}
