/**
 * The stateless stack: auth, event bus, load balancer, services, API and observability. It only wires
 * constructs together and grants them to each other; every route and queue comes from the shared modules.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnResource, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { type IVpc, Port } from 'aws-cdk-lib/aws-ec2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Cluster, ContainerImage, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { HttpNamespace } from 'aws-cdk-lib/aws-servicediscovery';
import type { Construct } from 'constructs';
import { consumedBy, producedBy } from '../services/contracts/events';
import { INTERNAL_GRPC, migrationsFolder, SERVICE_NAMES, type ServiceName } from '../services/contracts/services';
import { busTopology } from '../services/contracts/bus-topology';
import { busEnvironment, callEnvironment, grpcPortEnvironment, type BusLocation, type CallProtocol } from '../services/contracts/service-env';
import { instanceMemoryBytes, maxConnections } from './connection-budget';
import { Api } from './constructs/api';
import { Auth } from './constructs/auth';
import type { DatabaseConnection } from './constructs/database';
import { DatabaseAccess } from './constructs/database-access';
import { DatabaseMigrations } from './constructs/database-migrations';
import { EventBus } from './constructs/event-bus';
import { LoadBalancer } from './constructs/load-balancer';
import { Microservice } from './constructs/microservice';
import { CONTAINER_PORT } from './constructs/microservice-container';
import { Observability } from './constructs/observability';
import { OutboxBacklogAlarm } from './constructs/outbox-backlog-alarm';
import { WebAcl } from './constructs/web-acl';
import { wafLimits } from './waf-limits';
import { ADMIN_GROUP, albPathPatterns, ROUTES, STAGE_THROTTLE } from '../services/contracts/routes';
import type { StageSettings } from './stages';

/** The repository root: every image builds from it, so it can include services/kit and services/contracts. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Service Connect name under which Billing reaches Product over the private network. */
const PRODUCT_DNS_NAME = 'product';

export interface AppStackProps extends StackProps {
  readonly stage: StageSettings;
  readonly vpc: IVpc;
  readonly databases: Readonly<Record<ServiceName, DatabaseConnection>>;
  /** The secrets Secrets Manager rotates (the data stack's master secrets): a failed rotation pages the alerts topic. */
  readonly rotatedSecrets: readonly ISecret[];
  /** The functions that rotate them (their Lambda errors page too). */
  readonly rotationFunctions: readonly IFunction[];
  /** Each service's image; defaults to building services/Dockerfile for it from the repository root. */
  readonly images?: Readonly<Partial<Record<ServiceName, ContainerImage>>>;
}

/**
 * The image of a service, built at deploy time from the one Dockerfile all services share, told which service
 * by a build argument. The other services' folders are left out of its context, so a change to Billing does not
 * rebuild Identity's image.
 */
function serviceImage(name: ServiceName): ContainerImage {
  return ContainerImage.fromAsset(REPO_ROOT, {
    file: 'services/Dockerfile',
    buildArgs: { SERVICE: name },
    platform: Platform.LINUX_AMD64,
    exclude: SERVICE_NAMES.filter((other) => other !== name).map((other) => `services/${other}`),
  });
}

/** Per-service wiring beyond the common settings: Service Connect membership and extra configuration. */
interface ServiceExtras {
  /** Join the Service Connect namespace (Product to serve, Billing to call it). */
  readonly connect: boolean;
  readonly dnsName?: string;
  /** Base URL of a service it calls (services/contracts/service-env.ts says which, and in which variable). */
  readonly calls?: (callee: ServiceName, protocol: CallProtocol) => string;
  /** Its internal gRPC port (INTERNAL_GRPC), exposed through Service Connect only. */
  readonly grpcPort?: number;
}

/** What every service of the stack is built with, beside its own extras. */
interface ServiceCommon {
  readonly props: AppStackProps;
  readonly prefix: string;
  readonly bus: BusLocation;
  readonly cluster: Cluster;
  readonly namespace: HttpNamespace;
}

export class AppStack extends Stack {
  public readonly api: Api;
  public readonly auth: Auth;
  public readonly bus: EventBus;
  public readonly loadBalancer: LoadBalancer;
  public readonly services: Readonly<Record<ServiceName, Microservice>>;
  public readonly observability: Observability;
  /** Per producing service: its oldest unsent outbox event waited too long, or it stopped reporting (docs/events.md). */
  public readonly outboxBacklogAlarms: Readonly<Partial<Record<ServiceName, Alarm>>>;
  /** AWS WAF in front of the API, when the stage has it on. */
  public readonly webAcl?: WebAcl;
  /** The operators' tunnel to the databases, when the stage asks for it. */
  public readonly databaseAccess?: DatabaseAccess;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const prefix = `platform-${stage.name}`;

    this.auth = this.addAuth(stage);
    this.bus = new EventBus(this, 'Events', { topology: busTopology(prefix) });
    this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      accessLogRetentionDays: stage.logRetentionDays,
      protectData: stage.protectData,
    });
    const bus: BusLocation = { prefix, topicArn: this.bus.topic.topicArn, queueUrl: (consumer) => this.bus.consumer(consumer).queue.queueUrl };
    this.services = this.addServices(props, prefix, bus);
    this.outboxBacklogAlarms = this.connectServices(props, prefix, bus);
    this.grantIdentityUserAdmin();
    this.api = this.addApi(stage);
    this.webAcl = this.addFirewall(stage);
    if (stage.databaseAccess) this.databaseAccess = this.addDatabaseAccess(props, prefix);
    this.observability = this.addObservability(props, prefix);
    this.addOutputs(prefix);
  }

  private addAuth(stage: StageSettings): Auth {
    return new Auth(this, 'Auth', {
      groups: [ADMIN_GROUP],
      requiredScopes: ROUTES.flatMap((route) => route.scopes),
      plan: stage.cognitoPlan,
      protectData: stage.protectData,
      logRetention: stage.logRetentionDays,
      logRemoval: stage.logRemoval,
    });
  }

  /** The cluster, the Service Connect namespace and the three services, Billing allowed to call Product. */
  private addServices(props: AppStackProps, prefix: string, bus: BusLocation): Record<ServiceName, Microservice> {
    const { stage, vpc } = props;
    const cluster = new Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: stage.containerInsights ? ContainerInsights.ENABLED : ContainerInsights.DISABLED,
      enableFargateCapacityProviders: true,
    });
    if (!stage.containerInsights) {
      Validations.of(cluster).acknowledge({
        id: 'AwsSolutions-ECS4',
        reason: 'Container Insights is a per-stage cost choice (billed as custom metrics, about $23/month here); the dashboard and alarms use the free AWS/ECS metrics; prod has it on.',
      });
    }
    const namespace = new HttpNamespace(this, 'Namespace', { name: `${prefix}.internal` });
    const common: ServiceCommon = { props, prefix, bus, cluster, namespace };

    const product = this.addService(common, 'product', 1, { connect: true, dnsName: PRODUCT_DNS_NAME, grpcPort: INTERNAL_GRPC.product.port });
    const services = {
      identity: this.addService(common, 'identity', 0, { connect: false }),
      product,
      billing: this.addService(common, 'billing', 2, { connect: true, calls: (_callee, protocol) => (protocol === 'grpc' ? product.grpcUrl! : product.serviceConnectUrl!) }),
    };
    // Billing's Service Connect proxy talks to Product's tasks directly, on the container port. A client task
    // learns the namespace's endpoints when it starts, so Billing is created after Product.
    // Billing alone may reach Product's internal gRPC port (prices) and, for its REST fallback, the HTTP one.
    product.service.connections.allowFrom(services.billing.service, Port.tcp(INTERNAL_GRPC.product.port), 'Billing reads prices from Product over gRPC');
    product.service.connections.allowFrom(services.billing.service, Port.tcp(CONTAINER_PORT), 'Billing reads prices from Product');
    const cfnService = (svc: Microservice) => svc.service.node.defaultChild as CfnResource;
    cfnService(services.billing).addResourceDependency(cfnService(product));
    return services;
  }

  /** One service and the migration step its deploy waits for; `index` orders its ALB rules. */
  private addService(common: ServiceCommon, name: ServiceName, index: number, extra: ServiceExtras): Microservice {
    const { props, prefix, bus, cluster, namespace } = common;
    const { stage } = props;
    const { logLevel, deregistrationDelaySeconds, databasePoolMax, ...scaling } = stage.service;
    const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
    // The migrations this release's image carries (services/Dockerfile copies the same folder).
    const migrations = new DatabaseMigrations(this, `${id}Migrations`, {
      vpc: props.vpc,
      database: props.databases[name],
      migrationsDir: path.join(REPO_ROOT, migrationsFolder(name)),
      lockName: name,
      functionName: `${prefix}-${name}-migrations`,
      logRetention: stage.logRetentionDays,
      logRemoval: stage.logRemoval,
    });
    return new Microservice(this, id, {
      serviceName: name,
      cluster,
      image: props.images?.[name] ?? serviceImage(name),
      ...scaling,
      database: props.databases[name],
      cognito: { userPool: this.auth.userPool, client: this.auth.client },
      environment: {
        LOG_LEVEL: logLevel,
        DATABASE_POOL_MAX: String(databasePoolMax),
        ...busEnvironment(name, bus),
        ...(extra.calls ? callEnvironment(name, extra.calls) : {}),
        ...(extra.grpcPort ? grpcPortEnvironment(name, extra.grpcPort) : {}),
      },
      listener: this.loadBalancer.listener,
      pathPatterns: albPathPatterns(name),
      rulePriority: 10 * (index + 1),
      deregistrationDelay: Duration.seconds(deregistrationDelaySeconds),
      ...(extra.connect ? { serviceConnect: { namespace, ...(extra.dnsName ? { dnsName: extra.dnsName } : {}) } } : {}),
      ...(extra.grpcPort ? { grpcPort: extra.grpcPort } : {}),
      migratedBy: migrations.resource,
      logRetention: stage.logRetentionDays,
      rollbackOnFaults: stage.deploymentRollback ?? true,
      logRemoval: stage.logRemoval,
    });
  }

  /**
   * Each service to its database, and to the bus as its events say (publish, consume, dead-letter); a producer's
   * outbox backlog alarm, returned by service.
   */
  private connectServices(props: AppStackProps, prefix: string, bus: BusLocation): Partial<Record<ServiceName, Alarm>> {
    const outboxBacklogAlarms: Partial<Record<ServiceName, Alarm>> = {};
    for (const [name, svc] of Object.entries(this.services) as [ServiceName, Microservice][]) {
      // Asked from the service's side, so the rule lives in this stack and the data stack never refers back here.
      svc.service.connections.allowToDefaultPort(props.databases[name].instance, `${name} tasks to their database`);
      if (producedBy(name).length > 0) {
        // Its tasks report under the BUS_PREFIX that busEnvironment() gives them: bus.prefix.
        outboxBacklogAlarms[name] = new OutboxBacklogAlarm(svc, 'OutboxBacklog', { serviceName: name, busPrefix: bus.prefix, namePrefix: prefix, reportedBy: svc.service }).alarm;
        // sns:Publish only: the topic's key is AWS-managed (aws/sns), whose key policy already lets SNS use it
        // for any principal of the account, so grantPublish's extra kms:* on key/* would be dead weight.
        Grant.addToPrincipal({ grantee: svc.taskDefinition.taskRole, actions: ['sns:Publish'], resourceArns: [this.bus.topic.topicArn] });
      }
      if (consumedBy(name).length > 0) {
        const { queue, deadLetterQueue } = this.bus.consumer(name);
        queue.grantConsumeMessages(svc.taskDefinition.taskRole);
        // A message that keeps failing is forwarded to the dead-letter queue by the consumer itself, with the reason
        // attached (services/kit/bus/forward-dead-letter.ts); the queue's redrive policy only says where that is.
        deadLetterQueue.grantSendMessages(svc.taskDefinition.taskRole);
        deadLetterQueue.grant(svc.taskDefinition.taskRole, 'sqs:GetQueueUrl');
      }
    }
    return outboxBacklogAlarms;
  }

  /** Sign-up, deletion and sign-in of users; InitiateAuth itself needs no IAM permission. */
  private grantIdentityUserAdmin(): void {
    this.auth.userPool.grant(
      this.services.identity.taskDefinition.taskRole,
      'cognito-idp:AdminCreateUser',
      'cognito-idp:AdminSetUserPassword',
      'cognito-idp:AdminGetUser',
      'cognito-idp:AdminDeleteUser',
      // Deletion signs the user out everywhere first, so its refresh tokens stop working (docs/identity.md).
      'cognito-idp:AdminUserGlobalSignOut',
    );
  }

  private addApi(stage: StageSettings): Api {
    return new Api(this, 'Api', {
      routes: ROUTES,
      throttle: STAGE_THROTTLE,
      listener: this.loadBalancer.listener,
      vpcLink: this.loadBalancer.vpcLink,
      userPool: this.auth.userPool,
      corsOrigins: stage.corsOrigins,
      logRetention: stage.logRetentionDays,
      logRemoval: stage.logRemoval,
    });
  }

  /** AWS WAF on the API's stage when the stage has it on; otherwise the cdk-nag finding says why not. */
  private addFirewall(stage: StageSettings): WebAcl | undefined {
    if (stage.waf.enabled) {
      return new WebAcl(this, 'Firewall', { stage: this.api.stage, limits: wafLimits(ROUTES), logRetention: stage.logRetentionDays, logRemoval: stage.logRemoval });
    }
    Validations.of(this.api.stage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'WAF is a stage setting (lib/stages.ts): its fixed monthly cost would take dev over its $60 target; prod has it on.',
    });
    return undefined;
  }

  private addDatabaseAccess(props: AppStackProps, prefix: string): DatabaseAccess {
    return new DatabaseAccess(this, 'DatabaseAccess', {
      vpc: props.vpc,
      databases: Object.values(props.databases),
      name: prefix,
      ...(props.stage.databaseAccessImageId === undefined ? {} : { imageId: props.stage.databaseAccessImageId }),
    });
  }

  private addObservability(props: AppStackProps, prefix: string): Observability {
    const { stage } = props;
    // Every instance of a stage is of one class and created with one size.
    const databaseLimits = {
      maxConnections: maxConnections(stage.database.instanceType),
      memoryBytes: instanceMemoryBytes(stage.database.instanceType),
      allocatedStorageBytes: stage.database.allocatedStorageGiB * 2 ** 30,
    };
    return new Observability(this, 'Observability', {
      name: prefix,
      api: this.api.restApi,
      services: Object.entries(this.services).map(([name, svc]) => ({ name, service: svc.service, targetGroup: svc.targetGroup, minCapacity: stage.service.minCapacity })),
      databases: [...new Set(Object.values(props.databases).map((db) => db.instance))].map((instance) => ({ instance, ...databaseLimits })),
      deadLetterQueues: Object.entries(this.bus.consumers).map(([name, c]) => ({ name, queue: c.deadLetterQueue })),
      alarms: [
        ...Object.values(this.bus.consumers).flatMap((c) => [c.deadLetterAlarm, c.backlogAlarm]),
        this.bus.deliveryFailureAlarm,
        ...Object.values(this.services).map((svc) => svc.serverErrorAlarm),
        ...Object.values(this.outboxBacklogAlarms),
      ],
      ...(this.webAcl ? { firewallBlocks: ['ALL', ...this.webAcl.ruleNames].map((rule) => this.webAcl!.metricBlockedRequests(rule)) } : {}),
      rotatedSecrets: props.rotatedSecrets,
      rotationFunctions: props.rotationFunctions,
      ...(stage.alarmEmail ? { alarmEmail: stage.alarmEmail } : {}),
      warnWithoutSubscriber: stage.protectData,
    });
  }

  private addOutputs(prefix: string): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the REST API stage, ending in /api/ (npm run smoke -- --url <this>)' });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.observability.alertsTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: prefix });
  }
}
