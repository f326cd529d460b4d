/**
 * The alarm on a producing service's outbox backlog: the age of its oldest unsent event, which each of its tasks
 * reports every minute (services/kit/outbox/backlog-probe.ts, under the names of services/contracts/outbox-backlog.ts).
 * The relay only logs and retries while it cannot publish (SNS permissions broken by a deploy, throttling, a poison
 * row, the relay stuck); the events pile up, and this alarm is what pages someone.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, type IDependable } from 'constructs';
import { OUTBOX_BACKLOG_METRIC } from '../../services/contracts/outbox-backlog';
import { OUTBOX_METRIC_PERIOD, outboxMetric } from './outbox-metric';

export interface OutboxBacklogAlarmProps {
  /** The producing service, as in SERVICES: the metric's Service dimension. */
  readonly serviceName: string;
  /** The service's BUS_PREFIX (`platform-<stage>`): the metric's BusPrefix dimension. */
  readonly busPrefix: string;
  /** Prefixes the alarm's name, as the stage's other alarms are (`platform-<stage>`). */
  readonly namePrefix: string;
  /** The service whose tasks report the metric: the alarm is made once it runs, so a new stage starts with data, not a page. */
  readonly reportedBy: IDependable;
  /** How long the oldest unsent event may wait. @default 5 minutes */
  readonly maxAge?: Duration;
  /**
   * One-minute periods in a row, each past `maxAge` or without a report, before it fires. Five: a database that is
   * briefly unreachable (a Multi-AZ failover, a minor upgrade) silences the reports without paging. @default 5
   */
  readonly periods?: number;
}

/** A minute: each holds two reports of each task. */
const PERIOD = OUTBOX_METRIC_PERIOD;

export class OutboxBacklogAlarm extends Construct {
  public readonly metric: Metric;
  public readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: OutboxBacklogAlarmProps) {
    super(scope, id);
    const maxAge = props.maxAge ?? Duration.minutes(5);
    const periods = props.periods ?? 5;
    validate(props.serviceName, maxAge, periods);
    // The oldest row any task saw is the one waiting.
    this.metric = outboxMetric(OUTBOX_BACKLOG_METRIC.name, props);
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: `${props.namePrefix}-${props.serviceName}-outbox-backlog`,
      alarmDescription:
        `${props.serviceName}'s oldest unsent outbox event has waited over ${maxAge.toHumanString()}, or ${props.serviceName} has not ` +
        `reported its outbox, for ${periods} minutes: its events are not reaching the topic. docs/events.md, "Outbox backlog".`,
      metric: this.metric,
      threshold: maxAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      // Missing data breaches. Every task reports twice a minute, 0 included, and a service always runs a task, so a
      // minute without a report means no task could read its outbox (its database unreachable, the process hung) or
      // the reports no longer become this metric (a name changed on one side, a log driver that drops them). Either
      // way no one can say events are going out, which is what this alarm answers; "not breaching" would keep it
      // quiet, and wrongly OK, for exactly as long as it is blind. Five minutes in a row, so that a database briefly
      // unreachable (a failover, a minor upgrade) does not page as a backlog.
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.alarm.node.addDependency(props.reportedBy);
  }
}

function validate(serviceName: string, maxAge: Duration, periods: number): void {
  const where = `OutboxBacklogAlarm "${serviceName}"`;
  const seconds = maxAge.toSeconds({ integral: false });
  // The alarm reads a minute at a time: a shorter limit cannot be watched.
  if (!Number.isInteger(seconds) || seconds < PERIOD.toSeconds()) {
    throw new Error(`${where}: maxAge must be whole seconds, at least ${PERIOD.toSeconds()}; got ${seconds}`);
  }
  if (!Number.isInteger(periods) || periods < 1) throw new Error(`${where}: periods must be a whole number of at least 1; got ${periods}`);
}
