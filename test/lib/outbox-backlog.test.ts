/**
 * The outbox backlog alarms of the real stages, read against what the services report (services/kit/outbox/
 * backlog-probe.ts): the same namespace, metric and dimension names (the contract), and the same BUS_PREFIX value the
 * service's tasks are given. A mismatch would leave an alarm watching a metric nobody reports.
 */
import { describe, expect, it } from 'vitest';
import { producedBy } from '../../services/contracts/events';
import { OUTBOX_BACKLOG_METRIC } from '../../services/contracts/outbox-backlog';
import { SERVICE_NAMES } from '../../services/contracts/services';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();
const { namespace, name, dimensions } = OUTBOX_BACKLOG_METRIC;
const producers = SERVICE_NAMES.filter((service) => producedBy(service).length > 0);

interface Dimension {
  Name: string;
  Value: unknown;
}

describe.each(['dev', 'prod'] as const)('outbox backlog alarms (%s)', (stage) => {
  const template = synthesized[stage].appTemplate;
  const resources = template.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[]; Properties: Record<string, unknown> }>;
  // The failed-events alarms share the namespace (outbox-failed.test.ts).
  const alarms = Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(
    ([, alarm]) => alarm.Properties?.Namespace === namespace && alarm.Properties?.MetricName === name,
  );
  const serviceOf = (alarm: { Properties?: Record<string, unknown> }) =>
    (alarm.Properties?.Dimensions as Dimension[]).find((dimension) => dimension.Name === dimensions.service)?.Value;
  /** The BUS_PREFIX a service's container is given. */
  const busPrefixOf = (service: string) => {
    const task = Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition')).find((each) =>
      (each.Properties?.ContainerDefinitions as { Name: string }[]).some((container) => container.Name === service),
    );
    const container = (task?.Properties?.ContainerDefinitions as { Name: string; Environment: { Name: string; Value: unknown }[] }[]).find((each) => each.Name === service);
    return container?.Environment.find((variable) => variable.Name === 'BUS_PREFIX')?.Value;
  };
  const alarmOf = (service: string) => {
    const found = alarms.find(([, alarm]) => serviceOf(alarm) === service);
    if (!found) throw new Error(`${stage}: no outbox backlog alarm for ${service}`);
    return found;
  };

  it('when synthesized, then each service that produces events, and no other, has one, on the metric its tasks report under their own BUS_PREFIX', () => {
    expect([...producers].sort()).toEqual(['billing', 'identity']);
    expect(alarms.map(([, alarm]) => serviceOf(alarm)).sort()).toEqual([...producers].sort());
    for (const service of producers) {
      const [, alarm] = alarmOf(service);
      expect(alarm.Properties).toMatchObject({ AlarmName: `platform-${stage}-${service}-outbox-backlog`, MetricName: name, Namespace: namespace });
      expect(alarm.Properties?.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: dimensions.service, Value: service },
          { Name: dimensions.busPrefix, Value: busPrefixOf(service) },
        ]),
      );
      expect(alarm.Properties?.Dimensions).toHaveLength(2);
      expect(busPrefixOf(service)).toBe(`platform-${stage}`);
    }
  });

  it('when synthesized, then it fires once the oldest unsent event has waited over 5 minutes, or no task has reported, two one-minute periods running', () => {
    for (const service of producers) {
      const [, alarm] = alarmOf(service);
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 300,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 5,
        TreatMissingData: 'breaching',
      });
      expect(alarm.Properties).not.toHaveProperty('Unit'); // a unit filter that differed would hide every report
    }
  });

  it('when it fires and when it clears, then it notifies the alerts topic', () => {
    const [topicId] = Object.keys(resourcesOf(template, 'AWS::SNS::Topic')).filter((id) => id.startsWith('ObservabilityAlerts'));
    for (const service of producers) {
      const [, alarm] = alarmOf(service);
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties?.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('when a stage is first deployed, then each is made only after its service runs, so it meets reports rather than a silence it would page for', () => {
    for (const service of producers) {
      const [id] = alarmOf(service);
      const [serviceId] = Object.entries(resources).find(([logicalId, resource]) => resource.Type === 'AWS::ECS::Service' && logicalId.toLowerCase().startsWith(service))!;
      expect(resources[id]?.DependsOn, id).toContain(serviceId);
    }
  });
});
