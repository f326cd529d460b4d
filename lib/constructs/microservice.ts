import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AlarmBehavior,
  AppProtocol,
  type ContainerDefinition,
  type ContainerImage,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  type ICluster,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import {
  ApplicationProtocol,
  ApplicationTargetGroup,
  HttpCodeTarget,
  type IApplicationListener,
  ListenerCondition,
  TargetType,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { INamespace } from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { HEALTH_PATHS } from '../../services/contracts/services';
import type { DatabaseConnection } from './database';
import { databaseEnvironment, grantDatabaseLogin } from './microservice-database';

/** Every service listens on this port inside its task; the ALB and Service Connect reach it there. */
export const CONTAINER_PORT = 3000;
/** The ALB allows at most five values in one rule's conditions. */
const PATTERNS_PER_RULE = 5;
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
  /** Non-secret settings (bus ARNs, peer URLs, log level). A name that looks secret is refused. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly listener: IApplicationListener;
  /** ALB path patterns of the service's routes; split into rules of five. */
  readonly pathPatterns: readonly string[];
  /** Priority of the first listener rule; the next ones count up from it. */
  readonly rulePriority: number;
  /** How long the ALB drains a stopping task. At most 30 seconds. */
  readonly deregistrationDelay: Duration;
  /** Joins the Service Connect namespace; with `dnsName` other services reach it at `http://<dnsName>`. */
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
   * How long a new task may take to become ready, its migrations included, before ECS judges it by the ALB's
   * readiness check. The service answers its liveness check from the first second (migrations run beside it),
   * and waits at most half of this for another task's migration lock (MIGRATION_LOCK_WAIT_MS), so a slow
   * migration never gets a task killed mid-way and a stuck one fails with a message naming the lock holder.
   * @default 10 minutes
   */
  readonly readyWithin?: Duration;
}

/**
 * One microservice on Fargate behind the internal ALB: its task (image, typed config, its database logins by
 * IAM authentication), a target group gated on /health/started, path rules, a circuit breaker that rolls back a
 * deployment whose tasks never get healthy, an alarm that rolls back one whose tasks answer server errors, and target
 * tracking on CPU and on requests per task.
 */
export class Microservice extends Construct {
  public readonly service: FargateService;
  public readonly taskDefinition: FargateTaskDefinition;
  public readonly container: ContainerDefinition;
  public readonly targetGroup: ApplicationTargetGroup;
  public readonly logGroup: LogGroup;
  /**
   * In alarm while the service answers more than 10 server errors (5xx) a minute, two minutes running. ECS watches
   * it during each deployment and rolls back to the last release when it fires.
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

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const readyWithin = props.readyWithin ?? Duration.minutes(10);
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addVolume({ name: 'tmp' });

    this.container = this.taskDefinition.addContainer('App', {
      containerName: name,
      image: props.image,
      logging: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: name }),
      environment: {
        PORT: String(CONTAINER_PORT),
        HOST: '0.0.0.0',
        AWS_REGION: Stack.of(this).region,
        COGNITO_USER_POOL_ID: props.cognito.userPool.userPoolId,
        COGNITO_CLIENT_ID: props.cognito.client.userPoolClientId,
        ...databaseEnvironment(props.database),
        MIGRATION_LOCK_WAIT_MS: String(readyWithin.toMilliseconds() / 2),
        ...props.environment,
      },
      portMappings: [
        { containerPort: CONTAINER_PORT, name: 'http', appProtocol: AppProtocol.http },
        ...(props.grpcPort ? [{ containerPort: props.grpcPort, name: 'grpc', appProtocol: AppProtocol.grpc }] : []),
      ],
      readonlyRootFilesystem: true,
      healthCheck: {
        command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${CONTAINER_PORT}${HEALTH_PATHS.live}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only non-secret settings (ports, ids, URLs); the database login is an IAM token made at run time, and the constructor refuses secret-looking names.',
    });
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; pulling the image needs it on "*".',
    });
    this.container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
    // No database secret in the task: it logs in as its app role, and its migrations as the owner role, with IAM
    // tokens (docs/infrastructure.md).
    grantDatabaseLogin(props.database, this.taskDefinition.taskRole);

    const exposed = props.serviceConnect?.dnsName;
    const grpcName = exposed && props.grpcPort ? `${exposed}-grpc` : undefined;
    this.service = new FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: CloudFormation would set it on every update (each image deploy), dropping a service that
      // had scaled out back to its minimum mid-deploy. Left out, ECS starts one task and the scalable target below
      // raises the count to minCapacity; later deploys keep whatever count autoscaling chose.
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      capacityProviderStrategies: [{ capacityProvider: props.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
      // New tasks must pass the ALB health check (which waits for migrations) before old ones stop;
      // a deployment whose tasks never get healthy is rolled back to the last good task definition.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: readyWithin,
      ...(props.serviceConnect
        ? {
            serviceConnectConfiguration: {
              namespace: props.serviceConnect.namespace.namespaceArn,
              services: [
                ...(exposed ? [{ portMappingName: 'http', dnsName: exposed, discoveryName: exposed, port: 80 }] : []),
                ...(grpcName ? [{ portMappingName: 'grpc', dnsName: grpcName, discoveryName: grpcName, port: props.grpcPort! }] : []),
              ],
            },
          }
        : {}),
    });
    if (exposed) this.serviceConnectUrl = `http://${exposed}`;
    if (grpcName) this.grpcUrl = `http://${grpcName}:${props.grpcPort}`;
    Validations.of(this.service).acknowledge({
      id: '@aws-cdk/aws-ec2:ipv4IgnoreEgressRule',
      reason: 'Tasks keep open egress (Cognito JWKS, AWS APIs), so the egress half of a peer rule is redundant.',
    });

    this.targetGroup = new ApplicationTargetGroup(this, 'Target', {
      vpc: props.cluster.vpc,
      port: CONTAINER_PORT,
      protocol: ApplicationProtocol.HTTP,
      targetType: TargetType.IP,
      targets: [this.service.loadBalancerTarget({ containerName: name, containerPort: CONTAINER_PORT })],
      // Started means migrated: a new task takes traffic only after its migrations ran. Not /health/ready, which
      // follows the database: ECS would replace every task during a database failover (services/contracts).
      healthCheck: {
        path: HEALTH_PATHS.started,
        interval: Duration.seconds(5),
        timeout: Duration.seconds(4),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
        healthyHttpCodes: '200',
      },
      deregistrationDelay: props.deregistrationDelay,
    });
    for (let start = 0; start < props.pathPatterns.length; start += PATTERNS_PER_RULE) {
      props.listener.addTargetGroups(`${id}Rule${start / PATTERNS_PER_RULE}`, {
        priority: props.rulePriority + start / PATTERNS_PER_RULE,
        conditions: [ListenerCondition.pathPatterns([...props.pathPatterns.slice(start, start + PATTERNS_PER_RULE)])],
        targetGroups: [this.targetGroup],
      });
    }

    // A release whose tasks get healthy but answer 5xx passes the circuit breaker (it watches health checks only).
    this.serverErrorAlarm = new Alarm(this, 'ServerErrors', {
      alarmName: `${Stack.of(this).stackName}-${name}-5xx`,
      alarmDescription: `${name} answered more than 10 server errors a minute for 2 minutes; a deployment under way rolls back.`,
      metric: this.targetGroup.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 10,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.service.enableDeploymentAlarms([this.serverErrorAlarm.alarmName], { behavior: AlarmBehavior.ROLLBACK_ON_ALARM });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minCapacity, maxCapacity: props.maxCapacity });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.cpuTargetPercent,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(180),
    });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: props.requestsPerTarget,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(180),
    });
  }
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
    throw new Error(`${where}: database.user (the owner, for migrations) and database.appUser (the running service) must be two different users; got "${user}" and "${appUser}"`);
  }
  const secretLooking = Object.keys(props.environment ?? {}).filter((key) => SECRET_LOOKING.test(key));
  if (secretLooking.length > 0) {
    throw new Error(`${where}: ${secretLooking.join(', ')} look like secrets; pass them as ECS secrets, not environment`);
  }
}
