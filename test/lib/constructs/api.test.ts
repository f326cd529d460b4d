import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { Api, type ApiProps } from '../../../lib/constructs/api';
import { LoadBalancer } from '../../../lib/constructs/load-balancer';
import type { RouteDefinition } from '../../../services/contracts/routes';
import { disposeTestApps, resourcesOf, testStack } from '../synth';
import { importedCognito, network } from './fixtures';

const ROUTES: RouteDefinition[] = [
  { method: 'POST', path: '/identity/token', service: 'identity', auth: 'public', scopes: [], throttle: { rateLimit: 10, burstLimit: 20 } },
  { method: 'GET', path: '/identity/me', service: 'identity', auth: 'user', scopes: ['aws.cognito.signin.user.admin'] },
];

afterEach(disposeTestApps);

function build(overrides: Partial<ApiProps> = {}) {
  const test = testStack();
  const vpc = network(test.stack);
  const loadBalancer = new LoadBalancer(test.stack, 'LoadBalancer', { vpc, accessLogRetentionDays: 7, protectData: false });
  const api = new Api(test.stack, 'Api', {
    routes: ROUTES,
    throttle: { rateLimit: 500, burstLimit: 1000 },
    listener: loadBalancer.listener,
    vpcLink: loadBalancer.vpcLink,
    ...importedCognito(test.stack),
    corsOrigins: ['https://app.example.com'],
    logRetention: RetentionDays.ONE_MONTH,
    ...overrides,
  });
  return { api, template: () => Template.fromStack(test.stack) };
}

describe('Api', () => {
  it('when built, then a Cognito JWT authorizer checks the issuer and the app client', () => {
    const template = build().template();
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: ['client123'] },
    });
    const [authorizer] = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer'));
    const issuer = JSON.stringify(authorizer?.Properties?.JwtConfiguration);
    expect(issuer).toMatch(/"https:\/\/cognito-idp\.us-east-1\."/);
    expect(issuer).toContain('/us-east-1_AbCdEf123');
  });

  it('when a route is public, then it has no authorizer; when not, then the JWT authorizer with its scopes', () => {
    const template = build().template();
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /identity/token', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /identity/me',
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['aws.cognito.signin.user.admin'],
    });
  });

  it('when built, then the stage throttles by default, overrides per route, and logs JSON with a retention', () => {
    const template = build().template();
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      RouteSettings: { 'POST /identity/token': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 } },
      AccessLogSettings: { Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
    const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'));
    expect(() => JSON.parse((stage?.Properties?.AccessLogSettings as { Format: string }).Format)).not.toThrow();
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('when a route has its own throttle, then the stage waits for that route to exist', () => {
    const template = build().template();
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as { DependsOn?: string[] }[];
    const routeIds = Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Route'))
      .filter(([, r]) => r.Properties?.RouteKey === 'POST /identity/token')
      .map(([id]) => id);
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('when CORS origins are set, then preflights are answered for them without credentials', () => {
    build().template().hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.example.com'], AllowCredentials: false }),
    });
  });

  it('when a route repeats or a protected route has no scope, then it refuses, naming the route', () => {
    expect(() => build({ routes: [ROUTES[0]!, ROUTES[0]!] })).toThrow(/"POST \/identity\/token" twice/);
    expect(() => build({ routes: [{ ...ROUTES[1]!, scopes: [] }] })).toThrow(/at least one scope; got none on GET \/identity\/me/);
  });
});
