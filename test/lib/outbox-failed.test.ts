/**
 * The outbox failed-events alarms of the real stages, read against what the services report (services/kit/outbox/
 * backlog-probe.ts): the count of rows the relay can never publish, beside the backlog age. Such rows are left out of
 * the age, so without this alarm nobody would be paged for them.
 */
import { describe, expect, it } from 'vitest';
import { producedBy } from '../../services/contracts/events';
import { OUTBOX_BACKLOG_METRIC } from '../../services/contracts/outbox-backlog';
import { SERVICE_NAMES } from '../../services/contracts/services';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();
const { namespace, failed, dimensions } = OUTBOX_BACKLOG_METRIC;
const producers = SERVICE_NAMES.filter((service) => producedBy(service).length > 0);

describe.each(['dev', 'prod'] as const)('outbox failed-events alarms (%s)', (stage) => {
  const template = synthesized[stage].appTemplate;
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(
    (alarm) => alarm.Properties?.Namespace === namespace && alarm.Properties?.MetricName === failed.name,
  );
  const alarmOf = (service: string) => {
    const found = alarms.find((alarm) => alarm.Properties?.AlarmName === `platform-${stage}-${service}-outbox-failed`);
    if (!found) throw new Error(`${stage}: no outbox failed-events alarm for ${service}`);
    return found;
  };

  it('when synthesized, then each service that produces events, and no other, has one, on the count its tasks report under their BUS_PREFIX', () => {
    expect(alarms).toHaveLength(producers.length);
    for (const service of producers) {
      const alarm = alarmOf(service);
      // The BUS_PREFIX its tasks are given (outbox-backlog.test.ts reads it from the task definition).
      expect(alarm.Properties?.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: dimensions.service, Value: service },
          { Name: dimensions.busPrefix, Value: `platform-${stage}` },
        ]),
      );
      expect(alarm.Properties?.Dimensions).toHaveLength(2);
    }
  });

  it('when synthesized, then it fires on any failed event in a minute, and a minute without a report is no breach (the backlog alarm pages for silence)', () => {
    for (const service of producers) {
      expect(alarmOf(service).Properties).toMatchObject({
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      expect(alarmOf(service).Properties).not.toHaveProperty('Unit'); // a unit filter that differed would hide every report
    }
  });

  it('when it fires and when it clears, then it notifies the alerts topic, as the backlog alarm does', () => {
    const [topicId] = Object.keys(resourcesOf(template, 'AWS::SNS::Topic')).filter((id) => id.startsWith('ObservabilityAlerts'));
    for (const service of producers) {
      expect(alarmOf(service).Properties?.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarmOf(service).Properties?.OKActions).toEqual([{ Ref: topicId }]);
    }
  });
});
