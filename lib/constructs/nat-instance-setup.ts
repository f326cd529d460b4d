/**
 * The dev NAT instance's setup, made to survive a fresh deploy. CDK's default user data installs
 * iptables-services once, with no retry: when dnf is busy at first boot (its makecache timer) or a mirror does
 * not answer, the instance comes up without NAT, and every task in the private subnets fails to pull its image.
 * Here the install is retried with backoff, and the instance signals CloudFormation when NAT works (or that it
 * failed), so the data stack completes only with working egress, before any task starts.
 */
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import { type CfnInstance, type Instance, UserData } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/**
 * How long CloudFormation waits for the signal: package retries take at most about 5 minutes. At full speed: the
 * instance runs on unlimited CPU credits (network.ts says why), so a new one is not held to its baseline.
 */
export const NAT_SETUP_TIMEOUT = Duration.minutes(10);
const INSTALL_ATTEMPTS = 10;

export function natUserData(logicalId: string): UserData {
  const userData = UserData.forLinux();
  userData.addCommands(
    `signal() { aws cloudformation signal-resource --region ${Aws.REGION} --stack-name ${Aws.STACK_NAME} --logical-resource-id ${logicalId} --unique-id "$(hostname)" --status "$1" || true; }`,
    "trap 'signal FAILURE' ERR",
    'set -euo pipefail',
    `for attempt in $(seq 1 ${INSTALL_ATTEMPTS}); do`,
    '  dnf install -y --setopt=retries=5 iptables-services && break',
    `  if [ "$attempt" -eq ${INSTALL_ATTEMPTS} ]; then echo "iptables-services did not install" >&2; false; fi`,
    '  sleep $((attempt * 6))',
    'done',
    'systemctl enable --now iptables',
    'echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/custom-ip-forwarding.conf',
    'sysctl -p /etc/sysctl.d/custom-ip-forwarding.conf',
    'iface="$(ip route show default | awk \'{print $5; exit}\')"',
    'iptables -t nat -A POSTROUTING -o "$iface" -j MASQUERADE',
    'iptables -F FORWARD',
    'service iptables save',
    'signal SUCCESS',
  );
  return userData;
}

/** CloudFormation waits for the instance's signal, and the instance may send it (to its own stack only). */
export function awaitNatSignal(instance: Instance): void {
  const cfn = instance.node.defaultChild as CfnInstance;
  cfn.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: `PT${NAT_SETUP_TIMEOUT.toMinutes()}M` } };
  instance.addToRolePolicy(new PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [Stack.of(instance).stackId] }));
}
