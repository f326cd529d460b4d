import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { createPlatform } from '../../lib/platform';
import { STAGES, withDatabaseAccess, withDatabaseAccessImage } from '../../lib/stages';
import { nagFacts } from './nag-facts';
import { stageTemplates } from './stage-templates';
import { disposeTestApps, refusedSecurityGroupText, resourcesOf, TEST_ENV, testApp } from './synth';

afterEach(disposeTestApps);

const synthesized = await stageTemplates();
const hostsOf = (template: Template) => Object.values(resourcesOf(template, 'AWS::EC2::Instance')).filter((instance) => JSON.stringify(instance.Properties?.Tags).includes('database-access'));

describe('the operators\' database access host in a stage', () => {
  it('when no one asks for it, then neither stage has one', () => {
    expect(STAGES.dev.databaseAccess).toBe(false);
    expect(STAGES.prod.databaseAccess).toBe(false);
    for (const stage of ['dev', 'prod'] as const) expect(hostsOf(synthesized[stage].appTemplate)).toEqual([]);
  });

  // A whole prod synthesis with CloudFormation's rule check: 7 s alone, 20 s in a full run on a slow host (2026-12-02),
  // over 30 s beside busy loops.
  it('when -c databaseAccess=true, then prod gets one that reaches each of its three instances, and passes cdk-nag', { timeout: 120_000 }, () => {
    // With CloudFormation's own rule check too: prod's templates are checked so, but with the host off.
    const test = testApp({ bundle: false, cfnValidation: true });
    const platform = createPlatform(test.app, { stage: withDatabaseAccess(STAGES.prod, 'true'), env: TEST_ENV });
    test.app.synth();
    const app = Template.fromStack(platform.app);
    expect(hostsOf(app)).toHaveLength(1);
    // Each instance's side of the tunnel: an ingress rule from the host's group, on the instance's port.
    const fromHost = Object.values(resourcesOf(app, 'AWS::EC2::SecurityGroupIngress')).filter((rule) => JSON.stringify(rule.Properties?.SourceSecurityGroupId).includes('DatabaseAccessSecurityGroup'));
    const instanceGroups = fromHost.map((rule) => JSON.stringify(rule.Properties?.GroupId).match(/(Identity|Product|Billing)Database/)?.[1]).sort();
    expect(instanceGroups).toEqual(['Billing', 'Identity', 'Product']);
    expect(Object.keys(app.findOutputs('*')).filter((name) => name.startsWith('DatabaseAccess')).sort()).toEqual([
      expect.stringMatching(/^DatabaseAccessHostBastionHostId/),
      expect.stringMatching(/^DatabaseAccessOwnerRoleArn/),
      expect.stringMatching(/^DatabaseAccessRowsRoleArn/),
    ]);
    expect(nagFacts(test.app).findings).toEqual([]);
    expect(refusedSecurityGroupText(app)).toEqual([]);
  });

  it('when the same stage is synthesized for two regions, then its operator roles are named apart: IAM names are global to the account, so the second region\'s deploy would otherwise fail on the first one\'s roles', () => {
    const roleNames = (region: string) => {
      const test = testApp({ bundle: false });
      // The AZs a deploy with credentials looks up once (cdk.context.json), here for the second region too.
      test.app.node.setContext(`availability-zones:account=${TEST_ENV.account}:region=${region}`, [`${region}a`, `${region}b`]);
      const platform = createPlatform(test.app, { stage: withDatabaseAccess(STAGES.dev, 'true'), env: { ...TEST_ENV, region } });
      const roles = Object.values(resourcesOf(Template.fromStack(platform.app), 'AWS::IAM::Role'));
      return roles.map((role) => role.Properties?.RoleName).filter((name) => typeof name === 'string' && name.includes('-db-')).sort();
    };
    expect(roleNames('us-east-1')).toEqual(['platform-dev-us-east-1-db-owner', 'platform-dev-us-east-1-db-rows']);
    expect(roleNames('eu-west-1')).toEqual(['platform-dev-eu-west-1-db-owner', 'platform-dev-eu-west-1-db-rows']);
  });

  it('when -c databaseAccessImageId pins an image, then the stage\'s host runs that image', () => {
    const test = testApp({ bundle: false });
    const stage = withDatabaseAccessImage(withDatabaseAccess(STAGES.dev, 'true'), 'ami-0123456789abcdef0');
    const platform = createPlatform(test.app, { stage, env: TEST_ENV });
    expect(hostsOf(Template.fromStack(platform.app)).map((host) => host.Properties?.ImageId)).toEqual(['ami-0123456789abcdef0']);
  });
});
