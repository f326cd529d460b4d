/**
 * A figure a producing service's tasks report of its outbox (services/kit/outbox/backlog-probe.ts, under the names
 * of services/contracts/outbox-backlog.ts), as its alarms read it: a minute at a time (the shortest period of a
 * standard-resolution metric), the Maximum, since every task of the service reads the same outbox.
 */
import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { OUTBOX_BACKLOG_METRIC } from '../../services/contracts/outbox-backlog';

export interface OutboxMetricOf {
  /** The producing service, as in SERVICES: the metric's Service dimension. */
  readonly serviceName: string;
  /** The service's BUS_PREFIX (`platform-<stage>`): the metric's BusPrefix dimension. */
  readonly busPrefix: string;
}

export const OUTBOX_METRIC_PERIOD = Duration.minutes(1);

export function outboxMetric(metricName: string, of: OutboxMetricOf): Metric {
  const { namespace, dimensions } = OUTBOX_BACKLOG_METRIC;
  return new Metric({
    namespace,
    metricName,
    dimensionsMap: { [dimensions.service]: of.serviceName, [dimensions.busPrefix]: of.busPrefix },
    statistic: 'Maximum',
    period: OUTBOX_METRIC_PERIOD,
  });
}
