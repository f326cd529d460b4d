import { Match, Template } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import type { CfnSecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresDatabase, type PostgresDatabaseProps } from '../../../lib/constructs/database';
import { disposeTestApps, testStack } from '../synth';
import { network } from './fixtures';

afterEach(disposeTestApps);

const PROPS: Omit<PostgresDatabaseProps, 'vpc'> = {
  instanceIdentifier: 'test-shared',
  logins: [
    { database: 'identity', user: 'identity_service', appUser: 'identity_app' },
    { database: 'billing', user: 'billing_service', appUser: 'billing_app' },
  ],
  instanceType: 't4g.micro',
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 50,
  multiAz: false,
  deletionProtection: false,
  backupRetentionDays: 1,
  removal: 'destroy',
  port: 5433,
  rotationDays: 30,
  logRetention: RetentionDays.ONE_WEEK,
};

function build(context: Record<string, string> = {}) {
  const test = testStack();
  for (const [key, value] of Object.entries(context)) test.stack.node.setContext(key, value);
  const database = new PostgresDatabase(test.stack, 'Db', { ...PROPS, vpc: network(test.stack) });
  return { database, template: Template.fromStack(test.stack) };
}

const ref = (template: Template, type: string) => ({ Ref: Object.keys(template.findResources(type))[0]! });

describe('DatabaseProvisioner', () => {
  it('when deployed, then a custom resource runs the provisioning function with each database, its owner role and its app role, and bounds the wait', () => {
    const { template } = build();
    template.hasResourceProperties('Custom::DatabaseProvisioning', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DbProvisionerFunction'), 'Arn'] },
      ServiceTimeout: '300',
      Databases: [
        { database: 'identity', role: 'identity_service', appRole: 'identity_app' },
        { database: 'billing', role: 'billing_service', appRole: 'billing_app' },
      ],
    });
  });

  it('when anything the function bundles changes (a module the handler imports, a dependency), then the resource changes, so the provisioning runs again', () => {
    const { template } = build();
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'test-shared-provisioning' } }));
    const [run] = Object.values(template.findResources('Custom::DatabaseProvisioning'));
    // The built code's key, not a digest of a list of files kept by hand, which had fallen behind the handler's imports.
    expect(run!.Properties.Bundle).toBe((fn!.Properties.Code as { S3Key: string }).S3Key);
    expect(run!.Properties.Bundle).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(run!.Properties).not.toHaveProperty('Code');
  });

  it('when deployed, then only the function reads the master secret, from inside the VPC, and may reach the database port', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'test-shared-provisioning',
      Runtime: 'nodejs24.x',
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      Environment: { Variables: { MASTER_SECRET_ARN: ref(template, 'AWS::SecretsManager::SecretTargetAttachment'), NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem', PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false' } },
    });
    // CloudFormation calls it asynchronously; Lambda must not call it again after its answer.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, Qualifier: '$LATEST' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: ref(template, 'AWS::SecretsManager::SecretTargetAttachment') })]) },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { Description: 'Database provisioning function', FromPort: { 'Fn::GetAtt': [Match.anyValue(), 'Endpoint.Port'] } });
  });

  it('when deployed, then the function that holds the master secret may send only HTTPS (Secrets Manager) and to the database\'s port on its group', () => {
    const { database, template } = build();
    const groupId = Stack.of(database).getLogicalId(database.provisioner.securityGroup.node.defaultChild as CfnSecurityGroup);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'test-shared-provisioning',
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [groupId, 'GroupId'] }], SubnetIds: Match.anyValue() },
    });
    const group = template.toJSON().Resources[groupId] as { Properties: { SecurityGroupEgress: unknown[] } };
    expect(group.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'Secrets Manager (HTTPS)' }]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')) as { Properties: Record<string, unknown> }[];
    const own = egress.filter((rule) => JSON.stringify(rule.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupId, 'GroupId'] }));
    const databaseGroups = database.instance.connections.securityGroups.map((sg) => ({ 'Fn::GetAtt': [Stack.of(sg).getLogicalId(sg.node.defaultChild as CfnSecurityGroup), 'GroupId'] }));
    expect(own.map((rule) => rule.Properties)).toEqual([{
      GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
      IpProtocol: 'tcp',
      DestinationSecurityGroupId: databaseGroups[0],
      FromPort: { 'Fn::GetAtt': [expect.any(String), 'Endpoint.Port'] },
      ToPort: { 'Fn::GetAtt': [expect.any(String), 'Endpoint.Port'] },
      Description: expect.any(String),
    }]);
  });

  it('when deployed, then the function logs into a group of its own with the retention and a generated name, so a group kept after a destroy never clashes with the next deploy', () => {
    const { template } = build();
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'test-shared-provisioning' } }));
    const target = (fn!.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(target).toMatch(/^DbProvisionerLogs/);
    expect(template.findResources('AWS::Logs::LogGroup')[target]!.Properties).toEqual({ RetentionInDays: 7 });
  });

  it('when the custom resource runs, then its ingress rule already exists and the first rotation has begun', () => {
    const { template } = build();
    const [resource] = Object.values(template.findResources('Custom::DatabaseProvisioning'));
    const ingress = Object.entries(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { Description: 'Database provisioning function' } }));
    expect(ingress).toHaveLength(1);
    const [schedule] = Object.keys(template.findResources('AWS::SecretsManager::RotationSchedule'));
    expect(resource!.DependsOn).toEqual(expect.arrayContaining([ingress[0]![0], schedule]));
  });

  it('when an operator passes -c reprovision=<value>, then the resource changes, so the step runs again', () => {
    const property = (template: Template) => Object.values(template.findResources('Custom::DatabaseProvisioning'))[0]!.Properties.Reprovision;
    expect(property(build().template)).toBe('');
    expect(property(build({ reprovision: '1733000000' }).template)).toBe('1733000000');
  });

  it('when given no logins, then it refuses', () => {
    const test = testStack();
    expect(() => new PostgresDatabase(test.stack, 'Db', { ...PROPS, logins: [], vpc: network(test.stack) })).toThrow(/at least one login; got none/);
  });

  it('when a login\'s app role is its owner role, then it refuses, naming the database and the role', () => {
    const test = testStack();
    const logins = [{ database: 'identity', user: 'identity_service', appUser: 'identity_service' }];
    expect(() => new PostgresDatabase(test.stack, 'Db', { ...PROPS, logins, vpc: network(test.stack) }))
      .toThrow(/login for "identity": appUser must differ from the owner user; got "identity_service" for both/);
  });
});
