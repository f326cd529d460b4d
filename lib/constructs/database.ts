import { type CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { InstanceType, type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  CaCertificate,
  Credentials,
  DatabaseInstance,
  DatabaseInstanceEngine,
  EngineLifecycleSupport,
  type IDatabaseInstance,
  PostgresEngineVersion,
  StorageType,
} from 'aws-cdk-lib/aws-rds';
import { HostedRotation, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** What a service needs to reach its own database: passed as objects, never as ARN strings. */
export interface DatabaseConnection {
  readonly instance: IDatabaseInstance;
  /** Secrets Manager secret with `username` and `password` (and host, port) fields. */
  readonly secret: ISecret;
  readonly databaseName: string;
  /**
   * True when RDS did not create this database with the instance (several databases share it), so something
   * must `CREATE DATABASE` before the service migrates.
   */
  readonly createOnStart: boolean;
}

/** The instance's size, resilience and lifecycle: what a stage chooses (lib/stages.ts passes its own). */
export interface PostgresInstanceSettings {
  /** An instance class without `db.`, for example `t4g.micro`. */
  readonly instanceType: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  /** `snapshot` takes a final snapshot when the instance is removed. */
  readonly removal: 'snapshot' | 'destroy';
  /** Not 5432: scanners that only try the default port find nothing. */
  readonly port: number;
  readonly rotationDays: number;
}

export interface PostgresDatabaseProps extends PostgresInstanceSettings {
  readonly vpc: IVpc;
  /** The RDS identifier; also names its log groups and rotation function, so it must be unique per account. */
  readonly instanceIdentifier: string;
  /** One name: RDS creates that database. Several: the instance is shared and each service creates its own. */
  readonly databaseNames: readonly string[];
  readonly logRetention: RetentionDays;
}

const IDENTIFIER = /^[a-z][a-z0-9-]{0,50}$/;

/**
 * One RDS PostgreSQL 16 instance: encrypted, TLS required, in isolated subnets on a non-default port, with a
 * generated master secret that Secrets Manager rotates, and its logs exported with a retention.
 */
export class PostgresDatabase extends Construct {
  public readonly instance: DatabaseInstance;
  public readonly secret: ISecret;
  public readonly logGroup: LogGroup;
  private readonly databaseNames: readonly string[];

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    if (!IDENTIFIER.test(props.instanceIdentifier)) {
      throw new Error(`PostgresDatabase instanceIdentifier must match ${IDENTIFIER}; got "${props.instanceIdentifier}"`);
    }
    if (props.databaseNames.length === 0) throw new Error('PostgresDatabase needs at least one database name; got none');
    if (props.port === 5432) throw new Error('PostgresDatabase port must not be the default 5432; got 5432');
    if (props.backupRetentionDays < 1) {
      throw new Error(`PostgresDatabase backupRetentionDays must be at least 1; got ${props.backupRetentionDays}`);
    }
    this.databaseNames = props.databaseNames;
    const keep = props.removal === 'snapshot';

    // Created before the instance, so RDS writes into a group with a retention instead of creating its own. RDS
    // fixes its name, so a group kept after a destroy would make the next deploy of the stage fail ("already
    // exists"): it goes with the stack in every stage, and the final snapshot is what a destroy keeps.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/rds/instance/${props.instanceIdentifier}/postgresql`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.instance = new DatabaseInstance(this, 'Instance', {
      engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_16 }),
      instanceIdentifier: props.instanceIdentifier,
      instanceType: new InstanceType(props.instanceType),
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      publiclyAccessible: false,
      port: props.port,
      credentials: Credentials.fromGeneratedSecret('platform'),
      ...(props.databaseNames.length === 1 ? { databaseName: props.databaseNames[0] } : {}),
      // Clients must use TLS; the images trust the RDS CA bundle and verify the host name.
      parameters: { 'rds.force_ssl': '1' },
      caCertificate: CaCertificate.RDS_CA_RSA2048_G1,
      storageEncrypted: true,
      storageType: StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      multiAz: props.multiAz,
      deletionProtection: props.deletionProtection,
      backupRetention: Duration.days(props.backupRetentionDays),
      deleteAutomatedBackups: !keep,
      removalPolicy: keep ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      // Extended support is billed per vCPU-hour once a major version leaves standard support: opt out.
      engineLifecycleSupport: EngineLifecycleSupport.OPEN_SOURCE_RDS_EXTENDED_SUPPORT_DISABLED,
      cloudwatchLogsExports: ['postgresql'],
    });
    // On the L1 resources only: a construct-level dependency would drag in the secret, subnet group and the rest.
    (this.instance.node.defaultChild as CfnResource).addResourceDependency(this.logGroup.node.defaultChild as CfnResource);
    if (!props.multiAz) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: 'Single-AZ is a per-stage cost choice (a standby doubles the instance price); prod runs Multi-AZ.',
      });
    }
    if (!props.deletionProtection) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Deletion protection is a per-stage choice: off where `cdk destroy` must clean up (dev); on in prod.',
      });
    }
    this.secret = this.instance.secret!;

    const functionName = `${props.instanceIdentifier}-rotation`;
    const rotationLogs = new LogGroup(this, 'RotationLogs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const rotation = HostedRotation.postgreSqlSingleUser({
      functionName,
      vpc: props.vpc,
      // The rotation function calls the Secrets Manager API, so it needs egress; the database does not.
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    });
    const schedule = this.secret.addRotationSchedule('Rotation', {
      hostedRotation: rotation,
      automaticallyAfter: Duration.days(props.rotationDays),
    });
    (schedule.node.defaultChild as CfnResource).addResourceDependency(rotationLogs.node.defaultChild as CfnResource);
    this.instance.connections.allowDefaultPortFrom(rotation, 'Secret rotation function');
  }

  /** The connection a service uses for its own database on this instance. */
  connectionFor(databaseName: string): DatabaseConnection {
    if (!this.databaseNames.includes(databaseName)) {
      throw new Error(`Database "${databaseName}" is not on ${this.node.path}; it holds: ${this.databaseNames.join(', ')}`);
    }
    return {
      instance: this.instance,
      secret: this.secret,
      databaseName,
      createOnStart: this.databaseNames.length > 1,
    };
  }
}
