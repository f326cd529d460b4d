/**
 * What a Microservice (microservice.ts) is built from, and the checks its props must pass before anything is made:
 * the scaling a stage chooses, and the service's own wiring.
 */
import type { Duration } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ContainerImage, ICluster } from 'aws-cdk-lib/aws-ecs';
import type { IApplicationListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { INamespace } from 'aws-cdk-lib/aws-servicediscovery';
import type { IDependable } from 'constructs';
import type { DatabaseConnection } from './database';
import { MAX_SHUTDOWN_DELAY_SECONDS } from '../../services/contracts/shutdown';
import { CONTAINER_PORT } from './microservice-container';
import type { LogRemoval } from './log-removal';

const SECRET_LOOKING = /PASSWORD|SECRET|TOKEN|PRIVATE_KEY|CREDENTIAL/i;
/**
 * Log levels that keep the info line of every gRPC call (services/kit/grpc/log-calls.ts): the fault alarm counts those
 * lines as the service's calls (server-fault-alarm.ts). Above info only the failed calls are written, so a handful of
 * faults would read as most of the calls and roll a healthy release back.
 */
const LEVELS_THAT_COUNT_CALLS: ReadonlySet<string> = new Set(['trace', 'debug', 'info']);

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
   * How long a task keeps serving after SIGTERM, answering 503 on its health checks meanwhile, before it closes its
   * listener (SHUTDOWN_DELAY_SECONDS, services/kit/http/pre-stop.ts). For Fargate Spot, whose interruption sends
   * SIGTERM while the ALB still sends requests: `SPOT_SHUTDOWN_DELAY` (microservice.ts). Whole seconds, at most
   * MAX_SHUTDOWN_DELAY_SECONDS (services/contracts/shutdown.ts).
   * @default no delay: in a deploy or a scale-in ECS takes the task out of its target group before SIGTERM
   */
  readonly shutdownDelay?: Duration;
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

/** Refuses props a Microservice could not run with, naming the prop: called before anything is made. */
export function validateProps(props: MicroserviceProps): void {
  const where = `Microservice "${props.serviceName}"`;
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(props.serviceName)) {
    throw new Error(`${where}: serviceName must be lower-case letters, digits and dashes; got "${props.serviceName}"`);
  }
  if (props.minCapacity < 1 || props.maxCapacity < props.minCapacity) {
    throw new Error(`${where}: need 1 ≤ minCapacity ≤ maxCapacity; got ${props.minCapacity} and ${props.maxCapacity}`);
  }
  const drain = props.deregistrationDelay.toSeconds();
  if (drain > 30) throw new Error(`${where}: deregistrationDelay must be at most 30 seconds; got ${drain}`);
  const delay = props.shutdownDelay?.toSeconds({ integral: false }) ?? 0;
  if (!Number.isInteger(delay) || delay < 0 || delay > MAX_SHUTDOWN_DELAY_SECONDS) {
    throw new Error(`${where}: shutdownDelay must be whole seconds from 0 to ${MAX_SHUTDOWN_DELAY_SECONDS}; got ${delay}`);
  }
  if (props.pathPatterns.length === 0) throw new Error(`${where}: pathPatterns must name at least one path; got none`);
  if (props.grpcPort !== undefined) {
    if (!props.serviceConnect?.dnsName) throw new Error(`${where}: grpcPort is reached only through Service Connect; give serviceConnect.dnsName too`);
    if (!Number.isInteger(props.grpcPort) || props.grpcPort < 1024 || props.grpcPort > 65_535 || props.grpcPort === CONTAINER_PORT) {
      throw new Error(`${where}: grpcPort must be an integer port from 1024 to 65535 other than ${CONTAINER_PORT}; got ${props.grpcPort}`);
    }
    const level = props.environment?.LOG_LEVEL;
    if (level !== undefined && !LEVELS_THAT_COUNT_CALLS.has(level)) {
      throw new Error(`${where}: with a grpcPort, LOG_LEVEL must be info or lower, as the fault alarm counts each call's info line as a call; got "${level}"`);
    }
  }
  const { user, appUser } = props.database;
  if (!user || !appUser || user === appUser) {
    throw new Error(`${where}: database.user (the owner, for the migration step) and database.appUser (the running service) must be two different users; got "${user}" and "${appUser}"`);
  }
  if (props.environment?.SHUTDOWN_DELAY_SECONDS !== undefined) {
    throw new Error(`${where}: SHUTDOWN_DELAY_SECONDS is set from shutdownDelay, which also sizes the stopTimeout; got it in environment ("${props.environment.SHUTDOWN_DELAY_SECONDS}")`);
  }
  const secretLooking = Object.keys(props.environment ?? {}).filter((key) => SECRET_LOOKING.test(key));
  if (secretLooking.length > 0) {
    throw new Error(`${where}: ${secretLooking.join(', ')} look like secrets; pass them as ECS secrets, not environment`);
  }
}
