import { type CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IVpc, Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import { HostedRotation, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type DatabaseLogin, DatabaseProvisioner } from './database-provisioner';
import { postgresInstance, type PostgresInstance } from './postgres-instance';
import type { LogRemoval } from './log-removal';

export type { DatabaseLogin };

/**
 * What a service needs to reach its own database: passed as objects, never as ARN strings. No secret: the task
 * logs in as `appUser` and its migration step (database-migrations.ts) as `user`, each with IAM tokens, allowed by
 * `rds-db:connect` on that one user of this instance.
 */
export interface DatabaseConnection {
  readonly instance: IDatabaseInstance;
  readonly databaseName: string;
  /** The login role that owns the database; only the migration step logs in as it (services/contracts/database-roles.ts). */
  readonly user: string;
  /** The login role the running service uses: it may read and write rows only (services/contracts/database-roles.ts). */
  readonly appUser: string;
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
  /**
   * Each database on the instance, the login role that owns it and the one the running service uses; a
   * provisioning step creates them all. One login: RDS also creates that database with the instance (as it always
   * did, so existing instances are not replaced).
   */
  readonly logins: readonly DatabaseLogin[];
  /**
   * Create the instance from this snapshot (identifier or ARN) of an instance of this construct: its data, roles,
   * master user and encryption come from it, and a new master secret is generated. Keep it set for the instance's
   * life: CloudFormation would replace an instance whose snapshot changes.
   * @default a new, empty instance
   */
  readonly snapshotIdentifier?: string;
  readonly logRetention: RetentionDays;
  /**
   * What a stack delete does to the provisioning step's log group (lib/stages.ts, `logRemoval`): `retain` keeps it
   * for audit. The instance's and the rotation function's groups are removed in every stage: AWS fixes their names.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
}

const IDENTIFIER = /^[a-z][a-z0-9-]{0,50}$/;

/**
 * One RDS PostgreSQL 16 instance: encrypted, TLS required, in isolated subnets on a non-default port, IAM
 * authentication on, with a generated master secret that Secrets Manager rotates, its logs exported with a
 * retention, and the provisioning step that gives each database its own login roles, owner and app (the only user
 * of the master secret: no service task sees it).
 */
export class PostgresDatabase extends Construct {
  public readonly instance: PostgresInstance;
  public readonly secret: ISecret;
  /** The hosted function that rotates `secret`: its errors page even where no CloudTrail trail feeds the rotation rule. */
  public readonly rotationFunction: IFunction;
  public readonly logGroup: LogGroup;
  public readonly provisioner: DatabaseProvisioner;
  private readonly logins: readonly DatabaseLogin[];

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    if (!IDENTIFIER.test(props.instanceIdentifier)) {
      throw new Error(`PostgresDatabase instanceIdentifier must match ${IDENTIFIER}; got "${props.instanceIdentifier}"`);
    }
    if (props.logins.length === 0) throw new Error('PostgresDatabase needs at least one login; got none');
    if (props.port === 5432) throw new Error('PostgresDatabase port must not be the default 5432; got 5432');
    if (props.backupRetentionDays < 1) {
      throw new Error(`PostgresDatabase backupRetentionDays must be at least 1; got ${props.backupRetentionDays}`);
    }
    this.logins = props.logins;

    // Created before the instance, so RDS writes into a group with a retention instead of creating its own. RDS
    // fixes its name, so a group kept after a destroy would make the next deploy of the stage fail ("already
    // exists"): it goes with the stack in every stage, and the final snapshot is what a destroy keeps.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/rds/instance/${props.instanceIdentifier}/postgresql`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.instance = postgresInstance(this, 'Instance', props);
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
    this.rotationFunction = LambdaFunction.fromFunctionName(this, 'RotationFunction', functionName);
    // The hosted rotation function (a Secrets Manager transform) logs to /aws/lambda/<its name> and offers no
    // other group, so, as for the instance's group above, it goes with the stack in every stage.
    const rotationLogs = new LogGroup(this, 'RotationLogs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The function reads and changes the master password, as the provisioning step reads it, so it gets the same
    // narrow egress: HTTPS (Secrets Manager's public endpoint, whose addresses are not fixed, or an interface
    // endpoint) and the database's port, added below. The group CDK makes by default lets it send anything anywhere.
    const rotationSecurityGroup = new SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: 'Secret rotation function: HTTPS out, and the database port',
      allowAllOutbound: false,
    });
    rotationSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'Secrets Manager (HTTPS)');
    const rotation = HostedRotation.postgreSqlSingleUser({
      functionName,
      vpc: props.vpc,
      // The rotation function calls the Secrets Manager API, so it needs egress; the database does not.
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [rotationSecurityGroup],
    });
    const schedule = this.secret.addRotationSchedule('Rotation', {
      hostedRotation: rotation,
      automaticallyAfter: Duration.days(props.rotationDays),
    });
    (schedule.node.defaultChild as CfnResource).addResourceDependency(rotationLogs.node.defaultChild as CfnResource);
    // Ingress on the database's group and, the function's group allowing no other egress, egress to it. The first
    // rotation starts as the schedule is made, so the schedule waits for both rules.
    this.instance.connections.allowDefaultPortFrom(rotation, 'Secret rotation function');
    schedule.node.addDependency(rotationSecurityGroup, this.instance.connections.securityGroups[0]!);

    this.provisioner = new DatabaseProvisioner(this, 'Provisioner', {
      vpc: props.vpc,
      instance: this.instance,
      masterSecret: this.secret,
      logins: props.logins,
      functionName: `${props.instanceIdentifier}-provisioning`,
      logRetention: props.logRetention,
      ...(props.logRemoval ? { logRemoval: props.logRemoval } : {}),
    });
    // The first rotation starts when its schedule is created; the step then reads the secret after it began, and
    // reads it again while the database refuses it (services/kit/db/provision-lambda.ts).
    this.provisioner.resource.node.addDependency(schedule);
  }

  /** The connection a service uses for its own database on this instance. */
  connectionFor(databaseName: string): DatabaseConnection {
    const login = this.logins.find((candidate) => candidate.database === databaseName);
    if (!login) {
      throw new Error(`Database "${databaseName}" is not on ${this.node.path}; it holds: ${this.logins.map((l) => l.database).join(', ')}`);
    }
    return { instance: this.instance, databaseName, user: login.user, appUser: login.appUser };
  }
}
