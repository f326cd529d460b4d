/**
 * The app stack's services (app-stack.ts): the cluster, the Service Connect namespace and one Microservice per
 * service, each after the migration step its deploy waits for. Every construct goes in the stack's scope.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Port } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerImage, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import { HttpNamespace } from 'aws-cdk-lib/aws-servicediscovery';
import type { Construct } from 'constructs';
import { INTERNAL_GRPC, migrationsFolder, SERVICE_NAMES, type ServiceName } from '../services/contracts/services';
import { busEnvironment, callEnvironment, grpcPortEnvironment, type BusLocation, type CallProtocol } from '../services/contracts/service-env';
import { albPathPatterns } from '../services/contracts/routes';
import type { AppStackProps } from './app-stack';
import type { Auth } from './constructs/auth';
import { DatabaseMigrations } from './constructs/database-migrations';
import type { LoadBalancer } from './constructs/load-balancer';
import { Microservice, SPOT_SHUTDOWN_DELAY } from './constructs/microservice';
import { CONTAINER_PORT } from './constructs/microservice-container';

/** The repository root: every image builds from it, so it can include services/kit and services/contracts. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Service Connect name under which Billing reaches Product over the private network. */
const PRODUCT_DNS_NAME = 'product';

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

/** The stack the services go in, and what it made before them. */
export interface ServicesContext {
  readonly scope: Construct;
  readonly props: AppStackProps;
  readonly prefix: string;
  readonly bus: BusLocation;
  readonly auth: Auth;
  readonly loadBalancer: LoadBalancer;
}

/** What every service of the stack is built with, beside its own extras. */
interface ServiceCommon extends ServicesContext {
  readonly cluster: Cluster;
  readonly namespace: HttpNamespace;
}

/** The cluster, the Service Connect namespace and the three services, Billing allowed to call Product. */
export function addServices(context: ServicesContext): Record<ServiceName, Microservice> {
  const { scope, props, prefix } = context;
  const { stage, vpc } = props;
  const cluster = new Cluster(scope, 'Cluster', {
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
  const namespace = new HttpNamespace(scope, 'Namespace', { name: `${prefix}.internal` });
  const common: ServiceCommon = { ...context, cluster, namespace };

  const product = addService(common, 'product', 1, { connect: true, dnsName: PRODUCT_DNS_NAME, grpcPort: INTERNAL_GRPC.product.port });
  const services = {
    identity: addService(common, 'identity', 0, { connect: false }),
    product,
    billing: addService(common, 'billing', 2, { connect: true, calls: (_callee, protocol) => (protocol === 'grpc' ? product.grpcUrl! : product.serviceConnectUrl!) }),
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
function addService(common: ServiceCommon, name: ServiceName, index: number, extra: ServiceExtras): Microservice {
  const { scope, props, prefix, bus, cluster, namespace, auth, loadBalancer } = common;
  const { stage } = props;
  const { logLevel, deregistrationDelaySeconds, databasePoolMax, ...scaling } = stage.service;
  const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  // The migrations this release's image carries (services/Dockerfile copies the same folder).
  const migrations = new DatabaseMigrations(scope, `${id}Migrations`, {
    vpc: props.vpc,
    database: props.databases[name],
    migrationsDir: path.join(REPO_ROOT, migrationsFolder(name)),
    lockName: name,
    functionName: `${prefix}-${name}-migrations`,
    logRetention: stage.logRetentionDays,
    logRemoval: stage.logRemoval,
  });
  return new Microservice(scope, id, {
    serviceName: name,
    cluster,
    image: props.images?.[name] ?? serviceImage(name),
    ...scaling,
    database: props.databases[name],
    cognito: { userPool: auth.userPool, client: auth.client },
    environment: {
      LOG_LEVEL: logLevel,
      DATABASE_POOL_MAX: String(databasePoolMax),
      ...busEnvironment(name, bus),
      ...(extra.calls ? callEnvironment(name, extra.calls) : {}),
      ...(extra.grpcPort ? grpcPortEnvironment(name, extra.grpcPort) : {}),
    },
    listener: loadBalancer.listener,
    pathPatterns: albPathPatterns(name),
    rulePriority: 10 * (index + 1),
    deregistrationDelay: Duration.seconds(deregistrationDelaySeconds),
    // Spot only: there an interruption's SIGTERM comes before the ALB takes the task out (lib/constructs/microservice.ts).
    ...(scaling.spot ? { shutdownDelay: SPOT_SHUTDOWN_DELAY } : {}),
    ...(extra.connect ? { serviceConnect: { namespace, ...(extra.dnsName ? { dnsName: extra.dnsName } : {}) } } : {}),
    ...(extra.grpcPort ? { grpcPort: extra.grpcPort } : {}),
    migratedBy: migrations.resource,
    logRetention: stage.logRetentionDays,
    rollbackOnFaults: stage.deploymentRollback ?? true,
    logRemoval: stage.logRemoval,
  });
}
