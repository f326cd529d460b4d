import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnSecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseMigrations, type DatabaseMigrationsProps } from '../../../lib/constructs/database-migrations';
import { disposeTestApps, REPO_ROOT, testStack, type TestAppOptions } from '../synth';
import { importedDatabase, network } from './fixtures';
import { builtMigrationFunction } from './migration-bundle';

afterEach(disposeTestApps);

const PRODUCT_MIGRATIONS = path.join(REPO_ROOT, 'services/product/data-access/migrations');

function build(props: Partial<DatabaseMigrationsProps> = {}, options: TestAppOptions & { context?: Record<string, string> } = {}) {
  const test = testStack(options);
  for (const [key, value] of Object.entries(options.context ?? {})) test.stack.node.setContext(key, value);
  const vpc = network(test.stack);
  const migrations = new DatabaseMigrations(test.stack, 'ProductMigrations', {
    vpc,
    database: importedDatabase(test.stack, vpc),
    migrationsDir: PRODUCT_MIGRATIONS,
    lockName: 'product',
    functionName: 'platform-test-product-migrations',
    logRetention: RetentionDays.ONE_WEEK,
    ...props,
  });
  return { test, migrations, template: () => Template.fromStack(test.stack) };
}

const resourceOf = (template: Template) => Object.values(template.findResources('Custom::DatabaseMigrations'))[0]!;

describe('DatabaseMigrations', () => {
  it('when deployed, then a custom resource runs the function with the database it migrates, and waits for it a minute longer than it can run', () => {
    const { template } = build();
    template().hasResourceProperties('Custom::DatabaseMigrations', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProductMigrationsFunction'), 'Arn'] },
      ServiceTimeout: '960',
      Database: { host: 'db.example.internal', port: '5433', name: 'product', owner: 'product_service' },
      Migrations: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
      Remigrate: '',
    });
    template().hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'platform-test-product-migrations',
      Runtime: 'nodejs24.x',
      Timeout: 900,
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      Environment: {
        Variables: {
          DB_HOST: 'db.example.internal',
          DB_PORT: '5433',
          DB_NAME: 'product',
          DB_USER: 'product_service',
          LOCK_NAME: 'product',
          MIGRATIONS_DIGEST: resourceOf(template()).Properties.Migrations,
          NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        },
      },
    });
    // CloudFormation calls it asynchronously; Lambda must not call it again after its answer.
    template().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ProductMigrationsFunction') },
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
    // The built code's key: a new handler, dependency or lock file changes it, and so runs the step again.
    const [fn] = Object.values(template().findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'platform-test-product-migrations' } }));
    expect(resourceOf(template()).Properties.Bundle).toBe((fn!.Properties.Code as { S3Key: string }).S3Key);
    expect(resourceOf(template()).Properties.Bundle).toMatch(/^[0-9a-f]{64}\.zip$/);
  });

  it('when deployed, then the function logs into a group of its own with the retention and a generated name, so a group kept after a destroy never clashes with the next deploy', () => {
    const template = build().template();
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'platform-test-product-migrations' } }));
    const target = (fn!.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const group = template.findResources('AWS::Logs::LogGroup')[target]!;
    expect(group.Properties).toEqual({ RetentionInDays: 7 });
  });

  it('when deployed, then the function may log in as the database owner of its own instance, and as nobody else', () => {
    const statements = Object.values(build().template().findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('rds-db:'));
    expect(statements.map((statement) => [statement.Action, statement.Resource])).toEqual([
      ['rds-db:connect', 'arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABCDEFGHIJKLMNOP/product_service'],
    ]);
  });

  it('when deployed, then the function may send only HTTPS (its answer) and to the database\'s port, and the step runs after the database lets it in', () => {
    const { migrations, template } = build();
    const groupId = Stack.of(migrations).getLogicalId(migrations.securityGroup.node.defaultChild as CfnSecurityGroup);
    const group = template().toJSON().Resources[groupId] as { Properties: { SecurityGroupEgress: unknown[] } };
    expect(group.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'The answer to CloudFormation, a presigned S3 URL (HTTPS)' }]);
    const own = (type: string, key: string) => Object.values(template().findResources(type)).filter((rule) => JSON.stringify(rule.Properties[key]) === JSON.stringify({ 'Fn::GetAtt': [groupId, 'GroupId'] }));
    expect(own('AWS::EC2::SecurityGroupEgress', 'GroupId').map((rule) => [rule.Properties.FromPort, rule.Properties.DestinationSecurityGroupId])).toEqual([[5433, { 'Fn::GetAtt': [expect.stringMatching(/^DbSecurityGroup/), 'GroupId'] }]]);
    const ingress = Object.entries(template().findResources('AWS::EC2::SecurityGroupIngress')).filter(([, rule]) => JSON.stringify(rule.Properties.SourceSecurityGroupId).includes(groupId));
    expect(ingress.map(([, rule]) => rule.Properties.FromPort)).toEqual([5433]);
    expect(resourceOf(template()).DependsOn).toEqual(expect.arrayContaining([groupId]));
  });

  it('when an operator passes -c remigrate=<value>, then the resource changes, so the step runs again', () => {
    expect(resourceOf(build({}, { context: { remigrate: '1733000000' } }).template()).Properties.Remigrate).toBe('1733000000');
  });

  it('when a migration is added or edited, then the resource changes, so the next deploy applies it before the service updates', () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    try {
      cpSync(PRODUCT_MIGRATIONS, copy, { recursive: true });
      const digest = () => resourceOf(build({ migrationsDir: copy }).template()).Properties.Migrations;
      const before = digest();
      expect(before).toBe(resourceOf(build().template()).Properties.Migrations);
      writeFileSync(path.join(copy, '0002_next.sql'), 'ALTER TABLE products ADD COLUMN colour text;');
      expect(digest()).not.toBe(before);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('when the code is built, then the migrations folder sits beside the handler, where it looks for it', () => {
    const bundle = builtMigrationFunction(PRODUCT_MIGRATIONS);
    try {
      const dir = path.join(path.dirname(bundle.entry), 'migrations');
      expect(readdirSync(dir).sort()).toEqual(readdirSync(PRODUCT_MIGRATIONS).sort());
      expect(existsSync(path.join(dir, 'meta', '_journal.json'))).toBe(true);
    } finally {
      bundle.dispose();
    }
  });

  it.each<[string, Partial<DatabaseMigrationsProps>, RegExp]>([
    ['a folder that holds no drizzle migrations', { migrationsDir: path.join(REPO_ROOT, 'docs') }, /migrationsDir must be a drizzle migrations folder with meta\/_journal\.json; got ".*\/docs"/],
    ['the app role as the owner', { database: undefined }, /the owner \(database\.user\) must differ from the service's app role; got "product_app" for both/],
  ])('when given %s, then it refuses, naming what it got', (_case, props, message) => {
    const test = testStack();
    const vpc = network(test.stack);
    const database = props.database ?? { ...importedDatabase(test.stack, vpc), user: 'product_app' };
    expect(() => new DatabaseMigrations(test.stack, 'M', { vpc, database, migrationsDir: PRODUCT_MIGRATIONS, lockName: 'product', functionName: 'f', logRetention: RetentionDays.ONE_DAY, ...props, ...(props.database === undefined ? { database } : {}) })).toThrow(message);
  });
});
