import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { assetHashSerializer, resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

expect.addSnapshotSerializer(assetHashSerializer);

/**
 * Logical ids of the stateful resources. A change here means CloudFormation would replace the VPC or a
 * database (and its data): rename constructs only with a migration plan, then update these on purpose.
 */
const PINNED = {
  dev: {
    vpc: 'NetworkVpc7FB7348F',
    databases: ['SharedDatabaseInstance571096BD'],
  },
  prod: {
    vpc: 'NetworkVpc7FB7348F',
    databases: ['IdentityDatabaseInstanceB10DF3CC', 'ProductDatabaseInstance4BFA6D85', 'BillingDatabaseInstance8058E8CA'],
  },
};

// Synthesized once for the whole run (the global setup); this file reads the templates.
const synthesized = await stageTemplates();

describe.each(['dev', 'prod'] as const)('data stack (%s)', (stage) => {
  const template = () => synthesized[stage].dataTemplate;

  it('when synthesized, then the template matches the snapshot', () => {
    expect(template().toJSON()).toMatchSnapshot();
  });

  it('when synthesized, then the VPC and database logical ids are the pinned ones', () => {
    expect(Object.keys(resourcesOf(template(), 'AWS::EC2::VPC'))).toEqual([PINNED[stage].vpc]);
    expect(Object.keys(resourcesOf(template(), 'AWS::RDS::DBInstance')).sort()).toEqual(
      [...PINNED[stage].databases].sort(),
    );
  });

  it('when synthesized, then every database is PostgreSQL 16, encrypted, private, backed up and off port 5432', () => {
    template().allResourcesProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: Match.stringLikeRegexp('^16'),
      StorageEncrypted: true,
      PubliclyAccessible: false,
      BackupRetentionPeriod: Match.anyValue(),
      Port: '5433',
    });
  });

  it('when synthesized, then the provisioner gets, for every database, its owner role and its app role (appRole)', () => {
    const databases = Object.values(resourcesOf(template(), 'Custom::DatabaseProvisioning'))
      .flatMap((resource) => resource.Properties?.Databases as { database: string; role: string; appRole?: string }[]);
    expect(databases.map((entry) => entry.database).sort()).toEqual(['billing', 'identity', 'product']);
    for (const entry of databases) {
      expect(entry, entry.database).toEqual({ database: entry.database, role: `${entry.database}_service`, appRole: `${entry.database}_app` });
    }
  });

  it('when synthesized, then each database secret is rotated', () => {
    const secrets = Object.keys(resourcesOf(template(), 'AWS::SecretsManager::Secret'));
    const schedules = Object.values(resourcesOf(template(), 'AWS::SecretsManager::RotationSchedule'));
    expect(schedules).toHaveLength(secrets.length);
    for (const schedule of schedules) {
      expect(schedule.Properties).toMatchObject({ HostedRotationLambda: { RotationType: 'PostgreSQLSingleUser' } });
    }
  });
});

describe('data stack: stage differences', () => {
  const dev = { get dataTemplate() { return synthesized.dev.dataTemplate; } };
  const prod = { get dataTemplate() { return synthesized.prod.dataTemplate; } };

  it('when dev, then one single-AZ instance without deletion protection is deleted with the stack', () => {
    const [instance] = Object.values(resourcesOf(dev.dataTemplate, 'AWS::RDS::DBInstance'));
    expect(instance?.Properties).toMatchObject({ MultiAZ: false, DeletionProtection: false });
    expect(instance?.Properties).not.toHaveProperty('DBName');
    expect(instance?.DeletionPolicy).toBe('Delete');
  });

  it('when prod, then three Multi-AZ instances are protected, snapshot on removal, and each creates its database', () => {
    const instances = Object.values(resourcesOf(prod.dataTemplate, 'AWS::RDS::DBInstance'));
    expect(instances.map((instance) => instance.Properties?.DBName).sort()).toEqual(['billing', 'identity', 'product']);
    for (const instance of instances) {
      expect(instance.Properties).toMatchObject({ MultiAZ: true, DeletionProtection: true });
      expect(instance.DeletionPolicy).toBe('Snapshot');
    }
  });

  it('when dev, then one NAT instance serves both AZs; when prod, then one NAT gateway per AZ', () => {
    dev.dataTemplate.resourceCountIs('AWS::EC2::NatGateway', 0);
    dev.dataTemplate.resourceCountIs('AWS::EC2::Instance', 1);
    prod.dataTemplate.resourceCountIs('AWS::EC2::NatGateway', 2);
    prod.dataTemplate.resourceCountIs('AWS::EC2::Instance', 0);
  });
});
