/**
 * How `npm run cost` (scripts/cost.ts) prices one resource type for an idle month, from the price table
 * (cost-price-table.ts) and the rest of the resource's template.
 */
import { OUTBOX_BACKLOG_METRIC } from '../services/contracts/outbox-backlog';
import { PRICE_TABLE_FILE, type PriceTable } from './cost-price-table';

type Properties = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties?: Properties;
}
export type Template = { readonly Resources?: Readonly<Record<string, Resource>> };

/**
 * Tasks a service runs when idle: its DesiredCount when the template sets one, else the minimum of the autoscaling
 * target that names it (the template leaves the count out so deploys keep what autoscaling chose), else 1.
 */
function idleTaskCount(resources: Readonly<Record<string, Resource>>, serviceId: string): number {
  const desired = resources[serviceId]?.Properties?.DesiredCount;
  if (desired !== undefined) return Number(desired);
  const target = Object.values(resources).find(
    (r) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' && JSON.stringify(r.Properties?.ResourceId ?? '').includes(`"${serviceId}"`),
  );
  return Number(target?.Properties?.MinCapacity ?? 1);
}

/** One resource to price, with the rest of its template (a service's task definition, a cluster's services). */
interface Priceable {
  readonly id: string;
  readonly props: Properties;
  readonly resources: Readonly<Record<string, Resource>>;
  readonly p: PriceTable['prices'];
  readonly hours: number;
}

/** A resource's idle month, or 'usage' when it costs only per use (counted with the table's usage-only types). */
type Pricer = (r: Priceable) => Priced | 'usage';
interface Priced {
  readonly monthly: number;
  readonly detail: string;
}


const money = (n: number) => `$${n.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}`;

function rate(table: Readonly<Record<string, number>>, key: string, what: string): number {
  const value = table[key];
  if (value === undefined) throw new Error(`The price table has no ${what} "${key}"; add it to ${PRICE_TABLE_FILE}`);
  return value;
}

function ec2Instance({ props, p, hours }: Priceable): Priced {
  const instanceType = String(props.InstanceType);
  const publicIp = JSON.stringify(props.NetworkInterfaces ?? []).includes('"AssociatePublicIpAddress":true');
  // The volumes the template sizes, else the image's root volume (the NAT instance sets none).
  const sized = ((props.BlockDeviceMappings ?? []) as { Ebs?: { VolumeSize?: number } }[]).reduce((sum, device) => sum + (device.Ebs?.VolumeSize ?? 0), 0);
  const volumeGb = sized || p.natInstanceRootVolumeGb;
  const monthly = rate(p.ec2Hour, instanceType, 'EC2 instance type') * hours + volumeGb * p.ebsGp3GbMonth + (publicIp ? p.publicIpv4Hour * hours : 0);
  return { monthly, detail: `${instanceType} + ${volumeGb} GB gp3${publicIp ? ' + public IPv4' : ''}` };
}

/** Interface endpoints are paid per AZ and hour; gateway endpoints (S3, DynamoDB) are free but listed with usage. */
function vpcEndpoint({ props, p, hours }: Priceable): Priced | 'usage' {
  if (props.VpcEndpointType !== 'Interface') return 'usage';
  const azs = (props.SubnetIds as unknown[] | undefined)?.length ?? 1;
  return { monthly: p.interfaceEndpointAzHour * hours * azs, detail: `interface endpoint in ${azs} AZs` };
}

function rdsInstance({ props, p, hours }: Priceable): Priced {
  const instanceClass = String(props.DBInstanceClass);
  const multiAz = props.MultiAZ === true || props.MultiAZ === 'true';
  const factor = multiAz ? p.rdsMultiAzFactor : 1;
  const storage = Number(props.AllocatedStorage ?? 20);
  const monthly = rate(p.rdsSingleAzHour, instanceClass, 'RDS instance class') * hours * factor + storage * p.rdsGp3GbMonth * factor;
  // A db.t* class runs Unlimited: CPU above its baseline, once its credits are spent, is billed beside this (an alarm says so).
  const burst = instanceClass.startsWith('db.t') ? '; CPU above baseline billed extra' : '';
  return { monthly, detail: `${instanceClass} ${multiAz ? 'Multi-AZ' : 'single-AZ'} + ${storage} GB gp3 (backups within the free allowance${burst})` };
}

function ecsService({ id, props, resources, p, hours }: Priceable): Priced {
  const task = resources[(props.TaskDefinition as { Ref: string }).Ref]?.Properties ?? {};
  const arch = String((task.RuntimePlatform as Properties | undefined)?.CpuArchitecture ?? 'X86_64');
  const spot = JSON.stringify(props.CapacityProviderStrategy ?? []).includes('FARGATE_SPOT');
  const vcpu = Number(task.Cpu) / 1024;
  const gb = Number(task.Memory) / 1024;
  const count = idleTaskCount(resources, id);
  const hourly = (vcpu * rate(p.fargateVcpuHour, arch, 'Fargate architecture') + gb * rate(p.fargateGbHour, arch, 'Fargate architecture')) * (spot ? p.fargateSpotFactor : 1);
  // Service Connect registers each task once per published port (Product: REST and gRPC) in Cloud Map.
  const published = ((props.ServiceConnectConfiguration as { Services?: unknown[] } | undefined)?.Services ?? []).length;
  const monthly = hourly * hours * count + p.cloudMapInstanceMonth * count * published;
  const cloudMap = published > 0 ? ` + ${count * published} Cloud Map instance${count * published > 1 ? 's' : ''}` : '';
  return { monthly, detail: `${count} × ${vcpu} vCPU/${gb} GB ${arch} Fargate${spot ? ' Spot' : ''}${cloudMap}` };
}

/** A cluster itself is free; Container Insights, when on, is billed as custom metrics per cluster and service. */
function ecsCluster({ id, props, resources, p }: Priceable): Priced {
  const insights = JSON.stringify(props.ClusterSettings ?? []).includes('"Value":"enabled"');
  const services = Object.values(resources).filter(
    (r) => r.Type === 'AWS::ECS::Service' && (r.Properties?.Cluster as { Ref?: string } | undefined)?.Ref === id,
  ).length;
  const metrics = insights ? p.containerInsightsMetrics.perCluster + p.containerInsightsMetrics.perService * services : 0;
  return { monthly: metrics * p.customMetricMonth, detail: insights ? `Container Insights: ~${metrics} custom metrics` : 'no Container Insights' };
}

function alarm({ props, p }: Priceable): Priced {
  // Priced per metric it reads: a metric-math alarm pays for each metric in its expression.
  const metrics = Array.isArray(props.Metrics) ? props.Metrics.filter((m) => (m as Properties).MetricStat !== undefined).length : 1;
  // The metric the services report every minute (EMF, in no template) is a custom metric that always has
  // data: its alarm is the one place a template names it, one alarm per metric.
  const reported = props.Namespace === OUTBOX_BACKLOG_METRIC.namespace;
  const detail = metrics > 1 ? `standard-resolution alarm on ${metrics} metrics` : 'standard-resolution alarm';
  return { monthly: metrics * p.alarmMonth + (reported ? p.customMetricMonth : 0), detail: reported ? `${detail} + the custom metric the service reports` : detail };
}

function webAcl({ props, p }: Priceable): Priced {
  const rules = Array.isArray(props.Rules) ? props.Rules.length : 0;
  return { monthly: p.wafWebAclMonth + rules * p.wafRuleMonth, detail: `web ACL + ${rules} rule${rules === 1 ? '' : 's'} (+${money(p.wafMillionRequests)} per million requests)` };
}

/** The resource types with an idle cost; any other type is usage-only, free or unpriced, as the price table says. */
export const PRICERS = new Map<string, Pricer>([
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', ({ p, hours }) => ({ monthly: p.albHour * hours, detail: `ALB hours at ${money(p.albHour)}/h (LCUs extra under load)` })],
  ['AWS::EC2::NatGateway', ({ p, hours }) => ({ monthly: p.natGatewayHour * hours, detail: `NAT gateway hours at ${money(p.natGatewayHour)}/h (+$0.045/GB processed)` })],
  ['AWS::EC2::EIP', ({ p, hours }) => ({ monthly: p.publicIpv4Hour * hours, detail: `public IPv4 address at ${money(p.publicIpv4Hour)}/h` })],
  ['AWS::EC2::Instance', ec2Instance],
  ['AWS::EC2::VPCEndpoint', vpcEndpoint],
  ['AWS::RDS::DBInstance', rdsInstance],
  ['AWS::ECS::Service', ecsService],
  ['AWS::ECS::Cluster', ecsCluster],
  ['AWS::SecretsManager::Secret', ({ p }) => ({ monthly: p.secretMonth, detail: 'secret' })],
  ['AWS::CloudWatch::Alarm', alarm],
  ['AWS::CloudWatch::Dashboard', ({ p }) => ({ monthly: p.dashboardMonth, detail: 'dashboard (the first 3 of an account are free)' })],
  ['AWS::WAFv2::WebACL', webAcl],
  ['AWS::KMS::Key', ({ p }) => ({ monthly: p.kmsKeyMonth, detail: 'customer-managed key' })],
]);
