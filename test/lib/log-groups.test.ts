/**
 * What a stack delete, or a delete and redeploy, does to each stage's CloudWatch log groups (lib/stages.ts,
 * `logRemoval`): prod keeps them for audit and forensics, dev removes them, and no kept group can make the next
 * deploy fail by already existing.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();

/** The log groups of both stacks of a stage, by logical id. */
function logGroups(stage: 'dev' | 'prod') {
  const { dataTemplate, appTemplate } = synthesized[stage];
  return [dataTemplate, appTemplate].flatMap((template: Template) => Object.entries(resourcesOf(template, 'AWS::Logs::LogGroup')));
}

/**
 * Whether a name is the same on every creation: a literal, or a join of literals and pseudo parameters. A generated
 * name, or one holding a resource's attribute (WAF's `aws-waf-logs-<web ACL id>`), is new whenever the group is.
 */
function fixedName(name: unknown): boolean {
  if (name === undefined) return false;
  if (typeof name === 'string') return true;
  const parts = (name as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1];
  const pseudo = (part: unknown) => typeof (part as { Ref?: unknown }).Ref === 'string' && (part as { Ref: string }).Ref.startsWith('AWS::');
  return parts !== undefined && parts.every((part) => typeof part === 'string' || pseudo(part));
}

/** The groups AWS names itself, and so a stage can never keep: an RDS instance's, and a hosted rotation function's. */
const NAMED_BY_AWS = [/^\/aws\/rds\/instance\/platform-[a-z]+-[a-z]+\/postgresql$/, /^\/aws\/lambda\/platform-[a-z]+-[a-z]+-rotation$/];

describe.each(['dev', 'prod'] as const)('log groups (%s)', (stage) => {
  it('when the stage is destroyed and deployed again, then no log group with a fixed name is left behind to clash', () => {
    const named = logGroups(stage).filter(([, group]) => fixedName(group.Properties?.LogGroupName));
    expect(named.length).toBeGreaterThan(0);
    for (const [id, group] of named) {
      expect(group.DeletionPolicy, id).toBe('Delete');
      // Only where AWS fixes the name: any other group takes a generated one, so the stage may keep it.
      expect(NAMED_BY_AWS.some((pattern) => pattern.test(group.Properties?.LogGroupName as string)), `${id}: ${String(group.Properties?.LogGroupName)}`).toBe(true);
    }
  });
});

describe('log groups on removal', () => {
  it('when prod is deleted, or a group replaced, then every log group whose name AWS does not fix is kept', () => {
    const kept = logGroups('prod').filter(([, group]) => !fixedName(group.Properties?.LogGroupName));
    for (const [id, group] of kept) expect([group.DeletionPolicy, group.UpdateReplacePolicy], id).toEqual(['Retain', 'Retain']);
    // The ones an operator reads after an incident, each kept: tasks, API access, WAF, flow logs, the Cognito trigger,
    // the migration and provisioning steps (schema changes and grants made with the master secret).
    const ids = kept.map(([id]) => id).join(' ');
    for (const prefix of ['IdentityLogs', 'ProductLogs', 'BillingLogs', 'ApiAccessLogs', 'FirewallLogs', 'NetworkFlowLogs', 'AuthPreTokenGenerationLogs']) {
      expect(ids).toContain(prefix);
    }
    expect(kept.filter(([id]) => /MigrationsLogs/.test(id))).toHaveLength(3);
    expect(kept.filter(([id]) => /DatabaseProvisionerLogs/.test(id))).toHaveLength(3);
  });

  it('when dev is deleted, then every log group goes with it', () => {
    const groups = logGroups('dev');
    expect(groups.length).toBeGreaterThan(5);
    for (const [id, group] of groups) expect([group.DeletionPolicy, group.UpdateReplacePolicy], id).toEqual(['Delete', 'Delete']);
  });
});
