import { afterEach, describe, expect, it } from 'vitest';
import { createPlatform } from '../../lib/platform';
import { STAGES } from '../../lib/stages';
import { stageTemplates } from './stage-templates';
import { disposeTestApps, resourcesOf, TEST_ENV, testApp } from './synth';

afterEach(disposeTestApps);

describe('the platform\'s stacks', () => {
  it.each([
    ['prod', true],
    ['dev', false],
  ] as const)('when %s, then termination protection on both stacks is %s: the app stack holds the user pool, its groups and members', (stage, on) => {
    // Built without synthesis or bundling: termination protection is a property of the stacks themselves.
    const platform = createPlatform(testApp({ bundle: false }).app, { stage: STAGES[stage], env: TEST_ENV });
    expect([platform.data.terminationProtection, platform.app.terminationProtection]).toEqual([on, on]);
  });
});

// Synthesized once for the whole run (the global setup); these tests read the templates.
const synthesized = await stageTemplates();

describe('the NAT instance\'s CPU credits, across the stacks', () => {
  it('when dev runs its NAT instance on unlimited credits, then the data stack alarms when surplus is charged and the app stack pages that alarm by name, with no reference to the instance (whose id each new image changes)', () => {
    const { dataTemplate, appTemplate } = synthesized.dev;
    const [natId, nat] = Object.entries(resourcesOf(dataTemplate, 'AWS::EC2::Instance'))[0] as [string, { Properties: Record<string, unknown> }];
    expect(nat.Properties).not.toHaveProperty('CreditSpecification'); // T4g's default: unlimited
    const alarms = Object.values(resourcesOf(dataTemplate, 'AWS::CloudWatch::Alarm'));
    expect(alarms.map((alarm) => [alarm.Properties?.AlarmName, alarm.Properties?.Dimensions])).toEqual([['platform-dev-nat0-cpu-credits-charged', [{ Name: 'InstanceId', Value: { Ref: natId } }]]]);
    const rules = Object.values(resourcesOf(appTemplate, 'AWS::Events::Rule')).filter((rule) => JSON.stringify(rule.Properties?.EventPattern).includes('CloudWatch Alarm State Change'));
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0]!.Properties?.EventPattern)).toContain(':alarm:platform-dev-nat0-cpu-credits-charged');
    expect(JSON.stringify(appTemplate.toJSON())).not.toMatch(/(ImportValue|GetStackOutput)[^}]*(NatInstance|NatCredits)/);
  });
});
