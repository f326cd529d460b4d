/**
 * The alarm a deployment watches: the service's own faults (500s, bugs), as a share of its requests. Counting every
 * 5xx at the load balancer would roll a release back for a dependency being down (its 503s), which the previous
 * release would answer the same, and a fixed count would roll back a busy service for a rate a quiet one never
 * reaches. The faults come from the service's log (services/contracts/server-faults.ts), through a metric filter:
 * HTTP requests and gRPC calls alike. The load balancer counts only the HTTP requests, so Product's gRPC faults are set
 * against its REST traffic: a release that breaks GetPrices trips the alarm all the sooner.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FAILED_REQUEST_LOG, SERVER_FAULT_STATUS } from '../../services/contracts/server-faults';

/** Faults a minute below which the share does not matter: a handful of errors on a quiet service is not a release gone bad. */
export const FAULTS_FLOOR = 10;
/** The share of requests, in percent, that faults may reach. */
export const FAULT_PERCENT_LIMIT = 5;

export interface ServerFaultAlarmProps {
  readonly serviceName: string;
  readonly logGroup: ILogGroup;
  readonly targetGroup: ApplicationTargetGroup;
}

/** Made in the service's own scope, under the ids the alarm has always had, so an update changes it in place. */
export function serverFaultAlarm(scope: Construct, { serviceName, logGroup, targetGroup }: ServerFaultAlarmProps): Alarm {
  const stackName = Stack.of(scope).stackName;
  const filter = new MetricFilter(scope, 'ServerFaults', {
    logGroup,
    filterPattern: FilterPattern.all(
      FilterPattern.any(FilterPattern.stringValue('$.msg', '=', FAILED_REQUEST_LOG.message), FilterPattern.stringValue('$.msg', '=', FAILED_REQUEST_LOG.rpcMessage)),
      FilterPattern.numberValue(`$.${FAILED_REQUEST_LOG.statusField}`, '=', SERVER_FAULT_STATUS),
    ),
    metricNamespace: `Platform/${stackName}`,
    metricName: 'ServerFaults',
    dimensions: { Service: `$.${FAILED_REQUEST_LOG.serviceField}` },
    metricValue: '1',
  });
  const minute = { period: Duration.minutes(1), statistic: 'Sum' };
  const faultShare = new MathExpression({
    label: `${serviceName} faults, % of requests`,
    expression: `IF(faults > ${FAULTS_FLOOR}, 100 * faults / requests, 0)`,
    usingMetrics: {
      faults: filter.metric({ ...minute, dimensionsMap: { Service: serviceName } }),
      requests: targetGroup.metrics.requestCount(minute),
    },
    period: Duration.minutes(1),
  });
  return new Alarm(scope, 'ServerErrors', {
    alarmName: `${stackName}-${serviceName}-5xx`,
    alarmDescription:
      `${serviceName} answered more than ${FAULTS_FLOOR} faults of its own (500s) a minute, over ${FAULT_PERCENT_LIMIT} % of its requests, ` +
      'for 2 minutes; a deployment under way rolls back (unless deployed with -c deploymentRollback=false).',
    metric: faultShare,
    threshold: FAULT_PERCENT_LIMIT,
    evaluationPeriods: 2,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
