import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresDatabase, type PostgresDatabaseProps } from '../../../lib/constructs/database';
import { Network } from '../../../lib/constructs/network';
import { disposeTestApps, testStack } from '../synth';

const BASE: Omit<PostgresDatabaseProps, 'vpc'> = {
  instanceIdentifier: 'test-db',
  logins: [{ database: 'product', user: 'product_service', appUser: 'product_app' }],
  instanceType: 't4g.micro',
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 50,
  multiAz: true,
  deletionProtection: true,
  backupRetentionDays: 7,
  removal: 'snapshot',
  port: 5433,
  rotationDays: 30,
  logRetention: RetentionDays.ONE_MONTH,
};

afterEach(disposeTestApps);

function build(props: Partial<PostgresDatabaseProps> = {}) {
  const test = testStack();
  const { vpc } = new Network(test.stack, 'Network', {
    cidr: '10.0.0.0/16',
    nat: 'gateway-per-az',
    flowLogTraffic: 'REJECT',
    logRetention: RetentionDays.ONE_DAY,
  });
  const database = new PostgresDatabase(test.stack, 'Db', { ...BASE, vpc, ...props });
  return { database, template: () => Template.fromStack(test.stack) };
}

describe('PostgresDatabase', () => {
  it('when built, then it is PostgreSQL 16, encrypted, TLS-only, private, backed up, on its own port', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '16',
      DBInstanceClass: 'db.t4g.micro',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      Port: '5433',
      BackupRetentionPeriod: 7,
      MultiAZ: true,
      DeletionProtection: true,
      DBName: 'product',
      EnableCloudwatchLogsExports: ['postgresql'],
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      // Known windows, not random ones, so deploys can keep away from a maintenance failover.
      PreferredBackupWindow: '03:00-03:30',
      PreferredMaintenanceWindow: 'Sun:04:00-Sun:05:00',
    });
    template().hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1', log_connections: '1' } });
    template().hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot' });
  });

  it('when built, then its credentials are generated in Secrets Manager and rotated by a hosted function', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { GenerateStringKey: 'password', SecretStringTemplate: '{"username":"platform"}' },
    });
    template().hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: { RotationType: 'PostgreSQLSingleUser', RotationLambdaName: 'test-db-rotation' },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  it('when built, then its logs and the rotation function logs have a retention', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/rds/instance/test-db/postgresql', RetentionInDays: 30 });
    template().hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/test-db-rotation', RetentionInDays: 30 });
  });

  it('when it holds several databases, then RDS creates none and the provisioning step makes each with its own owner and app roles', () => {
    const logins = [
      { database: 'identity', user: 'identity_service', appUser: 'identity_app' },
      { database: 'product', user: 'product_service', appUser: 'product_app' },
    ];
    const { database, template } = build({ logins, removal: 'destroy' });
    expect(template().findResources('AWS::RDS::DBInstance', { Properties: { DBName: 'identity' } })).toEqual({});
    template().hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Delete' });
    template().hasResourceProperties('Custom::DatabaseProvisioning', {
      Databases: [
        { database: 'identity', role: 'identity_service', appRole: 'identity_app' },
        { database: 'product', role: 'product_service', appRole: 'product_app' },
      ],
    });
    expect(database.connectionFor('product')).toMatchObject({ databaseName: 'product', user: 'product_service', appUser: 'product_app' });
    expect(() => database.connectionFor('billing')).toThrow(/"billing" is not on .*holds: identity, product/);
  });

  it('when built, then IAM authentication is on, so tasks log in with tokens instead of a password', () => {
    build().template().hasResourceProperties('AWS::RDS::DBInstance', { EnableIAMDatabaseAuthentication: true });
  });

  it('when built, then the rotation function reaches the database and, through the NAT, Secrets Manager', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: { VpcSubnetIds: Match.anyValue(), VpcSecurityGroupIds: Match.anyValue() },
    });
    const schedule = Object.values(template().findResources('AWS::SecretsManager::RotationSchedule'))[0]!;
    const subnets = JSON.stringify(schedule.Properties.HostedRotationLambda.VpcSubnetIds);
    expect(subnets).toMatch(/NetworkVpcPrivateSubnet/); // the subnets with egress, not the isolated ones of the database
    expect(subnets).not.toMatch(/DataSubnet/);
    template().hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      Description: 'Secret rotation function', IpProtocol: 'tcp', FromPort: { 'Fn::GetAtt': [Match.anyValue(), 'Endpoint.Port'] },
    });
  });

  it('when deployed, then the rotation function, which reads and changes the master password, may send only HTTPS (Secrets Manager) and to the database\'s port on its group', () => {
    const resources = build().template().toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const schedule = Object.values(resources).find((r) => r.Type === 'AWS::SecretsManager::RotationSchedule')!;
    const groups = (schedule.Properties.HostedRotationLambda as { VpcSecurityGroupIds: string }).VpcSecurityGroupIds;
    // The hosted rotation takes its groups as one comma-separated string: here a single group's id.
    const [groupId] = JSON.stringify(groups).match(/"Fn::GetAtt":\["([^"]+)","GroupId"\]/)!.slice(1);
    expect(JSON.stringify(groups).match(/GroupId/g)).toHaveLength(1);
    expect(resources[groupId!]?.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'Secrets Manager (HTTPS)' }]);
    const own = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupId, 'GroupId'] }));
    expect(own.map((rule) => rule.Properties)).toEqual([{
      GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
      IpProtocol: 'tcp',
      DestinationSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^DbInstanceSecurityGroup/), 'GroupId'] },
      FromPort: { 'Fn::GetAtt': [expect.stringMatching(/^DbInstance/), 'Endpoint.Port'] },
      ToPort: { 'Fn::GetAtt': [expect.stringMatching(/^DbInstance/), 'Endpoint.Port'] },
      Description: expect.any(String),
    }]);
    // The first rotation starts as the schedule is made: after both rules, or it could not reach the database.
    const ruleIds = Object.entries(resources)
      .filter(([, r]) => r.Type.startsWith('AWS::EC2::SecurityGroupE') || r.Type === 'AWS::EC2::SecurityGroupIngress')
      .filter(([, r]) => JSON.stringify(r.Properties).includes(`"${groupId}"`))
      .map(([id]) => id);
    expect(ruleIds).toHaveLength(2);
    expect((schedule as { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining(ruleIds));
  });

  it('when given the default port, no backups or a bad identifier, then it refuses, naming what it got', () => {
    expect(() => build({ port: 5432 })).toThrow(/port must not be the default 5432/);
    expect(() => build({ backupRetentionDays: 0 })).toThrow(/backupRetentionDays must be at least 1; got 0/);
    expect(() => build({ instanceIdentifier: 'Bad_Name' })).toThrow(/instanceIdentifier.*got "Bad_Name"/);
  });
});
