/**
 * Break-glass access to the databases for an operator, without opening them to anything: a small host in a private
 * subnet that no inbound rule reaches, which Session Manager port forwarding turns into a tunnel from the
 * operator's machine to one instance's port. The operator then logs in with an IAM token, as a role this construct
 * names: `rowsRole` may connect as each service's app user (read and write rows), `ownerRole` as each database's
 * owner (the schema: a failed migration to clean up). Neither may open a shell on the host. docs/deploy.md
 * ("Connect to a database") is the runbook.
 */
import { Aws, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AmazonLinuxCpuType,
  BastionHostLinux,
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceType,
  type IVpc,
  MachineImage,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { AccountRootPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DatabaseConnection } from './database';

/**
 * An operator's own Session Manager sessions, whose ids start with its user id. Built from the pseudo parameters
 * (not formatArn, which writes a stack's concrete region in), so the policy reads the same in every environment.
 */
const OWN_SESSIONS = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:session/\${aws:userid}-*`;

/** The one session document the roles may start: a tunnel to a host and port, not a shell. */
const PORT_FORWARDING = 'AWS-StartPortForwardingSessionToRemoteHost';

export interface DatabaseAccessProps {
  readonly vpc: IVpc;
  /** Every database the host may reach, each on its instance's port. */
  readonly databases: readonly DatabaseConnection[];
  /** Prefixes the host's and the roles' names, e.g. `platform-dev`. */
  readonly name: string;
  /** @default t4g.nano (Graviton): it only relays bytes */
  readonly instanceType?: string;
  /** How long a role's session lasts; a tunnel outlives it, a new login token does not. @default 1 hour */
  readonly maxSessionDuration?: Duration;
}

export class DatabaseAccess extends Construct {
  public readonly host: BastionHostLinux;
  public readonly securityGroup: SecurityGroup;
  /** May tunnel to the host and connect as each service's app user: rows only, as the service itself. */
  public readonly rowsRole: Role;
  /** May tunnel to the host and connect as each database's owner: the schema, as a migration does. */
  public readonly ownerRole: Role;

  constructor(scope: Construct, id: string, props: DatabaseAccessProps) {
    super(scope, id);
    if (props.databases.length === 0) throw new Error(`DatabaseAccess "${props.name}": databases must name at least one; got none`);
    const instanceType = props.instanceType ?? 't4g.nano';
    const cpuType = /^[a-z]+\d+g/.test(instanceType) ? AmazonLinuxCpuType.ARM_64 : AmazonLinuxCpuType.X86_64;

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Database access host: no inbound; HTTPS out (Session Manager) and the databases\' ports',
      allowAllOutbound: false,
    });
    // The agent reaches Session Manager's endpoints, whose addresses are not fixed (through NAT or an endpoint).
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'Session Manager (HTTPS)');
    this.host = new BastionHostLinux(this, 'Host', {
      vpc: props.vpc,
      instanceName: `${props.name}-database-access`,
      instanceType: new InstanceType(instanceType),
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType }),
      subnetSelection: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: EbsDeviceVolumeType.GP3 }) }],
    });
    for (const instance of new Set(props.databases.map((database) => database.instance))) {
      // Asked from the host's side, so the rule lives in this stack, beside the host.
      this.host.connections.allowToDefaultPort(instance, 'Operators\' tunnel to the database');
    }

    const role = (roleId: string, suffix: string, description: string) =>
      new Role(this, roleId, {
        roleName: `${props.name}-db-${suffix}`,
        description,
        // Any principal of this account that its own policies allow to assume it (an SSO permission set, say).
        assumedBy: new AccountRootPrincipal(),
        maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      });
    this.rowsRole = role('RowsRole', 'rows', 'Tunnels to the database access host and logs in as each service\'s app user (rows only)');
    this.ownerRole = role('OwnerRole', 'owner', 'Tunnels to the database access host and logs in as each database\'s owner (schema)');
    for (const database of props.databases) {
      database.instance.grantConnect(this.rowsRole, database.appUser);
      database.instance.grantConnect(this.ownerRole, database.user);
    }
    for (const operator of [this.rowsRole, this.ownerRole]) this.allowTunnel(operator);

    this.acknowledgeFindings();
    // The host's id is BastionHostLinux's own output (BastionHostId); docs/deploy.md finds it by its Name tag.
    new CfnOutput(this, 'RowsRoleArn', { value: this.rowsRole.roleArn });
    new CfnOutput(this, 'OwnerRoleArn', { value: this.ownerRole.roleArn });
  }

  /** Port forwarding to this host only: the document check refuses a session with any other document (a shell). */
  private allowTunnel(operator: Role): void {
    const stack = Stack.of(this);
    operator.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ssm:StartSession'],
        resources: [
          stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: this.host.instanceId }),
          stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: PORT_FORWARDING }),
        ],
        conditions: { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
      }),
    );
    operator.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
        resources: [OWN_SESSIONS],
      }),
    );
  }

  private acknowledgeFindings(): void {
    const agent = 'What the Session Manager agent needs to register the host and relay sessions (CDK\'s bastion policy): these actions take no resource ARN.';
    const findings: Record<string, string> = {
      'AwsSolutions-EC28': 'A relay that holds no data: basic monitoring is enough; detailed monitoring would bill per metric.',
      'AwsSolutions-EC29': 'Disposable: it holds no data, and a replacement is made by the next deploy.',
      'AwsSolutions-IAM5[Action::ssmmessages:*]': agent,
      'AwsSolutions-IAM5[Action::ec2messages:*]': agent,
      'AwsSolutions-IAM5[Resource::*]': agent,
    };
    for (const [id, reason] of Object.entries(findings)) Validations.of(this.host).acknowledge({ id, reason });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:session/<aws:userid>-*]',
      reason: 'An operator may end or resume only its own Session Manager sessions, whose ids start with its user id.',
    });
  }
}
