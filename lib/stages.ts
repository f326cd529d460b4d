/**
 * Typed settings of each deployment stage. Everything that differs between `dev` and `prod` lives here, in code,
 * so a reviewer sees the whole difference in one file; the stacks and constructs take these values as props and
 * never branch on a stage name themselves. Each group of settings has the type of the construct that takes it, so
 * a stack passes the group on as it is. Limits the local gateway enforces too (throttles) are not here: they
 * are the route table's (services/contracts/routes.ts). Select a stage with `cdk synth -c stage=dev|prod`.
 */
import type { PostgresInstanceSettings } from './constructs/database';
import type { LogRemoval } from './constructs/log-removal';
import type { MicroserviceScaling } from './constructs/microservice';
import type { NatStrategy, NetworkSettings } from './constructs/network';
import type { WebAclSettings } from './constructs/web-acl';
import { checkedImageId } from './constructs/pinned-image';

export type { LogRemoval, NatStrategy, NetworkSettings };

export type StageName = 'dev' | 'prod';

/**
 * - `shared`: one RDS instance holding one database per service (cheap; the services still cannot see each
 *   other's tables, but they share the instance's CPU, credentials and maintenance window).
 * - `per-service`: one RDS instance per service, each with its own credentials.
 */
export type DatabaseLayout = 'shared' | 'per-service';

/** The construct's own settings (lib/constructs/database.ts), and how many instances there are. */
export interface DatabaseSettings extends PostgresInstanceSettings {
  readonly layout: DatabaseLayout;
  /** Instances made from a snapshot, by identifier (lib/database-restore.ts, `-c restoreFrom`). @default none: new, empty */
  readonly restoreFrom?: Readonly<Record<string, string>>;
}

/** The construct's own scaling settings (lib/constructs/microservice.ts), and what the stack adds to each task. */
export interface ServiceSettings extends MicroserviceScaling {
  /** Seconds the ALB keeps sending in-flight requests to a draining task. At most 30. */
  readonly deregistrationDelaySeconds: number;
  /**
   * Connections in each task's pool (DATABASE_POOL_MAX). Sized so that every task of a deploy at full scale fits
   * the instance's max_connections with headroom (lib/connection-budget.ts, checked by test/lib/stages.test.ts).
   */
  readonly databasePoolMax: number;
  /**
   * Every service of the stage logs at this level. No higher than info: Product serves gRPC, and its fault alarm
   * counts each call's info line as a call (lib/constructs/microservice-props.ts refuses more at synth).
   */
  readonly logLevel: 'debug' | 'info';
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
   * What deleting a stack (`cdk destroy`, or a delete and redeploy) does to its CloudWatch log groups: `retain` keeps
   * them for audit and forensics, to expire with `logRetentionDays` (docs/deploy.md, "Destroy", says how to delete
   * them sooner); `destroy` removes them with the stack. Groups whose name AWS fixes (an RDS instance's, a hosted
   * rotation function's) are removed in every stage: kept, they would make the next deploy fail ("already
   * exists"). Every other group has a generated name for that reason (lib/constructs/log-removal.ts).
   */
  readonly logRemoval: LogRemoval;
  /**
   * AWS WAF in front of the API (lib/constructs/web-acl.ts): per-client limits from the route table and AWS managed
   * rules; and on the user pool, refusing Cognito's public API (lib/constructs/user-pool-web-acl.ts). Their fixed
   * monthly cost would take dev over its $60 target, so dev runs without them (`npm run cost`).
   */
  readonly waf: WebAclSettings;
  /** Origins allowed by CORS; `*` allows any (bearer tokens travel in a header, so no credentials are involved). */
  readonly corsOrigins: readonly string[];
  /** Resources holding data (user pool, log bucket, ALB) are protected from deletion and kept on removal. */
  readonly protectData: boolean;
  /** Receives alarm notifications; unset means subscribe by hand to the alerts topic. */
  readonly alarmEmail?: string;
  /**
   * Whether a deployment rolls back when the service's fault alarm fires (lib/constructs/server-fault-alarm.ts). On in
   * both stages; `-c deploymentRollback=false` is the emergency switch for a fix that must go out while it fires.
   * @default true
   */
  readonly deploymentRollback?: boolean;
  /**
   * A host operators tunnel through to the databases (lib/constructs/database-access.ts), for when something must
   * be looked at or fixed by hand. Off unless asked for (`"databaseAccess": true` in cdk.json's context, or `-c`): a
   * standing way in is a standing risk, and it has a monthly cost (`npm run cost` prices it when on).
   */
  readonly databaseAccess: boolean;
  /**
   * Pins the database access host's image (`-c databaseAccessImageId=ami-…` or cdk.json), so a deploy replaces the
   * host only when this changes (lib/constructs/database-access.ts). @default the latest Amazon Linux 2023 at each deploy
   */
  readonly databaseAccessImageId?: string;
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
      // Two: three services of up to 2 tasks each, doubled during a deploy, share one t4g.micro (about 80 connections).
      databasePoolMax: 2,
      logLevel: 'debug',
    },
    containerInsights: false,
    cognitoPlan: 'ESSENTIALS',
    logRetentionDays: 14,
    logRemoval: 'destroy',
    waf: { enabled: false },
    corsOrigins: ['*'],
    protectData: false,
    databaseAccess: false,
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
      databasePoolMax: 4,
      logLevel: 'info',
    },
    containerInsights: true,
    cognitoPlan: 'PLUS',
    logRetentionDays: 90,
    logRemoval: 'retain',
    waf: { enabled: true },
    // None until the deployer names its web origins (-c corsOrigins=https://app.example.org): no placeholder.
    corsOrigins: [],
    protectData: true,
    databaseAccess: false,
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

/** A context value that must be true or false (from `-c`, a string; from cdk.json, a boolean). */
function onOff(key: string, value: unknown): boolean {
  const text = String(value);
  if (text !== 'true' && text !== 'false') throw new Error(`-c ${key}: expected true or false; got "${text}"`);
  return text === 'true';
}

/** `-c waf=true|false` (bin/app.ts): the stage's AWS WAF on or off for one synthesis, e.g. to try the rules in dev. */
export function withWaf(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined) return stage;
  return { ...stage, waf: { ...stage.waf, enabled: onOff('waf', value) } };
}

/** `databaseAccess` true or false (bin/app.ts; cdk.json or `-c`): the operators' database access host, while it is needed. */
export function withDatabaseAccess(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined) return stage;
  return { ...stage, databaseAccess: onOff('databaseAccess', value) };
}

/**
 * `databaseAccessImageId` (bin/app.ts; `-c` or cdk.json): pin the database access host's image. Checked even while
 * the host is off, so a stale or mistyped id in cdk.json is found before the day the host is needed.
 */
export function withDatabaseAccessImage(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined) return stage;
  return { ...stage, databaseAccessImageId: checkedImageId('-c databaseAccessImageId', String(value).trim()) };
}

/**
 * `natImageId` (bin/app.ts; `-c natImageId=ami-…` or cdk.json): pin the NAT instance's image (the network construct
 * checks the id), so a deploy replaces the instance only when you change it (lib/constructs/network.ts). A stage
 * with NAT gateways has no image to pin and is left as it is, so one cdk.json serves every stage.
 */
export function withNatImage(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined || stage.network.nat !== 'instance') return stage;
  return { ...stage, network: { ...stage.network, natImageId: String(value).trim() } };
}

/** `-c deploymentRollback=false` (bin/app.ts): deploy without rolling back on the fault alarm, for one emergency deploy. */
export function withDeploymentRollback(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined) return stage;
  return { ...stage, deploymentRollback: onOff('deploymentRollback', value) };
}

/** `-c alarmEmail=ops@example.org` (bin/app.ts): who gets the alarms (an e-mail subscription to the alerts topic). */
export function withAlarmEmail(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined) return stage;
  const email = String(value).trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error(`-c alarmEmail: expected an e-mail address; got "${String(value)}"`);
  return { ...stage, alarmEmail: email };
}

/**
 * `-c corsOrigins=https://a.example,https://b.example` (bin/app.ts): the browser origins allowed to call the API,
 * replacing the stage's list. Each must be an https origin (scheme and host, no path), or `*` alone.
 */
export function withCorsOrigins(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined) return stage;
  const origins = String(value).split(',').map((origin) => origin.trim()).filter(Boolean);
  const bad = origins.filter((origin) => origin !== '*' && !/^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(origin));
  if (bad.length > 0 || (origins.includes('*') && origins.length > 1)) {
    throw new Error(`-c corsOrigins: expected https origins separated by commas (https://app.example.org), or * alone; got "${String(value)}"`);
  }
  return { ...stage, corsOrigins: origins };
}
