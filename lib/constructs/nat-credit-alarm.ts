/**
 * An alarm on a NAT instance that has run out of CPU credits. On standard credits (network.ts), a burstable
 * instance that has spent them runs at its baseline CPU (5 % of each vCPU on a t4g.nano), and every task's egress
 * through it (image pulls, Cognito's keys, SNS, SQS, Secrets Manager) slows, with nothing else to say why.
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

/** Below this many credits the instance has nothing left to burst with: it runs at its baseline. */
export const NAT_CREDIT_FLOOR = 1;
/**
 * 12 periods of 5 minutes, an hour. A replaced instance starts with no credits (a T4g gets no launch credits) and
 * idles back above the floor within about half an hour of its start (a t4g.nano earns 6 an hour), so only an
 * instance kept busy stays below it for an hour.
 */
const PERIODS = 12;

/** The alarm's name for a stage's NAT instance: the app stack forwards it by this name. */
export function natCreditAlarmName(prefix: string, index: number): string {
  return `${prefix}-nat${index}-cpu-credits`;
}

export interface NatCreditAlarmProps {
  /** The NAT instance, on standard CPU credits. */
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
        'The NAT instance has had less than 1 CPU credit for an hour: on standard credits it runs at its baseline CPU, and the egress of every task slows. ' +
        'What to do: docs/deploy.md, section 12.',
      metric: new Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUCreditBalance',
        dimensionsMap: { InstanceId: props.instance.instanceId },
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: NAT_CREDIT_FLOOR,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: PERIODS,
      // No data: the instance is being replaced, or not yet reporting; a page would say nothing about egress.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
