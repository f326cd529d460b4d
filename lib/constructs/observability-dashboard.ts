/**
 * The dashboard of Observability (observability.ts): API errors and latency, ECS CPU and memory, healthy targets,
 * RDS, dead letters, and the state of every alarm. Only free, always-on metrics.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { type Alarm, AlarmStatusWidget, Dashboard, GraphWidget, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { ObservabilityProps, ObservedService } from './observability';

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/** Made in the Observability construct's own scope, under the id it has always had, so an update changes it in place. */
export function observabilityDashboard(scope: Construct, props: ObservabilityProps, alarms: readonly Alarm[]): Dashboard {
  const { api } = props;
  // Dashboards are global to the account, not regional: the same stage deployed in a second region (a move, a drill)
  // would take over the first one's dashboard under a bare name, and the first one's destroy delete it. The region
  // keeps each its own.
  const dashboardName = `${props.name}-${Stack.of(scope).region}`;
  const dashboard = new Dashboard(scope, 'Dashboard', { dashboardName, defaultInterval: Duration.hours(3) });
  const graph = (title: string, left: IMetric[], right: IMetric[] = []) => new GraphWidget({ title, left, right, width: 8, height: 6 });
  const perService = (make: (s: ObservedService) => IMetric) => props.services.map(make);
  dashboard.addWidgets(
    graph('API requests and errors', [
      api.metricCount({ period: ONE_MINUTE, label: 'requests' }),
      api.metricClientError({ period: ONE_MINUTE, statistic: 'Sum', label: '4xx' }),
      api.metricServerError({ period: ONE_MINUTE, statistic: 'Sum', label: '5xx' }),
    ]),
    graph('API latency (ms)', [
      api.metricLatency({ period: ONE_MINUTE, statistic: 'p50', label: 'p50' }),
      api.metricLatency({ period: ONE_MINUTE, statistic: 'p99', label: 'p99' }),
      api.metricIntegrationLatency({ period: ONE_MINUTE, statistic: 'p99', label: 'integration p99' }),
    ]),
    new AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 8, height: 6 }),
  );
  if (props.firewallBlocks && props.firewallBlocks.length > 0) dashboard.addWidgets(graph('WAF blocked requests', [...props.firewallBlocks]));
  dashboard.addWidgets(
    graph('ECS CPU %', perService((s) => s.service.metricCpuUtilization({ period: ONE_MINUTE, label: s.name }))),
    graph('ECS memory %', perService((s) => s.service.metricMemoryUtilization({ period: ONE_MINUTE, label: s.name }))),
    graph('Healthy tasks behind the ALB', perService((s) =>
      s.targetGroup.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum', label: s.name }))),
  );
  const dbLabel = (index: number) => (props.databases.length > 1 ? `db${index}` : 'db');
  dashboard.addWidgets(
    graph('RDS CPU % and connections',
      props.databases.map(({ instance }, i) => instance.metricCPUUtilization({ period: ONE_MINUTE, label: `${dbLabel(i)} CPU` })),
      props.databases.map(({ instance }, i) => instance.metricDatabaseConnections({ period: ONE_MINUTE, label: `${dbLabel(i)} connections` }))),
    graph('RDS free storage and memory (bytes)',
      props.databases.map(({ instance }, i) => instance.metricFreeStorageSpace({ period: FIVE_MINUTES, label: `${dbLabel(i)} storage` })),
      props.databases.map(({ instance }, i) => instance.metricFreeableMemory({ period: FIVE_MINUTES, label: `${dbLabel(i)} memory` }))),
    graph('Dead-letter queue depth', props.deadLetterQueues.map(({ name, queue }) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum', label: name }))),
  );
  return dashboard;
}
