import { Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { WebAcl } from '../../../lib/constructs/web-acl';
import type { WafLimits } from '../../../lib/waf-limits';
import { disposeTestApps, resourcesOf, testStack } from '../synth';
import type { WafRule } from '../waf-template';

const LIMITS: WafLimits = {
  windowSeconds: 60,
  pools: [
    { pool: 'credentials', key: 'source-address', limit: 70, routes: [{ method: 'POST', path: '/identity/token' }, { method: 'POST', path: '/identity/signup' }], withoutToken: [] },
    { pool: 'authenticated', key: 'token-subject', limit: 3100, routes: [{ method: 'GET', path: '/identity/me' }, { method: 'DELETE', path: '/products/{id}' }], withoutToken: [] },
    { pool: 'anonymous', key: 'source-address', limit: 3100, routes: [{ method: 'GET', path: '/products' }], withoutToken: [{ method: 'GET', path: '/identity/me' }] },
  ],
  backstopPerAddress: 6270,
};

afterEach(disposeTestApps);

function build(limits: WafLimits = LIMITS) {
  const test = testStack();
  const api = new RestApi(test.stack, 'Rest');
  api.root.addMethod('GET', new MockIntegration());
  const webAcl = new WebAcl(test.stack, 'Firewall', { stage: api.deploymentStage, limits, logRetention: RetentionDays.ONE_MONTH });
  const template = Template.fromStack(test.stack);
  const [acl] = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACL'));
  const rules = acl!.Properties!.Rules as WafRule[];
  return { webAcl, template, acl: acl!.Properties!, rules, rule: (name: string) => rules.find((r) => r.Name === name)! };
}

describe('WebAcl', () => {
  it('when built, then a regional web ACL that allows by default is associated with the API stage, once the stage exists', () => {
    const { template, acl } = build();
    expect(acl).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const [stageId] = Object.keys(resourcesOf(template, 'AWS::ApiGateway::Stage'));
    const [association] = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation')) as { Properties: Record<string, unknown>; DependsOn?: string[] }[];
    expect(JSON.stringify(association!.Properties.ResourceArn)).toContain(`"/stages/",{"Ref":"${stageId}"}`);
    expect(association!.DependsOn).toContain(stageId);
  });

  it('when built, then the rules run backstop, per-client pools, known bad inputs, then the common rule set, each with its own priority', () => {
    const { rules } = build();
    expect(rules.map((r) => r.Name)).toEqual([
      'per-address-backstop', 'per-client-credentials', 'per-client-authenticated', 'per-client-anonymous',
      'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet',
    ]);
    expect(rules.map((r) => r.Priority)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('when a source-address pool is built, then it counts per IP, only on its routes\' methods and decoded paths', () => {
    const statement = build().rule('per-client-credentials').Statement.RateBasedStatement!;
    expect(statement).toMatchObject({ AggregateKeyType: 'IP', Limit: 70, EvaluationWindowSec: 60 });
    const [method, path] = statement.ScopeDownStatement!.AndStatement!.Statements;
    expect(method!.ByteMatchStatement).toMatchObject({ FieldToMatch: { Method: {} }, PositionalConstraint: 'EXACTLY', SearchString: 'POST' });
    expect(path!.RegexMatchStatement).toMatchObject({
      FieldToMatch: { UriPath: {} },
      RegexString: '^(/prod)?(/identity/token|/identity/signup)/?$',
      TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'NORMALIZE_PATH' }],
    });
  });

  it('when built on a stage, then the path patterns take the stage\'s segment from that stage', () => {
    const test = testStack();
    const api = new RestApi(test.stack, 'Rest', { deployOptions: { stageName: 'edge_2' } });
    api.root.addMethod('GET', new MockIntegration());
    new WebAcl(test.stack, 'Firewall', { stage: api.deploymentStage, limits: LIMITS, logRetention: RetentionDays.ONE_MONTH });
    const [acl] = Object.values(resourcesOf(Template.fromStack(test.stack), 'AWS::WAFv2::WebACL'));
    const rule = (acl!.Properties!.Rules as WafRule[]).find((r) => r.Name === 'per-client-credentials')!;
    const path = rule.Statement.RateBasedStatement!.ScopeDownStatement!.AndStatement!.Statements[1]!.RegexMatchStatement!;
    expect(path.RegexString).toBe('^(/edge_2)?(/identity/token|/identity/signup)/?$');
  });

  it('when a token-subject pool is built, then each Authorization header value, its spaces compressed and lowercased, is a key, one branch per method', () => {
    const statement = build().rule('per-client-authenticated').Statement.RateBasedStatement!;
    expect(statement).toMatchObject({
      AggregateKeyType: 'CUSTOM_KEYS',
      // So `Bearer t`, `bearer  t` and `BEARER\tt` are one key, not three budgets.
      CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'COMPRESS_WHITE_SPACE' }, { Priority: 1, Type: 'LOWERCASE' }] } }],
      Limit: 3100,
    });
    const branches = statement.ScopeDownStatement!.OrStatement!.Statements.map((s) => s.AndStatement!.Statements[0]!.ByteMatchStatement!.SearchString);
    expect(branches).toEqual(['GET', 'DELETE']);
  });

  it('when a pool also counts requests without a token, then its scope is its routes, or those routes with no Authorization header', () => {
    const statement = build().rule('per-client-anonymous').Statement.RateBasedStatement!;
    expect(statement.AggregateKeyType).toBe('IP');
    const [own, tokenless] = statement.ScopeDownStatement!.OrStatement!.Statements;
    expect(own!.AndStatement!.Statements[1]!.RegexMatchStatement!.RegexString).toBe('^(/prod)?(/products)/?$');
    const [noToken, routes] = tokenless!.AndStatement!.Statements;
    expect(noToken).toEqual({
      NotStatement: {
        Statement: {
          SizeConstraintStatement: { FieldToMatch: { SingleHeader: { Name: 'authorization' } }, ComparisonOperator: 'GT', Size: 0, TextTransformations: [{ Priority: 0, Type: 'NONE' }] },
        },
      },
    });
    expect(routes!.AndStatement!.Statements[1]!.RegexMatchStatement!.RegexString).toBe('^(/prod)?(/identity/me)/?$');
  });

  it('when a client is over a limit, then it gets a 429 JSON problem with Retry-After of one window', () => {
    const { acl, rules } = build();
    for (const rule of rules.filter((r) => r.Statement.RateBasedStatement)) {
      expect(rule.Action!.Block!.CustomResponse).toEqual({ ResponseCode: 429, CustomResponseBodyKey: 'rate-limited', ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }] });
    }
    const body = (acl.CustomResponseBodies as Record<string, { Content: string; ContentType: string }>)['rate-limited']!;
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toMatchObject({ status: 429, title: 'Too Many Requests' });
  });

  it('when built, then the web ACL is named after its stack and its blocked requests are a metric per rule', () => {
    const { acl, webAcl } = build();
    expect(acl.Name).toBe('Test-edge');
    expect(webAcl.ruleNames[0]).toBe('per-address-backstop');
    const metric = webAcl.metricBlockedRequests('per-client-credentials');
    expect(metric).toMatchObject({ namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', statistic: 'Sum' });
    expect(metric.dimensions).toEqual({ WebACL: 'Test-edge', Rule: 'per-client-credentials', Region: 'us-east-1' });
    expect(webAcl.metricBlockedRequests().dimensions).toMatchObject({ Rule: 'ALL' });
  });

  it('when the common rule set runs, then only its 8 KB body rule is overridden, to count', () => {
    const { rule } = build();
    expect(rule('AWSManagedRulesCommonRuleSet').Statement.ManagedRuleGroupStatement).toEqual({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesCommonRuleSet',
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
    });
    expect(rule('AWSManagedRulesKnownBadInputsRuleSet').Statement.ManagedRuleGroupStatement!.RuleActionOverrides).toBeUndefined();
    expect(rule('AWSManagedRulesCommonRuleSet').OverrideAction).toEqual({ None: {} });
  });

  it('when built, then refused and counted requests are logged to an aws-waf-logs- group named after the ACL, tokens redacted', () => {
    const { template, webAcl } = build();
    const [groupId, group] = Object.entries(template.findResources('AWS::Logs::LogGroup'))[0]! as [string, { Properties: Record<string, unknown>; DeletionPolicy: string }];
    expect(group.Properties.RetentionInDays).toBe(30);
    expect(group.DeletionPolicy).toBe('Delete');
    const [aclId] = Object.keys(resourcesOf(template, 'AWS::WAFv2::WebACL'));
    expect(group.Properties.LogGroupName).toEqual({ 'Fn::Join': ['', ['aws-waf-logs-', { 'Fn::GetAtt': [aclId, 'Id'] }]] });
    const [logging] = Object.values(resourcesOf(template, 'AWS::WAFv2::LoggingConfiguration'));
    const destination = JSON.stringify(logging!.Properties!.LogDestinationConfigs);
    expect(destination).toContain(`:log-group:",{"Ref":"${groupId}"}`);
    expect(destination).not.toContain(':*');
    expect(logging!.Properties).toMatchObject({
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
      LoggingFilter: { DefaultBehavior: 'DROP', Filters: [{ Behavior: 'KEEP', Requirement: 'MEETS_ANY' }] },
    });
    const filter = logging!.Properties!.LoggingFilter as { Filters: { Conditions: { ActionCondition: { Action: string } }[] }[] };
    const kept = filter.Filters[0]!.Conditions.map((c) => c.ActionCondition.Action);
    expect(kept).toEqual(['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT']);
    expect(webAcl.logging.resourceArn).toBe(webAcl.webAcl.attrArn);
  });

  it('when a window, a limit or a pool is out of WAF\'s range, then it refuses, naming what it got', () => {
    expect(() => build({ ...LIMITS, windowSeconds: 30 })).toThrow(/one of 60, 120, 300, 600; got 30/);
    expect(() => build({ ...LIMITS, pools: [{ ...LIMITS.pools[0]!, limit: 5 }] })).toThrow(/"credentials" needs a whole limit ≥ 10; got 5/);
    expect(() => build({ ...LIMITS, pools: [{ ...LIMITS.pools[0]!, routes: [] }] })).toThrow(/"credentials" has no routes/);
    expect(() => build({ ...LIMITS, pools: [{ ...LIMITS.pools[1]!, withoutToken: [{ method: 'GET', path: '/a' }] }] })).toThrow(/"authenticated" counts requests without a token, so it must count per source address; got token-subject/);
  });
});
