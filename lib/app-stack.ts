/**
 * The stateless stack: auth, event bus, load balancer, services, API and observability. It only wires
 * constructs together and grants them to each other; every route and queue comes from the shared modules.
 * The services (app-stack-services.ts), their grants (app-stack-grants.ts) and the observability and outputs
 * (app-stack-observability.ts) are built by functions in sibling files, in this stack's scope.
 */
import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ServiceName } from '../services/contracts/services';
import { busTopology } from '../services/contracts/bus-topology';
import type { BusLocation } from '../services/contracts/service-env';
import { addServices } from './app-stack-services';
import { connectServices, grantIdentityUserAdmin } from './app-stack-grants';
import { addObservability, addOutputs } from './app-stack-observability';
import { Api } from './constructs/api';
import { Auth } from './constructs/auth';
import type { DatabaseConnection } from './constructs/database';
import { DatabaseAccess } from './constructs/database-access';
import { EventBus } from './constructs/event-bus';
import { LoadBalancer } from './constructs/load-balancer';
import type { Microservice } from './constructs/microservice';
import type { Observability } from './constructs/observability';
import { UserPoolWebAcl } from './constructs/user-pool-web-acl';
import { WebAcl } from './constructs/web-acl';
import { wafLimits } from './waf-limits';
import { ADMIN_GROUP, ROUTES, STAGE_THROTTLE } from '../services/contracts/routes';
import type { StageSettings } from './stages';

export { REPO_ROOT } from './app-stack-services';

export interface AppStackProps extends StackProps {
  readonly stage: StageSettings;
  readonly vpc: IVpc;
  readonly databases: Readonly<Record<ServiceName, DatabaseConnection>>;
  /** The secrets Secrets Manager rotates (the data stack's master secrets): a failed rotation pages the alerts topic. */
  readonly rotatedSecrets: readonly ISecret[];
  /** The functions that rotate them (their Lambda errors page too). */
  readonly rotationFunctions: readonly IFunction[];
  /**
   * Names of the data stack's alarms that page the alerts topic through an EventBridge rule (the NAT credit alarm:
   * lib/constructs/nat-credit-alarm.ts says why it cannot notify the topic itself).
   * @default none
   */
  readonly forwardedAlarmNames?: readonly string[];
  /** Each service's image; defaults to building services/Dockerfile for it from the repository root. */
  readonly images?: Readonly<Partial<Record<ServiceName, ContainerImage>>>;
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
  /** Per producing service: its outbox holds events the relay can never publish (failed_at; docs/events.md). */
  public readonly outboxFailedAlarms: Readonly<Partial<Record<ServiceName, Alarm>>>;
  /** AWS WAF in front of the API, when the stage has it on. */
  public readonly webAcl?: WebAcl;
  /** AWS WAF on the user pool, refusing Cognito's public API, when the stage has WAF on (lib/constructs/user-pool-web-acl.ts). */
  public readonly userPoolWebAcl?: UserPoolWebAcl;
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
    this.services = addServices({ scope: this, props, prefix, bus, auth: this.auth, loadBalancer: this.loadBalancer });
    const outboxAlarms = connectServices({ services: this.services, eventBus: this.bus, props, prefix, bus });
    this.outboxBacklogAlarms = outboxAlarms.backlog;
    this.outboxFailedAlarms = outboxAlarms.failed;
    grantIdentityUserAdmin(this.auth, this.services.identity);
    this.api = this.addApi(stage);
    this.webAcl = this.addFirewall(stage);
    if (stage.waf.enabled) this.userPoolWebAcl = new UserPoolWebAcl(this, 'UserPoolFirewall', { userPool: this.auth.userPool });
    if (stage.databaseAccess) this.databaseAccess = this.addDatabaseAccess(props, prefix);
    this.observability = addObservability(this, props, prefix);
    addOutputs(this);
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
}
