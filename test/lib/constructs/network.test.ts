import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { Network, type NetworkProps } from '../../../lib/constructs/network';
import { disposeTestApps, resourcesOf, testStack } from '../synth';

const BASE: NetworkProps = { cidr: '10.0.0.0/16', nat: 'instance', flowLogTraffic: 'REJECT', logRetention: RetentionDays.TWO_WEEKS };

afterEach(disposeTestApps);

function synth(props: Partial<NetworkProps> = {}): Template {
  const test = testStack();
  new Network(test.stack, 'Network', { ...BASE, ...props });
  return Template.fromStack(test.stack);
}

describe('Network', () => {
  it('when built, then it spans 2 AZs with public, private and isolated subnets', () => {
    const template = synth();
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    const names = Object.values(resourcesOf(template, 'AWS::EC2::Subnet')).map((s) =>
      (s.Properties?.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'aws-cdk:subnet-name')?.Value,
    );
    expect(names.sort()).toEqual(['Data', 'Data', 'Private', 'Private', 'Public', 'Public']);
  });

  it('when nat is "instance", then one NAT instance with an encrypted root volume serves the VPC range only', () => {
    const template = synth({ nat: 'instance' });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 1);
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      SourceDestCheck: false,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Security Group for NAT instances',
      SecurityGroupIngress: [{ CidrIp: '10.0.0.0/16', IpProtocol: '-1' }],
    });
  });

  it('when nat is "instance" on a burstable type, then it keeps unlimited CPU credits (never throttled to its baseline, even new with no credits) and is named for the surplus-credit alarm', () => {
    const test = testStack();
    const network = new Network(test.stack, 'Network', BASE);
    const template = Template.fromStack(test.stack);
    template.hasResourceProperties('AWS::EC2::Instance', { InstanceType: 't4g.nano' });
    expect(template.findResources('AWS::EC2::Instance', { Properties: { CreditSpecification: { CPUCredits: 'standard' } } })).toEqual({});
    expect(network.burstableNatInstances).toHaveLength(1);
  });

  it('when the NAT instance is of a type without CPU credits, or there are NAT gateways, then no credit option is set and no instance is burstable', () => {
    const fixed = testStack();
    const onFixed = new Network(fixed.stack, 'Network', { ...BASE, natInstanceType: 'c7g.medium' });
    expect(Template.fromStack(fixed.stack).findResources('AWS::EC2::Instance', { Properties: { CreditSpecification: Match.anyValue() } })).toEqual({});
    expect(onFixed.burstableNatInstances).toEqual([]);
    const gateways = testStack();
    expect(new Network(gateways.stack, 'Network', { ...BASE, nat: 'gateway-per-az' }).burstableNatInstances).toEqual([]);
  });

  it('when nat is "instance", then its setup retries the package install and the stack waits for its signal that NAT works', () => {
    const template = synth({ nat: 'instance' });
    const [[id, instance]] = Object.entries(resourcesOf(template, 'AWS::EC2::Instance')) as unknown as [[string, { CreationPolicy?: unknown; Properties: { UserData: unknown } }]];
    expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT10M' } });
    const script = JSON.stringify(instance.Properties.UserData);
    expect(script).toMatch(/for attempt in \$\(seq 1 10\)/);
    expect(script).toContain(`--logical-resource-id ${id} `);
    expect(script).toMatch(/signal SUCCESS/);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'cloudformation:SignalResource', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } }] },
    });
  });

  it('when CDK adds its function that empties the default security group, then it logs into a group with the stage\'s retention, removed with the stack', () => {
    const template = synth();
    const [handler] = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((f) => String(f.Properties?.Description).includes('VPC default security group'));
    const target = (handler!.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const group = resourcesOf(template, 'AWS::Logs::LogGroup')[target]!;
    expect(group).toMatchObject({ DeletionPolicy: 'Delete', Properties: { RetentionInDays: 14 } });
    expect(group.Properties).not.toHaveProperty('LogGroupName');
  });

  it('when nat is "gateway-per-az", then each AZ gets its own NAT gateway', () => {
    const template = synth({ nat: 'gateway-per-az' });
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::EC2::Instance', 0);
  });

  it('when built, then flow logs go to a log group with a retention, and S3 traffic skips the NAT', () => {
    const template = synth({ flowLogTraffic: 'ALL' });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  it('when interface endpoints are asked for, then each is created in the private subnets', () => {
    const template = synth({ interfaceEndpoints: ['ecr.api', 'logs'] });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  });

  it('when the NAT image is not pinned, then each deploy reads the latest Amazon Linux 2023 (arm64) from AWS\'s SSM parameter', () => {
    const template = synth({ nat: 'instance' }).toJSON() as { Parameters: Record<string, { Default?: string }>; Resources: Record<string, { Type: string; Properties: { ImageId?: unknown } }> };
    const [name] = Object.entries(template.Parameters).find(([, parameter]) => parameter.Default === '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64')!;
    const [nat] = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::EC2::Instance');
    expect(nat!.Properties.ImageId).toEqual({ Ref: name });
  });

  it('when natImageId pins the image, then the instance runs that image and no deploy reads a newer one', () => {
    const template = synth({ nat: 'instance', natImageId: 'ami-0123456789abcdef0' });
    template.hasResourceProperties('AWS::EC2::Instance', { ImageId: 'ami-0123456789abcdef0' });
    expect(Object.values((template.toJSON() as { Parameters?: Record<string, { Default?: string }> }).Parameters ?? {}).map((p) => p.Default)).not.toContain('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64');
  });

  it('when given one AZ, a malformed range or a malformed image id, then it refuses, naming what it got', () => {
    expect(() => synth({ maxAzs: 1 })).toThrow(/at least 2 AZs.*maxAzs=1/);
    expect(() => synth({ cidr: '10.0.0.0/8' })).toThrow(/cidr.*got "10.0.0.0\/8"/);
    expect(() => synth({ natImageId: 'al2023-latest' })).toThrow('Network natImageId must be an image id like ami-0123456789abcdef0; got "al2023-latest"');
  });
});
