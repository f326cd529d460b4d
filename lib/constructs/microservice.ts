import { Duration, Validations } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import type { Alarm, CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AlarmBehavior,
  type CfnService,
  type ContainerDefinition,
  type ContainerImage,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  type ICluster,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import {
  ApplicationProtocol,
  ApplicationTargetGroup,
  type IApplicationListener,
  TargetType,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { INamespace } from 'aws-cdk-lib/aws-servicediscovery';
import { Construct, type IDependable } from 'constructs';
import { HEALTH_PATHS } from '../../services/contracts/services';
import type { DatabaseConnection } from './database';
import { grantDatabaseLogin } from './microservice-database';
import { addAppContainer, CONTAINER_PORT } from './microservice-container';
import { addPathRules, scaleOnCpuAndRequests } from './microservice-traffic';
import { type LogRemoval, logRemovalPolicy } from './log-removal';
import { serverFaultAlarm, serverFaultAlarmName } from './server-fault-alarm';

/** A deploy starts the new tasks beside the old ones: up to twice the count (lib/connection-budget.ts counts on it). */
export const DEPLOY_MAX_HEALTHY_PERCENT = 200;
const SECRET_LOOKING = /PASSWORD|SECRET|TOKEN|PRIVATE_KEY|CREDENTIAL/i;

/** The task's size and scaling: what a stage chooses (lib/stages.ts passes its own). */
export interface MicroserviceScaling {
  /** Task CPU units (256 = 0.25 vCPU) and memory in MiB, in a combination Fargate accepts. */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly cpuTargetPercent: number;
  readonly requestsPerTarget: number;
  /** Run on Fargate Spot (about 70 % cheaper; a task may be reclaimed with two minutes' notice). The cluster must have the Fargate capacity providers. */
  readonly spot: boolean;
}

export interface MicroserviceProps extends MicroserviceScaling {
  /** Names the container, log stream prefix and Service Connect name. */
  readonly serviceName: string;
  readonly cluster: ICluster;
  /** Usually `ContainerImage.fromAsset(root, { file: 'services/Dockerfile', buildArgs: { SERVICE: name } })`. */
  readonly image: ContainerImage;
  readonly database: DatabaseConnection;
  /** Every service verifies access tokens itself, against this pool and client. */
  readonly cognito: { readonly userPool: IUserPool; readonly client: IUserPoolClient };
  /**
   * Non-secret settings (bus ARNs, peer URLs, log level), on top of the ones every task gets (port, region, user pool,
   * database). A name that looks secret is refused.
   * @default none beyond the common ones
   */
  readonly environment?: Readonly<Record<string, string>>;
  readonly listener: IApplicationListener;
  /** ALB path patterns of the service's routes; split into rules of five. */
  readonly pathPatterns: readonly string[];
  /** Priority of the first listener rule; the next ones count up from it. */
  readonly rulePriority: number;
  /** How long the ALB drains a stopping task. At most 30 seconds. */
  readonly deregistrationDelay: Duration;
  /**
   * Joins the Service Connect namespace; with `dnsName` other services reach it at `http://<dnsName>`.
   * @default not in the namespace: it neither calls nor serves through Service Connect
   */
  readonly serviceConnect?: { readonly namespace: INamespace; readonly dnsName?: string };
  /**
   * An internal gRPC port served beside the HTTP one (services/contracts INTERNAL_GRPC). It is exposed only
   * through Service Connect, as `<dnsName>-grpc` with the grpc app protocol (HTTP/2 end to end), and never
   * given to the ALB; who may reach it is the stack's choice (`service.connections`). Needs `serviceConnect.dnsName`.
   * @default no gRPC port
   */
  readonly grpcPort?: number;
  readonly logRetention: RetentionDays;
  /**
   * What a stack delete does to the tasks' log group (lib/stages.ts, `logRemoval`): `retain` keeps it for audit.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
  /**
   * The deploy step that applies the service's migrations as the database owner (DatabaseMigrations.resource):
   * CloudFormation changes the service's tasks only once it has succeeded. The tasks themselves apply none; they
   * check that their app role can use every table and column the release needs (`DATABASE_MIGRATIONS=check`).
   */
  readonly migratedBy: IDependable;
  /**
   * How long a new task may take to pass the ALB's check (`/health/started`: its database login accepted and its
   * schema checked) before ECS judges it. The migrations are applied before the task starts, so this covers the
   * task's own start and the database's answer only.
   * @default 3 minutes
   */
  readonly readyWithin?: Duration;
  /**
   * Whether a deployment rolls back when `serverErrorAlarm` fires. Off is the emergency switch for a fix that must
   * go out while the alarm is firing (the stage's `deploymentRollback`, `-c deploymentRollback=false`).
   * @default true
   */
  readonly rollbackOnFaults?: boolean;
}

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
    validate(props);
    const name = props.serviceName;

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: logRemovalPolicy('Microservice logRemoval', props.logRemoval) });
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const { image, database, cognito, environment, grpcPort } = props;
    this.container = addAppContainer(this.taskDefinition, { name, logGroup: this.logGroup, image, database, cognito, environment, grpcPort });
    this.grantTaskAccess(props);

    const connectNames = serviceConnectNames(props);
    this.service = this.addService(props, connectNames);
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

  /** The Fargate service, deployed only after its migrations and its cluster's capacity providers. */
  private addService(props: MicroserviceProps, connectNames: ServiceConnectNames): FargateService {
    const service = new FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: CloudFormation would set it on every update (each image deploy), dropping a service that
      // had scaled out back to its minimum mid-deploy. Left out, ECS starts one task and the scalable target below
      // raises the count to minCapacity; later deploys keep whatever count autoscaling chose.
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      capacityProviderStrategies: [{ capacityProvider: props.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
      // New tasks must pass the ALB health check (schema checked) before old ones stop;
      // a deployment whose tasks never get healthy is rolled back to the last good task definition.
      minHealthyPercent: 100,
      maxHealthyPercent: DEPLOY_MAX_HEALTHY_PERCENT,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: props.readyWithin ?? Duration.minutes(3),
      ...(props.serviceConnect ? { serviceConnectConfiguration: serviceConnectConfiguration(props, props.serviceConnect.namespace, connectNames) } : {}),
    });
    // Migrated first: a release's tasks start only on the schema it needs.
    service.node.addDependency(props.migratedBy);
    // On the whole cluster, so also on the capacity provider association that an aspect adds to it at synthesis:
    // nothing else orders the two. CloudFormation could create the service before FARGATE(_SPOT) is associated
    // ("not associated with the cluster"), and a cdk destroy removed the association while the service still ran
    // ("The specified capacity provider is in use and cannot be removed"), leaving the stack DELETE_FAILED.
    // The L1 only: its scaling resources already follow the service.
    (service.node.defaultChild as CfnService).node.addDependency(props.cluster);
    Validations.of(service).acknowledge({
      id: '@aws-cdk/aws-ec2:ipv4IgnoreEgressRule',
      reason: 'Tasks keep open egress (Cognito JWKS, AWS APIs), so the egress half of a peer rule is redundant.',
    });
    return service;
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
        interval: Duration.seconds(5),
        timeout: Duration.seconds(4),
        healthyThresholdCount: 2,
        // Three misses (15 s): a task that stalls a few seconds under load is not replaced, moving its load onto the
        // others just as autoscaling adds tasks; a dead one is still out within 15 s.
        unhealthyThresholdCount: 3,
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

/** The Service Connect names the service answers to: `http` with a dnsName, `grpc` too with a gRPC port. */
interface ServiceConnectNames {
  readonly http?: string | undefined;
  readonly grpc?: string | undefined;
}

function serviceConnectNames(props: MicroserviceProps): ServiceConnectNames {
  const http = props.serviceConnect?.dnsName;
  return { http, grpc: http && props.grpcPort ? `${http}-grpc` : undefined };
}

function serviceConnectConfiguration(props: MicroserviceProps, namespace: INamespace, names: ServiceConnectNames) {
  return {
    namespace: namespace.namespaceArn,
    services: [
      ...(names.http ? [{ portMappingName: 'http', dnsName: names.http, discoveryName: names.http, port: 80 }] : []),
      ...(names.grpc ? [{ portMappingName: 'grpc', dnsName: names.grpc, discoveryName: names.grpc, port: props.grpcPort! }] : []),
    ],
  };
}

function validate(props: MicroserviceProps): void {
  const where = `Microservice "${props.serviceName}"`;
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(props.serviceName)) {
    throw new Error(`${where}: serviceName must be lower-case letters, digits and dashes; got "${props.serviceName}"`);
  }
  if (props.minCapacity < 1 || props.maxCapacity < props.minCapacity) {
    throw new Error(`${where}: need 1 ≤ minCapacity ≤ maxCapacity; got ${props.minCapacity} and ${props.maxCapacity}`);
  }
  const drain = props.deregistrationDelay.toSeconds();
  if (drain > 30) throw new Error(`${where}: deregistrationDelay must be at most 30 seconds; got ${drain}`);
  if (props.pathPatterns.length === 0) throw new Error(`${where}: pathPatterns must name at least one path; got none`);
  if (props.grpcPort !== undefined) {
    if (!props.serviceConnect?.dnsName) throw new Error(`${where}: grpcPort is reached only through Service Connect; give serviceConnect.dnsName too`);
    if (!Number.isInteger(props.grpcPort) || props.grpcPort < 1024 || props.grpcPort > 65_535 || props.grpcPort === CONTAINER_PORT) {
      throw new Error(`${where}: grpcPort must be an integer port from 1024 to 65535 other than ${CONTAINER_PORT}; got ${props.grpcPort}`);
    }
  }
  const { user, appUser } = props.database;
  if (!user || !appUser || user === appUser) {
    throw new Error(`${where}: database.user (the owner, for the migration step) and database.appUser (the running service) must be two different users; got "${user}" and "${appUser}"`);
  }
  const secretLooking = Object.keys(props.environment ?? {}).filter((key) => SECRET_LOOKING.test(key));
  if (secretLooking.length > 0) {
    throw new Error(`${where}: ${secretLooking.join(', ')} look like secrets; pass them as ECS secrets, not environment`);
  }
}
