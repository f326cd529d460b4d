/**
 * Parity between the deployed edge and the local one: the synthesized HTTP API must enforce, route by route,
 * what the local gateway enforces (auth, scopes, throttle), have no route the table lacks, and the ALB must send
 * each route to the service the table names. CORS is the contract's policy (services/contracts/cors.ts).
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../lib/stages';
import { ROUTES, STAGE_THROTTLE } from '../../services/contracts/routes';
import { CORS } from '../../services/contracts/cors';
import { compileRoutes } from '../../services/gateway/routing';
import { effectiveThrottle } from '../../services/gateway/throttle';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();

/** What the local gateway enforces per route, from its own compiled router and throttle rules. */
const gateway = compileRoutes(ROUTES).routes.map((route) => ({
  key: route.key,
  auth: route.auth,
  scopes: [...route.scopes],
  throttle: effectiveThrottle(route.throttle, STAGE_THROTTLE),
}));

interface DeployedRoute {
  key: string;
  authorizationType: string;
  scopes: string[];
  throttle: { rateLimit: number; burstLimit: number };
  integration: unknown;
}

function deployedRoutes(template: Template): DeployedRoute[] {
  const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'));
  const defaults = stage?.Properties?.DefaultRouteSettings as Record<string, number>;
  const overrides = (stage?.Properties?.RouteSettings ?? {}) as Record<string, Record<string, number>>;
  return Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map(({ Properties: p = {} }) => {
    const key = p.RouteKey as string;
    const settings = { ...defaults, ...overrides[key] };
    return {
      key,
      authorizationType: p.AuthorizationType as string,
      scopes: (p.AuthorizationScopes as string[] | undefined) ?? [],
      throttle: { rateLimit: settings.ThrottlingRateLimit!, burstLimit: settings.ThrottlingBurstLimit! },
      integration: p.Target,
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
      expect(deployed?.authorizationType).toBe(local.auth === 'public' ? 'NONE' : 'JWT');
      expect(deployed?.scopes).toEqual(local.auth === 'public' ? [] : local.scopes);
      expect(deployed?.throttle).toEqual(local.throttle);
    },
  );

  it('when synthesized, then every route goes to the one private ALB integration through the VPC link', () => {
    const targets = new Set(deployedRoutes(template()).map((r) => JSON.stringify(r.integration)));
    expect(targets.size).toBe(1);
    template().resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template().hasResourceProperties('AWS::ApiGatewayV2::Integration', { ConnectionType: 'VPC_LINK', IntegrationType: 'HTTP_PROXY' });
  });

  it('when synthesized, then the ALB forwards each route of the table to the service that the table names', () => {
    const groups = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const rules = Object.values(resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::ListenerRule')).map(({ Properties: p = {} }) => {
      const patterns = (p.Conditions as { PathPatternConfig: { Values: string[] } }[])[0]!.PathPatternConfig.Values;
      const groupRef = (p.Actions as { TargetGroupArn: { Ref: string } }[])[0]!.TargetGroupArn.Ref;
      return { patterns, service: Object.keys(groups).find((id) => id === groupRef)?.replace(/Target.*$/, '').toLowerCase() };
    });
    const matches = (pattern: string, path: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(path);
    for (const route of ROUTES) {
      const samplePath = route.path.replace(/\{[^}]+\}/g, '0b5e7c3a-4f1d-4f6e-9a51-8d1c2b3a4e5f');
      const hit = rules.filter((rule) => rule.patterns.some((pattern) => matches(pattern, samplePath)));
      expect(hit.map((rule) => rule.service), route.path).toEqual([route.service]);
    }
  });

  it('when synthesized, then CORS allows what the local gateway allows, for the stage\'s origins only', () => {
    const origins = STAGES[stage].corsOrigins;
    if (origins.length === 0) {
      // No origin named (prod until -c corsOrigins): no CORS, so browsers on other origins are refused.
      template().hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
      return;
    }
    template().hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [...origins],
        AllowMethods: [...CORS.allowMethods],
        AllowHeaders: [...CORS.allowHeaders],
        ExposeHeaders: [...CORS.exposeHeaders],
        MaxAge: CORS.maxAgeSeconds,
        AllowCredentials: false,
      },
    });
  });
});
