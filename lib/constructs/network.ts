import { CfnResource, Lazy, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AmazonLinuxCpuType,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  type CfnInstance,
  type Instance,
  InstanceType,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  MachineImage,
  NatProvider,
  NatTrafficDirection,
  Peer,
  Port,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { awaitNatSignal, natUserData } from './nat-instance-setup';
import { pinnedImage } from './pinned-image';
import { type LogRemoval, logRemovalPolicy } from './log-removal';

/**
 * How private subnets reach the internet (Cognito's JWKS, ECR, SNS, SQS, Secrets Manager):
 * - `instance`: one t4g NAT instance, a few dollars a month; fine for a stage whose outage costs nothing. It runs on
 *   standard CPU credits: out of credits, it slows to its baseline instead of billing surplus credits.
 * - `gateway-per-az`: one managed NAT gateway per AZ, so losing an AZ does not cut the other's egress.
 */
export type NatStrategy = 'instance' | 'gateway-per-az';

/** The network's shape and egress: what a stage chooses (lib/stages.ts passes its own). */
export interface NetworkSettings {
  /** The VPC's IPv4 range; a /16 leaves room for every subnet below. */
  readonly cidr: string;
  /**
   * Number of AZs: every subnet tier, the ALB and Multi-AZ databases span them.
   * @default 2
   */
  readonly maxAzs?: number;
  /** `instance`: one NAT instance for all AZs; `gateway-per-az`: a managed NAT gateway in each AZ. */
  readonly nat: NatStrategy;
  /**
   * Instance type of the NAT instance, when `nat` is `instance`.
   * @default t4g.nano
   */
  readonly natInstanceType?: string;
  /**
   * The NAT instance's image (`ami-…`, of the stack's region), when `nat` is `instance`. Unset, it is the latest
   * Amazon Linux 2023 for ARM, read from AWS's public SSM parameter at every deploy: the first deploy after AWS
   * publishes a new image replaces the instance, and egress stops for the few minutes the new one takes to start.
   * Set it to the image the instance runs, and a deploy changes it only when you do.
   * @default the latest Amazon Linux 2023 (arm64) at each deploy
   */
  readonly natImageId?: string;
  /** `REJECT` logs only refused flows: what a security review needs, at a fraction of the volume of `ALL`. */
  readonly flowLogTraffic: 'ALL' | 'REJECT';
  /**
   * Interface endpoint service names (`ecr.api`, `logs`…). The S3 gateway endpoint is always added: it is free
   * and carries the ECR image layers, which are most of a deploy's traffic.
   * @default none
   */
  readonly interfaceEndpoints?: readonly string[];
}

export interface NetworkProps extends NetworkSettings {
  readonly logRetention: RetentionDays;
  /**
   * What a stack delete does to the flow logs and the default security group remover's logs (lib/stages.ts,
   * `logRemoval`): `retain` keeps them for audit.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
}

/**
 * A VPC over two AZs with three subnet tiers: public (NAT and nothing else), private with egress (tasks, ALB,
 * VPC link, rotation functions) and isolated (databases, which never need the internet).
 */
export class Network extends Construct {
  public readonly vpc: Vpc;
  public readonly flowLogGroup: LogGroup;
  /**
   * The NAT instances of a burstable type, on unlimited CPU credits: one kept above its baseline bills surplus
   * credits (NatCreditAlarm pages when it does). Empty with NAT gateways or a type without credits.
   */
  public readonly burstableNatInstances: readonly Instance[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    if (maxAzs < 2) throw new Error(`Network needs at least 2 AZs for the ALB and Multi-AZ databases; got maxAzs=${maxAzs}`);
    // Checked whatever the strategy: a malformed id is a mistake even where no NAT instance reads it.
    const natImage = props.natImageId === undefined ? undefined : pinnedImage('Network natImageId', props.natImageId);
    if (!/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/.test(props.cidr)) {
      throw new Error(`Network cidr must be an IPv4 range from /16 to /24; got "${props.cidr}"`);
    }

    let natLogicalId: string | undefined;
    const natInstanceType = new InstanceType(props.natInstanceType ?? 't4g.nano');
    // T4g, T3 and T3a run on unlimited credits (their default, kept on purpose, as for the burstable databases): a
    // NAT kept above its baseline (5 % of each vCPU on a t4g.nano) for a whole day bills surplus credits, about
    // $0.04 per vCPU-hour, so the alarm made beside it (NatCreditAlarm) pages on the first charged hour. Standard
    // credits would cap the bill but throttle every task's egress once spent, and a new instance (each new image)
    // gets no launch credits in standard mode: it would boot and install at its baseline, outlasting its signal.
    const burstable = props.nat === 'instance' && natInstanceType.isBurstable();
    const natInstances =
      props.nat === 'instance'
        ? NatProvider.instanceV2({
            instanceType: natInstanceType,
            machineImage: natImage ?? MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
            // Inbound is opened to the VPC's own range below, not to the internet.
            defaultAllowedTraffic: NatTrafficDirection.OUTBOUND_ONLY,
            associatePublicIpAddress: true,
            // Its setup retries its package install and signals CloudFormation once NAT works (see that file).
            // The instance exists only once the VPC does, hence the lazy id (there is one NAT instance).
            userData: natUserData(Lazy.string({ produce: () => natLogicalId ?? '' })),
          })
        : undefined;

    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(props.cidr),
      maxAzs,
      natGatewayProvider: natInstances ?? NatProvider.gateway(),
      natGateways: props.nat === 'instance' ? 1 : maxAzs,
      subnetConfiguration: [
        { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'Data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 } },
    });

    for (const name of props.interfaceEndpoints ?? []) {
      this.vpc.addInterfaceEndpoint(`${name.replace(/[^A-Za-z0-9]/g, '')}Endpoint`, {
        service: new InterfaceVpcEndpointAwsService(name),
        subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      });
    }

    this.burstableNatInstances = burstable && natInstances ? natInstances.gatewayInstances : [];
    if (natInstances) {
      this.hardenNatInstances(natInstances, props.cidr);
      natLogicalId = Stack.of(this).getLogicalId(natInstances.gatewayInstances[0]!.node.defaultChild as CfnInstance);
    }

    const removalPolicy = logRemovalPolicy('Network logRemoval', props.logRemoval);
    this.keepDefaultSecurityGroupRemoverLogs(props.logRetention, removalPolicy);
    this.flowLogGroup = new LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: props.flowLogTraffic === 'ALL' ? FlowLogTrafficType.ALL : FlowLogTrafficType.REJECT,
    });
  }

  /**
   * The function CDK adds to empty the VPC's default security group (the restrictDefaultSecurityGroup flag) would
   * log into a group Lambda makes on its first run: no retention, and left behind by a destroy. It logs into one of
   * ours instead, with the stage's retention and removal (no fixed name, so a redeploy never meets a kept one).
   */
  private keepDefaultSecurityGroupRemoverLogs(retention: RetentionDays, removalPolicy: RemovalPolicy): void {
    const provider = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    const handler = provider?.node.tryFindChild('Handler');
    if (!(handler instanceof CfnResource)) return;
    const logs = new LogGroup(this, 'DefaultSecurityGroupRemoverLogs', { retention, removalPolicy });
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logs.logGroupName });
  }

  private hardenNatInstances(provider: ReturnType<typeof NatProvider.instanceV2>, cidr: string): void {
    provider.connections.allowFrom(Peer.ipv4(cidr), Port.allTraffic(), 'Traffic to NAT from inside the VPC');
    for (const instance of provider.gatewayInstances) {
      awaitNatSignal(instance);
      // The NAT provider offers no block-device option; an encrypted root volume is set on the L1 instead.
      (instance.node.defaultChild as CfnInstance).blockDeviceMappings = [
        { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } },
      ];
      Validations.of(instance).acknowledge(
        {
          id: 'AwsSolutions-EC28',
          reason: 'Dev-only NAT instance: the free 5-minute metrics are enough; detailed monitoring would add ~$2/month.',
        },
        {
          id: 'AwsSolutions-EC29',
          reason: 'Dev-only NAT instance: termination protection would block cdk destroy and the AMI-update replacement.',
        },
      );
    }
  }
}
