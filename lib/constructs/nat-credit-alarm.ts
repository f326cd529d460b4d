/**
 * An alarm on a NAT instance that bills surplus CPU credits. On unlimited credits (network.ts says why), a
 * burstable instance kept above its baseline CPU (5 % of each vCPU on a t4g.nano) for longer than its earned credits
 * last is charged for the surplus by the hour, and nothing else would show it before the bill: the same watch the
 * burstable databases have (observability.ts, `cpu-credits-charged`).
 *
 * It lives beside the instance, in the data stack, with no action of its own: the instance's id changes each time the
 * instance is replaced (a new image), and an app stack that read it would hold an export CloudFormation refuses to
 * change, failing that deploy. The app stack forwards its state changes to the alerts topic by its name instead
 * (alarm-state-alert.ts).
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IInstance } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** The alarm's name for a stage's NAT instance: the app stack forwards it by this name. */
export function natCreditAlarmName(prefix: string, index: number): string {
  return `${prefix}-nat${index}-cpu-credits-charged`;
}

export interface NatCreditAlarmProps {
  /** The NAT instance, of a burstable type on unlimited CPU credits. */
  readonly instance: IInstance;
  /** Its name (natCreditAlarmName), known to the app stack that forwards it. */
  readonly alarmName: string;
}

export class NatCreditAlarm extends Construct {
  public readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: NatCreditAlarmProps) {
    super(scope, id);
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: props.alarmName,
      alarmDescription:
        'EC2 billed the NAT instance surplus CPU credits this hour: it ran above its baseline CPU for longer than its earned credits last ' +
        '(unlimited mode, about $0.04 per vCPU-hour beyond the hourly price). What to do: docs/deploy.md, section 12.',
      metric: new Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUSurplusCreditsCharged',
        dimensionsMap: { InstanceId: props.instance.instanceId },
        period: Duration.hours(1),
        statistic: 'Sum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data: nothing charged (EC2 reports the metric only while surplus accrues), or the instance is being replaced.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
