/**
 * The RDS instance of a PostgresDatabase (database.ts): new and empty, or made from a snapshot of one (a stage
 * brought back after `cdk destroy`, lib/database-restore.ts). Both have the same construct id, so the same logical
 * id, master secret and settings; from a snapshot, RDS takes the data, the roles, the master user's name, the
 * encryption and the storage size from it, and the new secret's password replaces the snapshot's.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { InstanceType, SubnetType } from 'aws-cdk-lib/aws-ec2';
import {
  CaCertificate,
  Credentials,
  DatabaseInstance,
  DatabaseInstanceEngine,
  DatabaseInstanceFromSnapshot,
  EngineLifecycleSupport,
  PostgresEngineVersion,
  type CfnDBInstance,
  SnapshotCredentials,
  StorageType,
} from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { PostgresDatabaseProps } from './database';

export type PostgresInstance = DatabaseInstance | DatabaseInstanceFromSnapshot;

/** The master user of every instance; a snapshot keeps it, so a restored instance has it too. */
const MASTER_USER = 'platform';

/**
 * When RDS backs up and when it may patch or reboot (minor versions, maintenance), in UTC, named so that they are
 * known instead of drawn at random: a Multi-AZ failover during a deploy answers 503s that the deployment alarm
 * counts, and could roll a good release back. Deploy outside them; change them here for another time zone.
 */
export const RDS_WINDOWS = { preferredBackupWindow: '03:00-03:30', preferredMaintenanceWindow: 'Sun:04:00-Sun:05:00' } as const;

export function postgresInstance(scope: Construct, id: string, props: PostgresDatabaseProps): PostgresInstance {
  const keep = props.removal === 'snapshot';
  const common = {
    engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_16 }),
    instanceIdentifier: props.instanceIdentifier,
    instanceType: new InstanceType(props.instanceType),
    vpc: props.vpc,
    vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
    publiclyAccessible: false,
    port: props.port,
    // Tasks log in with 15-minute tokens signed by their role: no service password exists to leak or rotate.
    iamAuthentication: true,
    // Clients must use TLS; the images trust the RDS CA bundle and verify the host name. Every login is logged with
    // its user and address, so an operator's (through the access host, database-access.ts) is told from a task's.
    parameters: { 'rds.force_ssl': '1', log_connections: '1' },
    caCertificate: CaCertificate.RDS_CA_RSA2048_G1,
    storageType: StorageType.GP3,
    allocatedStorage: props.allocatedStorageGiB,
    maxAllocatedStorage: props.maxAllocatedStorageGiB,
    multiAz: props.multiAz,
    deletionProtection: props.deletionProtection,
    backupRetention: Duration.days(props.backupRetentionDays),
    ...RDS_WINDOWS,
    deleteAutomatedBackups: !keep,
    removalPolicy: keep ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    copyTagsToSnapshot: true,
    autoMinorVersionUpgrade: true,
    // Extended support is billed per vCPU-hour once a major version leaves standard support: opt out.
    engineLifecycleSupport: EngineLifecycleSupport.OPEN_SOURCE_RDS_EXTENDED_SUPPORT_DISABLED,
    cloudwatchLogsExports: ['postgresql'],
  };
  if (props.snapshotIdentifier) {
    const instance = new DatabaseInstanceFromSnapshot(scope, id, {
      ...common,
      snapshotIdentifier: props.snapshotIdentifier,
      credentials: SnapshotCredentials.fromGeneratedSecret(MASTER_USER),
    });
    // The snapshot's size: CloudFormation would otherwise ask RDS to shrink an instance that had grown (refused).
    // Storage autoscaling (MaxAllocatedStorage) goes on from there.
    (instance.node.defaultChild as CfnDBInstance).addPropertyDeletionOverride('AllocatedStorage');
    Validations.of(instance).acknowledge({
      id: 'AwsSolutions-RDS2',
      reason: 'Restored from a snapshot of an instance of this app, which are all encrypted: RDS keeps the snapshot\'s encryption (the template cannot state it).',
    });
    return instance;
  }
  return new DatabaseInstance(scope, id, {
    ...common,
    credentials: Credentials.fromGeneratedSecret(MASTER_USER),
    // One login: RDS also creates that database with the instance (as it always did, so none is replaced).
    ...(props.logins.length === 1 ? { databaseName: props.logins[0]!.database } : {}),
    storageEncrypted: true,
  });
}
