/**
 * Break-glass access to the databases for an operator, without opening them to anything: a small host in a private
 * subnet that no inbound rule reaches, which Session Manager port forwarding turns into a tunnel from the
 * operator's machine to one instance's port. The operator then logs in with an IAM token, as a role this construct
 * names, per stage and region: `rowsRole` may connect as each service's app user (read and write rows), `ownerRole`
 * as each database's owner (the schema: a failed migration to clean up). Neither role may start a shell session, and
 * the host runs no SSH server, so a tunnel to the host itself leads nowhere. docs/deploy.md ("Connect to a database")
 * is the runbook.
 */
import { Aws, CfnOutput, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AmazonLinuxCpuType,
  BastionHostLinux,
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceArchitecture,
  InstanceType,
  type IVpc,
  MachineImage,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { AccountRootPrincipal, type IPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DatabaseConnection } from './database';
import { pinnedImage } from './pinned-image';

/** The one session document the roles may start: a tunnel to a host and port, not a shell. */
const PORT_FORWARDING = 'AWS-StartPortForwardingSessionToRemoteHost';
/** Every session of the account; a condition narrows it to the caller's own (AWS's pattern for assumed roles). */
const SESSIONS = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:session/*`;
/**
 * The agent's own refusals (its defaults: instance metadata, DNS, time), plus the host itself by the addresses a
 * tunnel would name (it compares exact addresses; nothing listens on the host's other loopback ones anyway).
 */
const DENIED_TARGETS = ['169.254.169.254', 'fd00:ec2::254', '169.254.169.253', 'fd00:ec2::253', '169.254.169.123', 'fd00:ec2::123', '169.254.169.250', '169.254.169.251', 'fd00:ec2::250', '127.0.0.1', '::1', '0.0.0.0', 'localhost'];
/** Characters IAM allows in a role name. */
const NAME = /^[A-Za-z0-9+=,.@_-]+$/;
/** IAM's limit on a role name. */
const ROLE_NAME_LENGTH = 64;
/** Room kept for a region the stack does not name (an env-agnostic stack): the longest code, e.g. `us-isof-south-1`. */
const LONGEST_REGION = 15;

export interface DatabaseAccessProps {
  /** The VPC of the databases; the host runs in one of its private subnets with egress (Session Manager). */
  readonly vpc: IVpc;
  /** Every database the host may reach, each on its instance's port. */
  readonly databases: readonly DatabaseConnection[];
  /**
   * Prefixes the host's and the roles' names, e.g. `platform-dev`. The roles are `<name>-<region>-db-rows` and
   * `<name>-<region>-db-owner`: IAM names are global to the account, so the same stage in a second region gets its
   * own pair instead of failing on the first one's names.
   */
  readonly name: string;
  /** Who may assume the two roles (their own policies must allow it too). @default this account's principals */
  readonly operators?: IPrincipal;
  /** @default t4g.nano (Graviton): it only relays bytes */
  readonly instanceType?: InstanceType;
  /** How long a role's session lasts; a tunnel outlives it, a new login token does not. @default 1 hour */
  readonly maxSessionDuration?: Duration;
  /**
   * The host's image (`ami-…`, of the stack's region, for the instance type's architecture). Unset, it is the
   * latest Amazon Linux 2023, read from AWS's public SSM parameter at every deploy: the first deploy after AWS
   * publishes a new image replaces the host, which cuts every open tunnel, perhaps in the middle of a repair. Set it
   * to the image the host runs, and a deploy replaces the host only when you change it.
   * @default the latest Amazon Linux 2023 at each deploy
   */
  readonly imageId?: string;
}

export class DatabaseAccess extends Construct {
  /** The relay: AL2023, IMDSv2, encrypted volume, no SSH server, no public address. */
  public readonly host: BastionHostLinux;
  /** The host's: no inbound rule; egress to HTTPS (Session Manager) and each instance's port. */
  public readonly securityGroup: SecurityGroup;
  /** May tunnel to the host and connect as each service's app user: rows only, as the service itself. */
  public readonly rowsRole: Role;
  /** May tunnel to the host and connect as each database's owner: the schema, as a migration does. */
  public readonly ownerRole: Role;

  constructor(scope: Construct, id: string, props: DatabaseAccessProps) {
    super(scope, id);
    if (props.databases.length === 0) throw new Error(`DatabaseAccess "${props.name}": databases must name at least one; got none`);
    const roleNamePrefix = regionalRoleNamePrefix(this, props.name);
    const instanceType = props.instanceType ?? new InstanceType('t4g.nano');
    const cpuType = instanceType.architecture === InstanceArchitecture.ARM_64 ? AmazonLinuxCpuType.ARM_64 : AmazonLinuxCpuType.X86_64;
    const machineImage = props.imageId === undefined ? MachineImage.latestAmazonLinux2023({ cpuType }) : pinnedImage('DatabaseAccess imageId', props.imageId);

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Database access host: no inbound; HTTPS out (Session Manager) and the database ports',
      allowAllOutbound: false,
    });
    // The agent reaches Session Manager's endpoints, whose addresses are not fixed (through NAT or an endpoint).
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'Session Manager (HTTPS)');
    this.host = new BastionHostLinux(this, 'Host', {
      vpc: props.vpc,
      instanceName: `${props.name}-database-access`,
      instanceType,
      machineImage,
      subnetSelection: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: EbsDeviceVolumeType.GP3 }) }],
    });
    this.host.instance.addUserData(...hardening());
    for (const instance of new Set(props.databases.map((database) => database.instance))) {
      // Asked from the host's side, so the rule lives in this stack, beside the host.
      this.host.connections.allowToDefaultPort(instance, 'Operator tunnel to the database');
    }

    const role = (roleId: string, suffix: string, description: string) =>
      new Role(this, roleId, {
        roleName: `${roleNamePrefix}-db-${suffix}`,
        description,
        assumedBy: props.operators ?? new AccountRootPrincipal(),
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
    // The host's id is BastionHostLinux's own output (BastionHostId); docs/deploy.md reads it from there.
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
    // Its own sessions only: Session Manager tags each with the caller's user id (role id:session name).
    operator.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ssm:TerminateSession', 'ssm:ResumeSession', 'ssmmessages:OpenDataChannel'],
        resources: [SESSIONS],
        conditions: { StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}' } },
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
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:session/*]',
      reason: 'Narrowed by its condition to the caller\'s own sessions (ssm:resourceTag/aws:ssmmessages:session-id), as AWS documents for assumed roles.',
    });
  }
}

/** `<name>-<region>`, checked so that the longer role name (`…-db-owner`) fits IAM's limit. */
function regionalRoleNamePrefix(scope: Construct, name: string): string {
  const { region } = Stack.of(scope);
  const room = ROLE_NAME_LENGTH - '-db-owner'.length - '-'.length - (Token.isUnresolved(region) ? LONGEST_REGION : region.length);
  if (!NAME.test(name) || name.length > room) {
    throw new Error(`DatabaseAccess name must match ${NAME} in at most ${room} characters (it prefixes IAM role names, before the region); got "${name}"`);
  }
  return `${name}-${region}`;
}

/**
 * Nothing to reach on the host itself: no SSH server and no EC2 Instance Connect (a tunnel to its own port 22 plus
 * a pushed key would be a shell), and the agent refuses to forward to the host's own addresses too. It fails closed:
 * a host that still runs an SSH server or keeps Instance Connect powers itself off.
 */
function hardening(): string[] {
  const denied = JSON.stringify({ Mgs: { DeniedPortForwardingRemoteIPs: [...DENIED_TARGETS, '__SELF__'] } });
  return [
    'systemctl disable --now sshd.service || true',
    'systemctl disable --now sshd.socket 2>/dev/null || true',
    'dnf remove -y ec2-instance-connect || true',
    'if systemctl is-active --quiet sshd.service || rpm -q ec2-instance-connect >/dev/null 2>&1; then poweroff; exit 1; fi',
    'TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")',
    'SELF=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/local-ipv4)',
    // Without its address (metadata did not answer), the loopback entry stands in: the list stays valid JSON.
    `echo '${denied}' | sed "s/__SELF__/\${SELF:-127.0.0.1}/" > /etc/amazon/ssm/amazon-ssm-agent.json`,
    'systemctl restart amazon-ssm-agent',
  ];
}
