/**
 * Pages the alerts topic when an alarm of another stack of the app goes into ALARM, and again when it is back to OK,
 * as the alarms with actions do. For an alarm that cannot have this stack's topic as its action: the data stack's
 * NAT credit alarm (nat-credit-alarm.ts), which watches an instance whose id the app stack must not reference.
 * CloudWatch sends every alarm's state change to the default EventBridge bus; a rule matches these alarms by their
 * names (no reference between the stacks) and publishes a short message. Rules on AWS service events are free.
 */
import { Stack } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { publishRuleToTopic } from './rule-to-topic';

export interface AlarmStateAlertProps {
  /** Names the rule (`<name>-forwarded-alarms`) and starts the message, so a page says which stage. */
  readonly name: string;
  /** The alarms' names, in this stack's account and region; at least one. */
  readonly alarmNames: readonly string[];
  /** The alerts topic: one of this app's, since its policy gets a statement letting this rule publish. */
  readonly topic: ITopic;
}

export class AlarmStateAlert extends Construct {
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AlarmStateAlertProps) {
    super(scope, id);
    if (props.alarmNames.length === 0) throw new Error('AlarmStateAlert needs at least one alarm name; got none');
    const { account, region, partition } = Stack.of(this);

    this.rule = new Rule(this, 'Rule', {
      ruleName: `${props.name}-forwarded-alarms`,
      description: `Alarms of another stack of ${props.name} changed state: pages the alerts topic`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: props.alarmNames.map((name) => `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`),
        // Into ALARM, and back to OK from it; not the first OK after the alarm is made (from INSUFFICIENT_DATA).
        detail: { $or: [{ state: { value: ['ALARM'] } }, { state: { value: ['OK'] }, previousState: { value: ['ALARM'] } }] },
      },
    });

    const field = (path: string) => EventField.fromPath(`$.detail.${path}`);
    const message = RuleTargetInput.fromText(
      `${props.name}: ${field('alarmName')} is ${field('state.value')} (${EventField.time}): ${field('configuration.description')} ${field('state.reason')}`,
    );
    publishRuleToTopic({ rule: this.rule, topic: props.topic, sid: 'ForwardedAlarmsPublish', message, by: 'AlarmStateAlert' });
  }
}
