/**
 * Databases a stage creates from a snapshot instead of empty: how a stage comes back after `cdk destroy` (prod's
 * instances leave a final snapshot) or from a backup taken by hand. Named in the `restoreFrom` context value, by
 * instance identifier: `{"platform-prod-identity": "<snapshot id or ARN>"}`, in cdk.json (committed) or on the
 * command line (`-c restoreFrom='{…}'`).
 *
 * It stays set for as long as the instance lives: CloudFormation replaces an instance whose snapshot changes, and
 * refuses to, its name being fixed, so a deploy without it fails instead of emptying a database.
 */
import { STAGE_NAMES, type StageName, type StageSettings } from './stages';
import { SERVICE_NAMES } from '../services/contracts/services';

/** An RDS instance's identifier: `platform-<stage>-<shared|service>`; it also names its log groups and functions. */
export const instanceIdentifier = (stage: StageName, instance: string) => `platform-${stage}-${instance}`;

/** The instances of a stage: one shared by every service, or one per service. */
export const stageInstances = (stage: StageSettings): readonly string[] => (stage.database.layout === 'shared' ? ['shared'] : SERVICE_NAMES);

/** Every identifier a stage of this app may have, whatever its layout. */
const KNOWN_INSTANCES = STAGE_NAMES.flatMap((stage) => ['shared', ...SERVICE_NAMES].map((name) => instanceIdentifier(stage, name)));

/**
 * A snapshot's identifier (manual, automated `rds:…`, or the final one CloudFormation names: letters, digits and
 * single hyphens, not ending in one), or its ARN.
 */
const SNAPSHOT = /^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?(rds:)?[A-Za-z](-?[A-Za-z0-9])*$/;

/** The region and account of a snapshot ARN; a bare identifier is in the stack's own. */
export function snapshotLocation(snapshot: string): { region: string; account: string } | undefined {
  const match = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):snapshot:/.exec(snapshot);
  return match ? { region: match[1]!, account: match[2]! } : undefined;
}

/** `restoreFrom` (bin/app.ts): the stage's instances to restore, keyed by identifier; other stages' keys are left alone. */
export function withRestoredDatabases(stage: StageSettings, value: unknown): StageSettings {
  if (value === undefined) return stage;
  const parsed = typeof value === 'string' ? parseJson(value) : value;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`restoreFrom: expected an object of instance identifier → snapshot, e.g. {"platform-prod-identity":"my-snapshot"}; got ${JSON.stringify(value)}`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const unknown = entries.filter(([name]) => !KNOWN_INSTANCES.includes(name)).map(([name]) => name);
  if (unknown.length > 0) throw new Error(`restoreFrom: no stage has an instance named ${unknown.join(', ')}; the instances are ${KNOWN_INSTANCES.join(', ')}`);
  const bad = entries.filter(([, snapshot]) => typeof snapshot !== 'string' || !SNAPSHOT.test(snapshot));
  if (bad.length > 0) throw new Error(`restoreFrom: ${bad.map(([name, snapshot]) => `${name}: expected a snapshot identifier or ARN; got ${JSON.stringify(snapshot)}`).join('; ')}`);
  const own = entries.filter(([name]) => name.startsWith(instanceIdentifier(stage.name, ''))) as [string, string][];
  const instances = stageInstances(stage).map((name) => instanceIdentifier(stage.name, name));
  const absent = own.filter(([name]) => !instances.includes(name)).map(([name]) => name);
  if (absent.length > 0) throw new Error(`restoreFrom: the ${stage.name} stage (${stage.database.layout} layout) has no instance ${absent.join(', ')}; its instances are ${instances.join(', ')}`);
  return own.length === 0 ? stage : { ...stage, database: { ...stage.database, restoreFrom: Object.fromEntries(own) } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`restoreFrom: expected JSON, e.g. {"platform-prod-identity":"my-snapshot"}; got ${text}`);
  }
}
