/**
 * The alarm on a producing service's outbox rows failed for good: rows the relay found it can never publish (too big
 * for SNS) and never retries (failed_at). Each task reports their count beside the backlog age
 * (services/kit/outbox/backlog-probe.ts, under the names of services/contracts/outbox-backlog.ts). Such a row is left
 * out of the backlog age, whose alarm would otherwise stay on for ever and could not page again for a new outage of
 * the relay; this alarm pages for it once instead, and clears when an operator has decided (docs/events.md).
 */
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { OUTBOX_BACKLOG_METRIC } from '../../services/contracts/outbox-backlog';
import { outboxMetric } from './outbox-metric';

export interface OutboxFailedAlarmProps {
  /** The producing service, as in SERVICES: the metric's Service dimension. */
  readonly serviceName: string;
  /** The service's BUS_PREFIX (`platform-<stage>`): the metric's BusPrefix dimension. */
  readonly busPrefix: string;
  /** Prefixes the alarm's name, as the stage's other alarms are (`platform-<stage>`). */
  readonly namePrefix: string;
}

export class OutboxFailedAlarm extends Construct {
  public readonly metric: Metric;
  public readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: OutboxFailedAlarmProps) {
    super(scope, id);
    this.metric = outboxMetric(OUTBOX_BACKLOG_METRIC.failed.name, props);
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: `${props.namePrefix}-${props.serviceName}-outbox-failed`,
      alarmDescription:
        `${props.serviceName}'s outbox holds events the relay can never publish (failed_at: too big for SNS); they are never retried ` +
        `and their consumers will not learn of them until an operator decides. docs/events.md, "Outbox backlog".`,
      metric: this.metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // One minute is enough: the count does not come and go, a failed row stays until someone acts on it.
      evaluationPeriods: 1,
      // Not breaching: a silent minute says nothing of failed rows, and the backlog alarm, which reads the same
      // report line, already pages for silence. Breaching here too would page twice for one cause.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
