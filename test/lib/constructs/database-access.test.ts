import { Match, Template } from 'aws-cdk-lib/assertions';
import { InstanceType, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { ArnPrincipal } from 'aws-cdk-lib/aws-iam';
import { DatabaseInstance, DatabaseInstanceEngine, PostgresEngineVersion } from 'aws-cdk-lib/aws-rds';
import type { Stack } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseConnection } from '../../../lib/constructs/database';
import { DatabaseAccess, type DatabaseAccessProps } from '../../../lib/constructs/database-access';
import { loadPriceTable, priceTemplates, type Template as CostTemplate } from '../../../scripts/cost';
import { disposeTestApps, refusedSecurityGroupText, testStack, type TestAppOptions } from '../synth';
import { network } from './fixtures';

afterEach(disposeTestApps);

/** Two instances: Identity alone on one, Product and Billing sharing the other. */
function databases(stack: Stack, vpc: IVpc): DatabaseConnection[] {
  const instance = (id: string, resourceId: string) =>
    DatabaseInstance.fromDatabaseInstanceAttributes(stack, id, {
      instanceIdentifier: id.toLowerCase(),
      instanceResourceId: resourceId,
      instanceEndpointAddress: `${id.toLowerCase()}.example.internal`,
      port: 5433,
      securityGroups: [new SecurityGroup(stack, `${id}SecurityGroup`, { vpc })],
      engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_16 }),
    });
  const [first, second] = [instance('First', 'db-FIRST'), instance('Second', 'db-SECOND')];
  return [
    { instance: first, databaseName: 'identity', user: 'identity_service', appUser: 'identity_app' },
    { instance: second, databaseName: 'product', user: 'product_service', appUser: 'product_app' },
    { instance: second, databaseName: 'billing', user: 'billing_service', appUser: 'billing_app' },
  ];
}

function build(options: TestAppOptions = {}, props: Partial<DatabaseAccessProps> = {}) {
  const test = testStack(options);
  const vpc = network(test.stack);
  const access = new DatabaseAccess(test.stack, 'DatabaseAccess', { vpc, databases: databases(test.stack, vpc), name: 'platform-test', ...props });
  return { access, template: Template.fromStack(test.stack) };
}

/** The database users a role may log in as, from its policy's rds-db:connect resources. */
function loginsOf(template: Template, roleName: string): string[] {
  const [role] = Object.entries(template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } }));
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role![0]));
  const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
  return statements
    .filter((statement) => statement.Action === 'rds-db:connect')
    .flatMap((statement) => [statement.Resource].flat())
    .map((resource) => JSON.stringify(resource).match(/dbuser:(db-[A-Z]+)\/(\w+)/)!.slice(1).join('/'))
    .sort();
}

describe('DatabaseAccess', () => {
  it('when built, then the host sits in a private subnet with no inbound rule, IMDSv2 and an encrypted volume, and reaches only HTTPS and each instance\'s port', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8, Encrypted: true, VolumeType: 'gp3' } }],
      LaunchTemplate: Match.anyValue(),
      Tags: Match.arrayWith([{ Key: 'Name', Value: 'platform-test-database-access' }]),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } });
    const [host] = Object.values(template.findResources('AWS::EC2::Instance'));
    expect(JSON.stringify(host!.Properties.SubnetId)).toMatch(/NetworkVpcPrivateSubnet/);
    expect(host!.Properties).not.toHaveProperty('NetworkInterfaces'); // no public address
    const group = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^Database access host') } }))[0]!;
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Session Manager (HTTPS)', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 }]);
    const toDatabases = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'));
    expect(toDatabases.map((rule) => [rule.Properties.FromPort, JSON.stringify(rule.Properties.DestinationSecurityGroupId).match(/(First|Second)SecurityGroup/)![1]]).sort()).toEqual([
      [5433, 'First'],
      [5433, 'Second'],
    ]);
    expect(Object.keys(template.findResources('AWS::EC2::SecurityGroupIngress'))).toHaveLength(2); // the databases' side of the same two
    expect(refusedSecurityGroupText(template)).toEqual([]);
  });

  it('when roles are made, then the rows role logs in as the app users only and the owner role as the owners only', () => {
    const { template } = build();
    expect(loginsOf(template, 'platform-test-us-east-1-db-rows')).toEqual(['db-FIRST/identity_app', 'db-SECOND/billing_app', 'db-SECOND/product_app']);
    expect(loginsOf(template, 'platform-test-us-east-1-db-owner')).toEqual(['db-FIRST/identity_service', 'db-SECOND/billing_service', 'db-SECOND/product_service']);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { RoleName: Match.stringLikeRegexp('^platform-test-us-east-1-db-'), MaxSessionDuration: 3600 }, 2);
  });

  it('when an operator starts a session, then it may only forward a port through this host: the document check refuses a shell', () => {
    const { template } = build();
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => /(Rows|Owner)Role/.test(JSON.stringify(policy.Properties.Roles)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[])
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('ssm:')));
    const start = statements.filter((statement) => statement.Action === 'ssm:StartSession');
    expect(start).toHaveLength(2); // one per role
    for (const statement of start) {
      expect(statement.Condition).toEqual({ BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } });
      const resources = JSON.stringify(statement.Resource);
      expect(resources).toContain(':document/AWS-StartPortForwardingSessionToRemoteHost');
      expect(resources).toMatch(/:instance\/".*DatabaseAccessHost/);
      expect(resources).not.toContain('*');
    }
    // Its own sessions only, by the tag Session Manager puts on each (an assumed role's is role id:session name).
    const own = statements.filter((statement) => statement.Action !== 'ssm:StartSession');
    expect(own).toHaveLength(2);
    for (const statement of own) {
      expect([statement.Action].flat().sort()).toEqual(['ssm:ResumeSession', 'ssm:TerminateSession', 'ssmmessages:OpenDataChannel']);
      expect(JSON.stringify(statement.Resource)).toMatch(/:session\/\*"\]\]\}$/);
      expect(statement.Condition).toEqual({ StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}' } });
    }
  });

  it('when the roles are made, then this account\'s principals may assume them, or only the operators named', () => {
    const { template } = build();
    const trust = Object.values(template.findResources('AWS::IAM::Role', { Properties: { RoleName: Match.stringLikeRegexp('^platform-test-us-east-1-db-') } })).map(
      (role) => role.Properties.AssumeRolePolicyDocument.Statement,
    );
    expect(trust).toHaveLength(2);
    for (const statements of trust) expect(JSON.stringify(statements)).toContain(':iam::123456789012:root');
    const test = testStack();
    const vpc = network(test.stack);
    new DatabaseAccess(test.stack, 'DatabaseAccess', { vpc, databases: databases(test.stack, vpc), name: 'platform-test', operators: new ArnPrincipal('arn:aws:iam::123456789012:role/dba') });
    const named = Object.values(Template.fromStack(test.stack).findResources('AWS::IAM::Role', { Properties: { RoleName: 'platform-test-us-east-1-db-owner' } }))[0]!;
    expect(named.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/dba' } }]);
  });

  it('when the host boots, then it stops its SSH server, removes EC2 Instance Connect and has the agent refuse to forward to the host itself', () => {
    const { template } = build();
    const [host] = Object.values(template.findResources('AWS::EC2::Instance'));
    const script = JSON.stringify(host!.Properties.UserData);
    expect(script).toContain('systemctl disable --now sshd.service');
    expect(script).toContain('dnf remove -y ec2-instance-connect');
    // Fails closed: a host that kept either powers itself off.
    expect(script).toContain('if systemctl is-active --quiet sshd.service || rpm -q ec2-instance-connect >/dev/null 2>&1; then poweroff; exit 1; fi');
    expect(script).toContain('DeniedPortForwardingRemoteIPs');
    for (const denied of ['169.254.169.254', '127.0.0.1', '::1', '0.0.0.0', 'localhost', '__SELF__']) expect(script).toContain(denied);
    expect(script).toContain('sed \\"s/__SELF__/${SELF:-127.0.0.1}/\\"');
    expect(script).toContain('systemctl restart amazon-ssm-agent');
  });

  it('when no image is pinned, then the host runs the latest Amazon Linux 2023 for its architecture, read at each deploy', () => {
    const latest = (props: Partial<DatabaseAccessProps>) => {
      const { template } = build({}, props);
      const [host] = Object.values(template.findResources('AWS::EC2::Instance'));
      const parameters = (template.toJSON() as { Parameters: Record<string, { Default?: string }> }).Parameters;
      return parameters[(host!.Properties.ImageId as { Ref: string }).Ref]?.Default;
    };
    expect(latest({})).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64');
    expect(latest({ instanceType: new InstanceType('t3.nano') })).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64');
  });

  it('when imageId pins the image, then the host runs that image and no deploy reads a newer one', () => {
    const { template } = build({}, { imageId: 'ami-0123456789abcdef0' });
    template.hasResourceProperties('AWS::EC2::Instance', { ImageId: 'ami-0123456789abcdef0' });
    const parameters = Object.values((template.toJSON() as { Parameters?: Record<string, { Default?: string }> }).Parameters ?? {});
    expect(parameters.map((parameter) => parameter.Default).filter((name) => name?.includes('ami-amazon-linux-latest'))).toEqual([]);
  });

  it('when given no database, a name IAM would refuse or a malformed image id, then it refuses, naming what it got', () => {
    const test = testStack();
    const vpc = network(test.stack);
    const some = databases(test.stack, vpc);
    expect(() => new DatabaseAccess(test.stack, 'None', { vpc, databases: [], name: 'platform-test' })).toThrow('DatabaseAccess "platform-test": databases must name at least one; got none');
    // 64 characters for `<name>-us-east-1-db-owner` leave 45 to the name.
    expect(() => new DatabaseAccess(test.stack, 'Longest', { vpc, databases: some, name: 'x'.repeat(45) })).not.toThrow();
    expect(() => new DatabaseAccess(test.stack, 'Long', { vpc, databases: some, name: 'x'.repeat(46) })).toThrow(`in at most 45 characters (it prefixes IAM role names, before the region); got "${'x'.repeat(46)}"`);
    expect(() => new DatabaseAccess(test.stack, 'Odd', { vpc, databases: some, name: 'platform test' })).toThrow('got "platform test"');
    expect(() => new DatabaseAccess(test.stack, 'Image', { vpc, databases: some, name: 'platform-test', imageId: 'al2023-latest' })).toThrow(
      'DatabaseAccess imageId must be an image id like ami-0123456789abcdef0; got "al2023-latest"',
    );
  });

  it('when cdk-nag checks it, then every finding is acknowledged with a reason', () => {
    expect(() => build({ nag: true })).not.toThrow();
  });

  it('when it is on, then it adds under $4 a month: the host and its volume, nothing left unpriced', () => {
    const table = loadPriceTable();
    // The construct's own resources: the test's network and imported databases are not part of it.
    const resources = Object.fromEntries(Object.entries(build().template.toJSON().Resources as Record<string, unknown>).filter(([id]) => id.startsWith('DatabaseAccess')));
    const host = priceTemplates('dev', { access: { Resources: resources } as CostTemplate }, table);
    expect(host.unpriced).toEqual([]);
    expect(host.lines.map((line) => line.detail)).toEqual(['t4g.nano + 8 GB gp3']);
    expect(host.total).toBeGreaterThan(3);
    expect(host.total).toBeLessThan(4);
  });
});
