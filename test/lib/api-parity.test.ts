/**
 * Parity between the deployed edge and the local one: the synthesized REST API must enforce, route by route,
 * what the local gateway enforces (auth, scopes, route throttle), have no route the table lacks, and the ALB must
 * send each route to the service the table names. Where the stage has WAF, each route's per-client limit is the
 * rate-based rule that the local gateway's own per-client limit gives. CORS is the contract's policy.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGE_NAMES, STAGES } from '../../lib/stages';
import { ANSWERED_METHODS } from '../../lib/constructs/api-wrong-methods';
import { windowLimit } from '../../lib/waf-limits';
import { type ClientLimit, ROUTES, STAGE_CLIENT_LIMITS, STAGE_THROTTLE } from '../../services/contracts/routes';
import { CORS } from '../../services/contracts/cors';
import { compileRoutes } from '../../services/gateway/routing';
import { effectiveThrottle } from '../../services/gateway/throttle';
import { resourcePaths } from './api-template';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';
import { capacityUnits, matchesRequest as matches, type WafRequest, type WafRule } from './waf-template';

const synthesized = await stageTemplates();

/** What the local gateway enforces per route, from its own compiled router and throttle rules. */
const gateway = compileRoutes(ROUTES).routes.map((route) => ({
  key: route.key,
  method: route.key.split(' ')[0]!,
  samplePath: route.key.split(' ')[1]!.replace(/\{[^}]+\}/g, '0b5e7c3a-4f1d-4f6e-9a51-8d1c2b3a4e5f'),
  auth: route.auth,
  scopes: [...route.scopes],
  throttle: effectiveThrottle(route.throttle, STAGE_THROTTLE),
  client: route.client,
}));

interface DeployedRoute {
  key: string;
  path: string;
  authorizationType: string;
  scopes: string[];
  throttle: { rateLimit: number; burstLimit: number };
  integration: Record<string, unknown>;
}

function deployedRoutes(template: Template): DeployedRoute[] {
  const paths = resourcePaths(template);
  const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGateway::Stage'));
  const settings = stage?.Properties?.MethodSettings as { HttpMethod: string; ResourcePath: string; ThrottlingRateLimit: number; ThrottlingBurstLimit: number }[];
  const setting = (method: string, path: string) =>
    settings.find((s) => s.HttpMethod === method && s.ResourcePath === `/${path.replaceAll('/', '~1')}`) ?? settings.find((s) => s.HttpMethod === '*' && s.ResourcePath === '/*')!;
  return Object.values(resourcesOf(template, 'AWS::ApiGateway::Method'))
    // API Gateway's own answers (CORS preflights, 405s) are mocks: api-wrong-methods-parity.test.ts checks those.
    .filter(({ Properties: p }) => (p?.Integration as { Type?: string } | undefined)?.Type !== 'MOCK')
    .map(({ Properties: p = {} }) => {
      const path = paths.get((p.ResourceId as { Ref: string }).Ref) ?? '/';
      const throttle = setting(p.HttpMethod as string, path);
      return {
        key: `${p.HttpMethod as string} ${path}`,
        path,
        authorizationType: p.AuthorizationType as string,
        scopes: (p.AuthorizationScopes as string[] | undefined) ?? [],
        throttle: { rateLimit: throttle.ThrottlingRateLimit, burstLimit: throttle.ThrottlingBurstLimit },
        integration: p.Integration as Record<string, unknown>,
      };
    });
}

describe.each(['dev', 'prod'] as const)('API parity with the route table and the local gateway (%s)', (stage) => {
  const template = () => synthesized[stage].appTemplate;

  it('when synthesized, then the API has exactly the routes of the table, no more', () => {
    expect(deployedRoutes(template()).map((r) => r.key).sort()).toEqual(gateway.map((r) => r.key).sort());
  });

  it.each(gateway.map((route) => [route.key, route] as const))(
    'when %s is synthesized, then it has the auth, scopes and throttle the local gateway enforces',
    (key, local) => {
      const deployed = deployedRoutes(template()).find((route) => route.key === key);
      expect(deployed?.authorizationType).toBe(local.auth === 'public' ? 'NONE' : 'COGNITO_USER_POOLS');
      expect(deployed?.scopes).toEqual(local.auth === 'public' ? [] : local.scopes);
      expect(deployed?.throttle).toEqual(local.throttle);
    },
  );

  it('when synthesized, then every route is proxied over the one VPC link V2 to the one ALB, at its own path', () => {
    const routes = deployedRoutes(template());
    const targets = new Set(routes.map((r) => JSON.stringify([r.integration.ConnectionId, r.integration.IntegrationTarget])));
    expect(targets.size).toBe(1);
    const [albId] = Object.keys(resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::LoadBalancer'));
    for (const route of routes) {
      expect(route.integration, route.key).toMatchObject({ Type: 'HTTP_PROXY', ConnectionType: 'VPC_LINK', IntegrationTarget: { Ref: albId } });
      expect(JSON.stringify(route.integration.Uri), route.key).toMatch(new RegExp(`:80${route.path.replace(/[{}]/g, '\\$&')}"\\]\\]\\}$`));
    }
  });

  it('when synthesized, then the ALB forwards each route of the table to the service that the table names', () => {
    const groups = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const rules = Object.values(resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::ListenerRule')).map(({ Properties: p = {} }) => {
      const patterns = (p.Conditions as { PathPatternConfig: { Values: string[] } }[])[0]!.PathPatternConfig.Values;
      const groupRef = (p.Actions as { TargetGroupArn: { Ref: string } }[])[0]!.TargetGroupArn.Ref;
      return { patterns, service: Object.keys(groups).find((id) => id === groupRef)?.replace(/Target.*$/, '').toLowerCase() };
    });
    const matchesPattern = (pattern: string, path: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(path);
    for (const route of ROUTES) {
      const samplePath = route.path.replace(/\{[^}]+\}/g, '0b5e7c3a-4f1d-4f6e-9a51-8d1c2b3a4e5f');
      const hit = rules.filter((rule) => rule.patterns.some((pattern) => matchesPattern(pattern, samplePath)));
      expect(hit.map((rule) => rule.service), route.path).toEqual([route.service]);
    }
  });

  it('when synthesized, then CORS allows what the local gateway allows, for the stage\'s origin only', () => {
    const origins = STAGES[stage].corsOrigins;
    const options = Object.values(resourcesOf(template(), 'AWS::ApiGateway::Method')).filter((m) => m.Properties?.HttpMethod === 'OPTIONS');
    // An OPTIONS that is not a preflight is a wrong method's 405 (api-wrong-methods-parity.test.ts).
    const preflights = options.filter((m) => !JSON.stringify(m.Properties!.Integration).includes('"StatusCode":"405"'));
    if (origins.length === 0) {
      // No origin named (prod until -c corsOrigins): no CORS, so browsers on other origins are refused; OPTIONS is
      // an ordinary wrong method, as it is for the local gateway without GATEWAY_CORS_ORIGINS.
      expect(preflights).toEqual([]);
      return;
    }
    expect(preflights.length).toBe(resourcePaths(template()).size + 1);
    for (const preflight of preflights) {
      expect((preflight.Properties!.Integration as { IntegrationResponses: unknown[] }).IntegrationResponses).toEqual([
        expect.objectContaining({
          ResponseParameters: {
            'method.response.header.Access-Control-Allow-Origin': `'${origins[0]}'`,
            'method.response.header.Access-Control-Allow-Methods': `'${CORS.allowMethods.join(',')}'`,
            'method.response.header.Access-Control-Allow-Headers': `'${CORS.allowHeaders.join(',')}'`,
            'method.response.header.Access-Control-Expose-Headers': `'${CORS.exposeHeaders.join(',')}'`,
            'method.response.header.Access-Control-Max-Age': `'${CORS.maxAgeSeconds}'`,
          },
        }),
      ]);
    }
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      ListenerAttributes: Match.arrayWith([{ Key: 'routing.http.response.access_control_allow_origin.header_value', Value: origins[0] }]),
    });
  });

  it(`when synthesized, then the stage has ${STAGES[stage].waf.enabled ? 'one web ACL on the API stage and another on the user pool' : 'no web ACL (a stage setting)'}`, () => {
    const wafOn = STAGES[stage].waf.enabled;
    const acls = resourcesOf(template(), 'AWS::WAFv2::WebACL');
    expect(Object.values(acls)).toHaveLength(wafOn ? 2 : 0);
    const associations = Object.values(resourcesOf(template(), 'AWS::WAFv2::WebACLAssociation')).map((a) => a.Properties!);
    expect(associations).toHaveLength(wafOn ? 2 : 0);
    if (wafOn) {
      const [stageId] = Object.keys(resourcesOf(template(), 'AWS::ApiGateway::Stage'));
      const [poolId] = Object.keys(resourcesOf(template(), 'AWS::Cognito::UserPool'));
      const onStage = associations.filter((a) => JSON.stringify(a.ResourceArn).includes(`{"Ref":"${stageId}"}`));
      const onPool = associations.filter((a) => JSON.stringify(a.ResourceArn) === JSON.stringify({ 'Fn::GetAtt': [poolId, 'Arn'] }));
      expect([onStage.length, onPool.length]).toEqual([1, 1]);
      // Two web ACLs: the API's managed rules are not for the pool's requests (lib/constructs/user-pool-web-acl.ts).
      expect(onStage[0]!.WebACLArn).not.toEqual(onPool[0]!.WebACLArn);
    }
  });
});

// Only the stages that have WAF on (prod), so no test stands skipped for the others.
describe.each(STAGE_NAMES.filter((stage) => STAGES[stage].waf.enabled))('WAF parity with the local gateway\'s per-client limits (%s)', (stage) => {
  /** The API's web ACL (the one with rate rules); the user pool has one of its own. */
  const webAcls = () => Object.values(resourcesOf(synthesized[stage as 'dev' | 'prod'].appTemplate, 'AWS::WAFv2::WebACL'))
    .filter((acl) => (acl.Properties!.Rules as WafRule[]).some((rule) => rule.Statement.RateBasedStatement));

  const rules = () => webAcls()[0]!.Properties!.Rules as unknown as WafRule[];
  /** The stage the web ACL is on, as synthesized: clients call `https://{id}.execute-api…/{stageName}/…`. */
  const stageName = () => {
    const [apiStage, ...others] = Object.values(resourcesOf(synthesized[stage as 'dev' | 'prod'].appTemplate, 'AWS::ApiGateway::Stage'));
    expect(others).toEqual([]);
    return apiStage!.Properties!.StageName as string;
  };
  /** The path WAF inspects: what the client sends on the execute-api URL, the stage's segment first. */
  const sent = (path: string) => `/${stageName()}${path}`;
  /** The rate-based rules that count this request: its scope matches, and it carries the rule's key. */
  const counting = (request: WafRequest) =>
    rules().filter((rule) => {
      const statement = rule.Statement.RateBasedStatement;
      if (!statement?.ScopeDownStatement || !matches(statement.ScopeDownStatement, request)) return false;
      return statement.AggregateKeyType === 'IP' || request.hasToken;
    });
  const expectLimit = (rule: WafRule, client: ClientLimit) => {
    const statement = rule.Statement.RateBasedStatement!;
    expect(rule.Name).toBe(`per-client-${client.pool}`);
    expect(statement.Limit).toBe(windowLimit(client.throttle, statement.EvaluationWindowSec));
    expect(statement.AggregateKeyType).toBe(client.by === 'source-address' ? 'IP' : 'CUSTOM_KEYS');
    // The header's spellings of one token (`Bearer`/`bearer`, extra spaces) are one key.
    const folded = [{ Priority: 0, Type: 'COMPRESS_WHITE_SPACE' }, { Priority: 1, Type: 'LOWERCASE' }];
    if (client.by === 'token-subject') expect(statement.CustomKeys).toEqual([{ Header: { Name: 'authorization', TextTransformations: folded } }]);
  };

  it.each(gateway.map((route) => [route.key, route] as const))(
    'when %s is called with a token, then one WAF rule counts it, at the local gateway\'s per-client limit',
    (_key, local) => {
      const hit = counting({ method: local.method, path: sent(local.samplePath), hasToken: true });
      expect(hit).toHaveLength(1);
      expectLimit(hit[0]!, local.client);
      // A custom domain mapped with an empty base path would send the path without the stage's segment.
      expect(counting({ method: local.method, path: local.samplePath, hasToken: true })).toEqual(hit);
    },
  );

  it.each(gateway.map((route) => [route.key, route] as const))(
    'when %s is called without a token, then one WAF rule counts it per address, as the local gateway does',
    (_key, local) => {
      const hit = counting({ method: local.method, path: sent(local.samplePath), hasToken: false });
      expect(hit).toHaveLength(1);
      // The local gateway charges a refused token to the stage's anonymous pool, per address.
      expectLimit(hit[0]!, local.auth === 'public' ? local.client : STAGE_CLIENT_LIMITS.anonymous);
    },
  );

  it('when synthesized, then the dashboard graphs what the web ACL blocks, in total and per rule', () => {
    const [dashboard] = Object.values(resourcesOf(synthesized[stage as 'dev' | 'prod'].appTemplate, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties!.DashboardBody);
    const name = webAcls()[0]!.Properties!.Name as string;
    for (const rule of ['ALL', ...rules().map((r) => r.Name)]) expect(body, rule).toContain(`\\"Rule\\",\\"${rule}\\",\\"WebACL\\",\\"${name}\\"`);
  });

  it('when synthesized, then the dashboard graphs what the user pool\'s web ACL blocks too', () => {
    const template = synthesized[stage as 'dev' | 'prod'].appTemplate;
    const body = JSON.stringify(Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'))[0]!.Properties!.DashboardBody);
    const [pool] = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACL')).filter((acl) => !(acl.Properties!.Rules as WafRule[]).some((rule) => rule.Statement.RateBasedStatement));
    for (const rule of (pool!.Properties!.Rules as WafRule[]).map((r) => r.Name)) {
      expect(body, rule).toContain(`\\"Rule\\",\\"${rule}\\",\\"WebACL\\",\\"${pool!.Properties!.Name as string}\\"`);
    }
  });

  it('when synthesized, then the web ACL stays within the 1,500 capacity units its price includes', () => {
    // Past 1,500 WCUs a web ACL is billed more per request; a route table that grows could push it there.
    const units = rules().reduce((sum, rule) => sum + capacityUnits(rule.Statement), 0);
    expect(units).toBeLessThanOrEqual(1500);
    expect(units).toBeGreaterThan(900 + 2 * rules().length);
  });

  it('when a request matches no route (no path, or a wrong method: 405), then only the per-address backstop, over every request, counts it', () => {
    const router = compileRoutes(ROUTES);
    const samplePaths = [...new Set(gateway.map((route) => route.samplePath))];
    const wrongMethods = samplePaths.flatMap((path) => ANSWERED_METHODS.filter((method) => router.match(method, path).kind === 'method-not-allowed').map((method) => [method, path]));
    expect(wrongMethods.length).toBeGreaterThan(samplePaths.length * 3);
    for (const [method, path] of [['GET', '/admin'], ...wrongMethods]) {
      for (const hasToken of [true, false]) expect(counting({ method: method!, path: sent(path!), hasToken }), `${method} ${path}`).toEqual([]);
    }
    for (const path of [`/${stageName()}`, '/other/identity/token', `/${stageName()}x/identity/token`]) expect(counting({ method: 'POST', path, hasToken: false }), path).toEqual([]);
    const scoped = rules().filter((rule) => rule.Statement.RateBasedStatement?.ScopeDownStatement);
    const backstop = rules().find((rule) => rule.Name === 'per-address-backstop')!.Statement.RateBasedStatement!;
    expect(backstop).toMatchObject({ AggregateKeyType: 'IP' });
    expect(backstop.ScopeDownStatement).toBeUndefined();
    expect(backstop.Limit).toBe(scoped.reduce((sum, rule) => sum + rule.Statement.RateBasedStatement!.Limit, 0));
  });
});
