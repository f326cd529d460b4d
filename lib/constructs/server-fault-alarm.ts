/**
 * The alarm a deployment watches: the service's own faults (500s, bugs, and statements stopped at their time limit),
 * as a share of its requests and calls. Counting every 5xx at the load balancer would roll a release back for a
 * dependency being down (its 503s), which the previous release would answer the same, and a fixed count would roll
 * back a busy service for a rate a quiet one never reaches. The faults come from the service's log
 * (services/contracts/server-faults.ts), through a metric filter: HTTP requests and gRPC calls alike. The load
 * balancer counts only the HTTP requests, so a service with a gRPC port also counts its calls from its log.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { FilterPattern, MetricFilter, type IFilterPattern, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { REQUEST_LOG } from '../../services/contracts/server-faults';

/** Faults a minute below which the share does not matter: a handful of errors on a quiet service is not a release gone bad. */
export const FAULTS_FLOOR = 10;
/** The share of requests and calls, in percent, that faults may reach. */
export const FAULT_PERCENT_LIMIT = 5;

export interface ServerFaultAlarmProps {
  readonly serviceName: string;
  readonly logGroup: ILogGroup;
  readonly targetGroup: ApplicationTargetGroup;
  /**
   * Whether the service also serves gRPC calls, which the load balancer does not see: they are counted from the log.
   * @default false
   */
  readonly servesCalls?: boolean;
}

const MINUTE = { period: Duration.minutes(1), statistic: 'Sum' };
const msgIs = (message: string) => FilterPattern.stringValue('$.msg', '=', message);

/** The alarm's name, literal: the service names it in its deployment configuration (microservice.ts). */
export const serverFaultAlarmName = (scope: Construct, serviceName: string) => `${Stack.of(scope).stackName}-${serviceName}-5xx`;

/** Made in the service's own scope, under the ids the alarm has always had, so an update changes it in place. */
export function serverFaultAlarm(scope: Construct, props: ServerFaultAlarmProps): Alarm {
  const { serviceName } = props;
  const stackName = Stack.of(scope).stackName;
  /** A count of the log lines that match, per minute, for this service. */
  const countOf = (id: string, filterPattern: IFilterPattern): IMetric =>
    new MetricFilter(scope, id, {
      logGroup: props.logGroup,
      filterPattern,
      metricNamespace: `Platform/${stackName}`,
      metricName: id,
      dimensions: { Service: `$.${REQUEST_LOG.serviceField}` },
      metricValue: '1',
    }).metric({ ...MINUTE, dimensionsMap: { Service: serviceName } });
  const faults = countOf(
    'ServerFaults',
    FilterPattern.all(FilterPattern.any(msgIs(REQUEST_LOG.message), msgIs(REQUEST_LOG.rpcMessage)), FilterPattern.booleanValue(`$.${REQUEST_LOG.faultField}`, true)),
  );
  const requests = props.targetGroup.metrics.requestCount(MINUTE);
  // A minute without requests or without calls has no data point for them: FILL keeps the sum defined.
  const [total, calls] = props.servesCalls ? ['FILL(requests, 0) + FILL(calls, 0)', { calls: countOf('Calls', msgIs(REQUEST_LOG.rpcMessage)) }] : ['requests', {}];
  const faultShare = new MathExpression({
    label: `${serviceName} faults, % of requests${props.servesCalls ? ' and calls' : ''}`,
    expression: `IF(faults > ${FAULTS_FLOOR}, 100 * faults / (${total}), 0)`,
    usingMetrics: { faults, requests, ...calls },
    period: Duration.minutes(1),
  });
  return new Alarm(scope, 'ServerErrors', {
    alarmName: serverFaultAlarmName(scope, serviceName),
    alarmDescription:
      `${serviceName} had more than ${FAULTS_FLOOR} faults of its own (500s, statement timeouts) a minute, over ${FAULT_PERCENT_LIMIT} % of its requests, ` +
      'for 2 minutes; a deployment under way rolls back (unless deployed with -c deploymentRollback=false).',
    metric: faultShare,
    threshold: FAULT_PERCENT_LIMIT,
    evaluationPeriods: 2,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
