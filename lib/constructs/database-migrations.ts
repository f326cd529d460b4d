/**
 * A service's migrations as a step of the deploy: a custom resource whose function, in the VPC, applies them as
 * the database's owner (an IAM login only this function's role may use) before CloudFormation updates the service.
 * The service's tasks log in as the app role alone, which may read and write rows and nothing else, so no code
 * running in a task can change or drop the schema. A migration that fails fails the deploy before its service's
 * tasks change (the update then rolls back, and the rollback applies none: migrate-lambda.ts), and a slow one holds
 * the deploy (up to the function's 15 minutes), not a health check.
 *
 * A Lambda-backed custom resource, as for the provisioning (database-provisioner.ts): CloudFormation orders it,
 * waits for its answer and rolls back on failure, with nothing to poll. It runs again whenever the migrations, the
 * built code or the database it points at change (a restore from a snapshot is a new instance), and when the
 * `remigrate` context value does (`cdk deploy -c remigrate=$(date +%s)`; the next deploy without it changes the
 * value back, and runs it once more); applying them again changes nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import { type IVpc, Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Architecture, type CfnFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DatabaseConnection } from './database';
import { type LogRemoval, logRemovalPolicy } from './log-removal';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const HANDLER = path.join(REPO_ROOT, 'services/kit/db/migrate-lambda.ts');
/** Lambda's longest run; the step answers CloudFormation before it (services/kit/custom-resource.ts). */
const FUNCTION_TIMEOUT = Duration.minutes(15);

export interface DatabaseMigrationsProps {
  readonly vpc: IVpc;
  /** The service's database: the step logs in as its owner (`user`); the service keeps `appUser`. */
  readonly database: DatabaseConnection;
  /** The folder of drizzle migrations (SQL files and `meta/_journal.json`), copied into the function's bundle. */
  readonly migrationsDir: string;
  /** The service's name: the advisory lock its own migrations take, so the two never run at once. */
  readonly lockName: string;
  /** Names the function; unique per account and region. Its log group's name is generated. */
  readonly functionName: string;
  readonly logRetention: RetentionDays;
  /**
   * What a stack delete does to the function's log group (lib/stages.ts, `logRemoval`): `retain` keeps it for audit.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
}

export class DatabaseMigrations extends Construct {
  public readonly function: NodejsFunction;
  /** The function's own: egress to HTTPS (CloudFormation's answer) and to the database's port only. */
  public readonly securityGroup: SecurityGroup;
  /** Make the service depend on this: its tasks change only once the migrations are applied. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DatabaseMigrationsProps) {
    super(scope, id);
    const migrations = migrationFiles(props.migrationsDir);
    if (props.database.user === props.database.appUser) {
      throw new Error(`DatabaseMigrations "${props.lockName}": the owner (database.user) must differ from the service's app role; got "${props.database.user}" for both`);
    }
    // A generated name, not /aws/lambda/<function>: a stage may keep its logs after a destroy (lib/stages.ts,
    // logRemoval), and a kept group with a fixed name would make the next deploy fail ("already exists").
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: logRemovalPolicy('DatabaseMigrations logRemoval', props.logRemoval) });
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'Migration step: HTTPS out (the answer to CloudFormation), and the database port', allowAllOutbound: false });
    // The answer is a PUT to a presigned S3 URL, whose addresses are not fixed; the IAM token is signed locally.
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'The answer to CloudFormation, a presigned S3 URL (HTTPS)');
    const { instance, databaseName, user } = props.database;
    // 64 hex digits, which the snapshot tests normalise as they do asset hashes.
    const migrationsDigest = digest(migrations);
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: `Applies the ${props.lockName} service's migrations as its database's owner, before the service updates`,
      entry: HANDLER,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: FUNCTION_TIMEOUT,
      // CloudFormation calls it asynchronously: a retry by Lambda would migrate again after CloudFormation has its answer.
      retryAttempts: 0,
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      environment: {
        DB_HOST: instance.dbInstanceEndpointAddress,
        DB_PORT: instance.dbInstanceEndpointPort,
        DB_NAME: databaseName,
        DB_USER: user,
        LOCK_NAME: props.lockName,
        // The bundled migrations' digest, as the Migrations property below: an Update asking for another is a rollback.
        MIGRATIONS_DIGEST: migrationsDigest,
        // The runtime ships the RDS certificate bundle but does not trust it unless told to.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        // CommonJS: pg and its dependencies require() Node's modules. The token signer is bundled, not taken from the runtime.
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: false,
        forceDockerBundling: false,
        externalModules: ['pg-native'],
        // esbuild's size summary and timing on every synth are noise; its warnings still show.
        logLevel: LogLevel.WARNING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // Beside the handler, where it looks for them (MIGRATIONS_DIR unset).
          afterBundling: (_inputDir, outputDir) => [`cp -R "${props.migrationsDir}" "${path.join(outputDir, 'migrations')}"`],
        },
      },
    });
    instance.grantConnect(this.function, user);
    // Asked from the function's side, so the database's ingress rule lives in this stack, beside the function.
    this.function.connections.allowToDefaultPort(instance, `${props.lockName} migrations to their database`);

    this.resource = new CustomResource(this, 'Run', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::DatabaseMigrations',
      // The function answers every outcome; this bounds the wait if it never could.
      serviceTimeout: FUNCTION_TIMEOUT.plus(Duration.minutes(1)),
      properties: {
        // A new endpoint (an instance restored from a snapshot) runs the step again.
        Database: { host: instance.dbInstanceEndpointAddress, port: instance.dbInstanceEndpointPort, name: databaseName, owner: user },
        Migrations: migrationsDigest,
        // The built code's asset key: a change to the handler, to what it bundles or to the lock file runs it again.
        Bundle: ((this.function.node.defaultChild as CfnFunction).code as CfnFunction.CodeProperty).s3Key ?? '',
        Remigrate: String(this.node.tryGetContext('remigrate') ?? ''),
      },
    });
    // The function must reach the database when CloudFormation calls it: after the rule that lets it.
    this.resource.node.addDependency(this.function.connections.securityGroups[0]!);

    for (const policy of ['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole']) {
      Validations.of(this.function).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
        reason: policy === 'AWSLambdaBasicExecutionRole' ? `${policy}: the function writes its own logs.` : `${policy}: the ENIs a function in a VPC needs; their ids are not known in advance.`,
      });
    }
  }
}

/** Every file of a drizzle migrations folder, in a stable order; a folder without a journal is refused. */
function migrationFiles(dir: string): string[] {
  if (!existsSync(path.join(dir, 'meta', '_journal.json'))) {
    throw new Error(`DatabaseMigrations: migrationsDir must be a drizzle migrations folder with meta/_journal.json; got "${dir}"`);
  }
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((file) => path.join(dir, file));
  return files.filter((file) => file.endsWith('.sql') || file.endsWith('.json'));
}

const digest = (files: readonly string[]) => createHash('sha256').update(files.map((file) => `${path.basename(file)}\0${readFileSync(file, 'utf8')}`).join('\0')).digest('hex');
