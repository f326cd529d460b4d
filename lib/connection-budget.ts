/**
 * How many PostgreSQL connections a stage can open at its worst moment, against what its instances accept.
 *
 * The worst moment is a deploy at full scale: ECS starts a new set of tasks beside the old ones (maximum 200 %),
 * so each service may run twice its maxCapacity. Each task opens up to DATABASE_POOL_MAX connections, plus two
 * for the outbox relay and inbox pruning when the service is on the bus. RDS sets max_connections to
 * LEAST(DBInstanceClassMemory / 9531392, 5000) (https://docs.aws.amazon.com/prescriptive-guidance/latest/tuning-postgresql-parameters/max-connections.html);
 * DBInstanceClassMemory is the class's memory less what RDS keeps for the OS and its own processes, which grows
 * with the class. Read here as the larger of 300 MiB and a fifth of the memory: 79 on a 1 GiB class, under the 81
 * to 87 that `SHOW max_connections` is reported to answer there, and 180 on a 2 GiB one, under the 181 a db.t4g.small
 * answered (github.com/kirill-markin/flashcards-open-source-app/pull/1657; a fixed 300 MiB gave 192, above it, and
 * the formula on the full 2 GiB 225). A few connections stay reserved (superusers,
 * the rotation function, an operator's psql), and the budget keeps 20 % headroom beyond that. The deploy's steps
 * hold one connection per database on the instance while they run, one after the other: the provisioning
 * (lib/constructs/database-provisioner.ts, data stack), then the migrations (lib/constructs/database-migrations.ts,
 * app stack, before the services update); that one is counted as needed, since old tasks are still connected then.
 */
import { consumedBy, producedBy } from '../services/contracts/events';
import { BUS_DATABASE_CONNECTIONS } from '../services/contracts/service-env';
import { SERVICE_NAMES, type ServiceName } from '../services/contracts/services';
import { DEPLOY_MAX_HEALTHY_PERCENT } from './constructs/microservice';
import type { StageSettings } from './stages';

const INSTANCE_MEMORY_GIB: Readonly<Record<string, number>> = {
  't4g.micro': 1, 't4g.small': 2, 't4g.medium': 4, 't4g.large': 8, 't4g.xlarge': 16,
  'm7g.large': 8, 'm7g.xlarge': 16, 'r7g.large': 16, 'r7g.xlarge': 32,
};
const BYTES_PER_CONNECTION = 9_531_392;
/** What DBInstanceClassMemory leaves out of the class's memory, on the safe side (see above). */
const rdsReservedBytes = (memoryBytes: number) => Math.max(300 * 2 ** 20, memoryBytes / 5);
/** superuser_reserved_connections (3), the rotation function, an operator's session or two. */
const RESERVED = 6;
const HEADROOM = 0.8;
/** ECS's maximumPercent during a deploy, as a factor. */
const DEPLOY_FACTOR = DEPLOY_MAX_HEALTHY_PERCENT / 100;
/**
 * The provisioning (services/kit/db/provision.ts: databases side by side, one connection each) or the migration
 * step (one connection per database); never both at once, since the data stack deploys before the app stack.
 */
const DEPLOY_STEP_CONNECTIONS_PER_DATABASE = 1;

/** The instance class's memory, in bytes. */
export function instanceMemoryBytes(instanceType: string): number {
  const gib = INSTANCE_MEMORY_GIB[instanceType];
  if (gib === undefined) throw new Error(`connection budget: unknown instance type "${instanceType}"; add its memory to INSTANCE_MEMORY_GIB`);
  return gib * 2 ** 30;
}

export function maxConnections(instanceType: string): number {
  const memory = instanceMemoryBytes(instanceType);
  return Math.min(Math.floor((memory - rdsReservedBytes(memory)) / BYTES_PER_CONNECTION), 5000);
}

export interface ConnectionBudget {
  readonly services: readonly ServiceName[];
  /** Connections all their tasks may hold during a deploy at full scale, and the deploy step's. */
  readonly needed: number;
  /** What the instance accepts, less the reserved connections and the headroom. */
  readonly allowed: number;
}

const perTask = (stage: StageSettings, service: ServiceName) =>
  stage.service.databasePoolMax + (producedBy(service).length + consumedBy(service).length > 0 ? BUS_DATABASE_CONNECTIONS : 0);

/** One budget per RDS instance of the stage. */
export function connectionBudgets(stage: StageSettings): ConnectionBudget[] {
  const instances: ServiceName[][] = stage.database.layout === 'shared' ? [SERVICE_NAMES] : SERVICE_NAMES.map((name) => [name]);
  const allowed = Math.floor((maxConnections(stage.database.instanceType) - RESERVED) * HEADROOM);
  return instances.map((services) => ({
    services,
    needed: services.length * DEPLOY_STEP_CONNECTIONS_PER_DATABASE +
      services.reduce((sum, service) => sum + DEPLOY_FACTOR * stage.service.maxCapacity * perTask(stage, service), 0),
    allowed,
  }));
}
