/**
 * Typed settings of each deployment stage. Everything that differs between `dev` and `prod` lives here, in code,
 * so a reviewer sees the whole difference in one file; the stacks and constructs take these values as props and
 * never branch on a stage name themselves. Select a stage with `cdk synth -c stage=dev|prod`.
 */
import { STAGE_THROTTLE, type Throttle } from '../services/contracts/routes';

export type StageName = 'dev' | 'prod';

/**
 * How private subnets reach the internet (Cognito's JWKS, ECR, SNS, SQS, Secrets Manager):
 * - `instance`: one t4g NAT instance, a few dollars a month; fine for a stage whose outage costs nothing.
 * - `gateway-per-az`: one managed NAT gateway per AZ, so losing an AZ does not cut the other's egress.
 */
export type NatStrategy = 'instance' | 'gateway-per-az';

/**
 * - `shared`: one RDS instance holding one database per service (cheap; the services still cannot see each
 *   other's tables, but they share the instance's CPU, credentials and maintenance window).
 * - `per-service`: one RDS instance per service, each with its own credentials.
 */
export type DatabaseLayout = 'shared' | 'per-service';

export interface NetworkSettings {
  readonly cidr: string;
  readonly nat: NatStrategy;
  /** Only with `nat: 'instance'`. */
  readonly natInstanceType: string;
  /** `REJECT` logs only refused flows: what a security review needs, at a fraction of the volume of `ALL`. */
  readonly flowLogTraffic: 'ALL' | 'REJECT';
  /**
   * Interface endpoints (`ecr.api`, `logs`, …) to add. Each costs about $7.30 a month per AZ, which only pays off
   * beyond roughly 400 GB a month of NAT traffic per service; the free S3 gateway endpoint is always added.
   */
  readonly interfaceEndpoints: readonly string[];
}

export interface DatabaseSettings {
  readonly layout: DatabaseLayout;
  /** An RDS instance class without the `db.` prefix, for example `t4g.micro`. */
  readonly instanceType: string;
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling. */
  readonly maxAllocatedStorageGiB: number;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  /** `snapshot` keeps a final snapshot when the instance is removed; `destroy` keeps nothing. */
  readonly removal: 'snapshot' | 'destroy';
  /** Not 5432: scanners that only try the default port find nothing. */
  readonly port: number;
  readonly rotationDays: number;
}

export interface ServiceSettings {
  /** Fargate task size: CPU units (256 = 0.25 vCPU) and memory in MiB. */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly cpuTargetPercent: number;
  readonly requestsPerTarget: number;
  /** Run on Fargate Spot: about 70 % cheaper, and a task may be reclaimed with two minutes' notice. */
  readonly spot: boolean;
  /** Seconds the ALB keeps sending in-flight requests to a draining task. At most 30. */
  readonly deregistrationDelaySeconds: number;
  readonly logLevel: 'debug' | 'info' | 'warn';
}

export interface StageSettings {
  readonly name: StageName;
  readonly network: NetworkSettings;
  readonly database: DatabaseSettings;
  readonly service: ServiceSettings;
  /** Container Insights bills its metrics as custom metrics; the free AWS/ECS metrics feed the dashboard anyway. */
  readonly containerInsights: boolean;
  /** Cognito feature plan: `PLUS` adds threat protection (compromised credentials, adaptive auth) per MAU. */
  readonly cognitoPlan: 'ESSENTIALS' | 'PLUS';
  readonly logRetentionDays: number;
  /**
   * The API's stage-wide throttle. It is the route table's STAGE_THROTTLE in every stage, because the local
   * gateway enforces that one: changing it here would make the deployed API disagree with the offline one.
   */
  readonly throttle: Throttle;
  /** Origins allowed by CORS; `*` allows any (bearer tokens travel in a header, so no credentials are involved). */
  readonly corsOrigins: readonly string[];
  /** Resources holding data (user pool, log bucket, ALB) are protected from deletion and kept on removal. */
  readonly protectData: boolean;
  /** Receives alarm notifications; unset means subscribe by hand to the alerts topic. */
  readonly alarmEmail?: string;
}

export const STAGES: Readonly<Record<StageName, StageSettings>> = {
  dev: {
    name: 'dev',
    network: {
      cidr: '10.10.0.0/16',
      nat: 'instance',
      natInstanceType: 't4g.nano',
      flowLogTraffic: 'REJECT',
      interfaceEndpoints: [],
    },
    database: {
      layout: 'shared',
      instanceType: 't4g.micro',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 50,
      multiAz: false,
      deletionProtection: false,
      backupRetentionDays: 1,
      removal: 'destroy',
      port: 5433,
      rotationDays: 30,
    },
    service: {
      cpu: 256,
      memoryMiB: 512,
      minCapacity: 1,
      maxCapacity: 2,
      cpuTargetPercent: 70,
      requestsPerTarget: 500,
      spot: true,
      deregistrationDelaySeconds: 10,
      logLevel: 'debug',
    },
    containerInsights: false,
    cognitoPlan: 'ESSENTIALS',
    logRetentionDays: 14,
    throttle: STAGE_THROTTLE,
    corsOrigins: ['*'],
    protectData: false,
  },
  prod: {
    name: 'prod',
    network: {
      cidr: '10.20.0.0/16',
      nat: 'gateway-per-az',
      natInstanceType: 't4g.nano',
      flowLogTraffic: 'ALL',
      interfaceEndpoints: [],
    },
    database: {
      layout: 'per-service',
      instanceType: 't4g.small',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 200,
      multiAz: true,
      deletionProtection: true,
      backupRetentionDays: 14,
      removal: 'snapshot',
      port: 5433,
      rotationDays: 30,
    },
    service: {
      cpu: 512,
      memoryMiB: 1024,
      minCapacity: 2,
      maxCapacity: 10,
      cpuTargetPercent: 60,
      requestsPerTarget: 1000,
      spot: false,
      deregistrationDelaySeconds: 30,
      logLevel: 'info',
    },
    containerInsights: true,
    cognitoPlan: 'PLUS',
    logRetentionDays: 90,
    throttle: STAGE_THROTTLE,
    corsOrigins: ['https://app.example.com'],
    protectData: true,
  },
};

export const STAGE_NAMES = Object.keys(STAGES) as StageName[];

/** The settings of a stage by name; throws naming what was received and what is accepted. */
export function stageSettings(name: string | undefined): StageSettings {
  // hasOwn, so that "toString" and friends are not stages.
  if (name === undefined || !Object.hasOwn(STAGES, name)) {
    throw new Error(`Unknown stage "${name}": expected one of ${STAGE_NAMES.join(', ')} (-c stage=dev)`);
  }
  return STAGES[name as StageName];
}
