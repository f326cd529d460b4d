/**
 * Issue 9, "prod's threat protection": configured knowingly (docs/identity.md, "Threat protection"). Prod runs
 * the Plus plan in enforce mode, blocking leaked passwords, with account-takeover risk audited only, because
 * Cognito sees the Identity service's addresses, not the client's. Dev (Essentials) has none.
 */
import { describe, expect, it } from 'vitest';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();

describe('threat protection', () => {
  it('when prod is synthesized, then it enforces, blocks compromised credentials and takes no account-takeover action', () => {
    const { appTemplate } = synthesized.prod;
    const [pool] = Object.values(resourcesOf(appTemplate, 'AWS::Cognito::UserPool'));
    expect(pool?.Properties).toMatchObject({ UserPoolTier: 'PLUS', UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' } });
    const attachments = Object.values(resourcesOf(appTemplate, 'AWS::Cognito::UserPoolRiskConfigurationAttachment'));
    expect(attachments).toHaveLength(1);
    const risk = attachments[0]!.Properties!;
    expect(risk.ClientId).toBe('ALL');
    expect(risk.CompromisedCredentialsRiskConfiguration).toMatchObject({ Actions: { EventAction: 'BLOCK' } });
    const actions = (risk.AccountTakeoverRiskConfiguration as { Actions: Record<string, { EventAction: string }> }).Actions;
    expect(Object.values(actions).map((action) => action.EventAction)).toEqual(['NO_ACTION', 'NO_ACTION', 'NO_ACTION']);
  });

  it('when dev is synthesized, then its Essentials pool has no threat protection to configure', () => {
    const { appTemplate } = synthesized.dev;
    expect(Object.keys(resourcesOf(appTemplate, 'AWS::Cognito::UserPoolRiskConfigurationAttachment'))).toEqual([]);
  });
});
