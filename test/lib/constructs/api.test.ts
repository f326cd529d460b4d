import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { Api, type ApiProps } from '../../../lib/constructs/api';
import { GATEWAY_PROBLEMS, problemTemplate, retryAfterSeconds } from '../../../lib/constructs/api-problems';
import { methodNotAllowedTemplate } from '../../../lib/constructs/api-wrong-methods';
import { LoadBalancer } from '../../../lib/constructs/load-balancer';
import { CORS } from '../../../services/contracts/cors';
import type { RouteDefinition } from '../../../services/contracts/routes';
import { disposeTestApps, resourcesOf, testStack } from '../synth';
import { importedCognito, network } from './fixtures';

const ROUTES: RouteDefinition[] = [
  { method: 'POST', path: '/identity/token', service: 'identity', auth: 'public', scopes: [], throttle: { rateLimit: 10, burstLimit: 20 } },
  { method: 'GET', path: '/identity/me', service: 'identity', auth: 'user', scopes: ['platform/api'] },
  { method: 'GET', path: '/products/{id}', service: 'product', auth: 'public', scopes: [] },
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
    userPool: importedCognito(test.stack).userPool,
    corsOrigins: ['https://app.example.com'],
    logRetention: RetentionDays.ONE_MONTH,
    ...overrides,
  });
  return { api, template: () => Template.fromStack(test.stack) };
}

const methodOf = (template: Template, httpMethod: string, resourceLogicalIdPart: string) =>
  Object.entries(resourcesOf(template, 'AWS::ApiGateway::Method')).find(
    ([id, m]) => m.Properties?.HttpMethod === httpMethod && id.includes(resourceLogicalIdPart),
  )?.[1]?.Properties;

describe('Api', () => {
  it('when built, then a regional REST API checks tokens with a Cognito user pool authorizer on the Authorization header', () => {
    const template = build().template();
    // Named after the stack: CloudWatch keys REST API metrics on the name, so two stages' APIs must differ.
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'Test-api', EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [Match.stringLikeRegexp('userpool/us-east-1_AbCdEf123')],
    });
  });

  it('when a route is public, then it has no authorizer; when not, then the Cognito authorizer with the route\'s scopes', () => {
    const template = build().template();
    expect(methodOf(template, 'POST', 'identitytoken')).toMatchObject({ AuthorizationType: 'NONE' });
    expect(methodOf(template, 'GET', 'identityme')).toMatchObject({
      AuthorizationType: 'COGNITO_USER_POOLS',
      AuthorizationScopes: ['platform/api'],
      AuthorizerId: { Ref: expect.stringMatching(/^ApiCognito/) },
    });
  });

  it('when built, then every method is an HTTP proxy through the VPC link V2 to the ALB, path unchanged', () => {
    const template = build().template();
    const [albId] = Object.keys(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const [linkId] = Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::VpcLink'));
    const byId = methodOf(template, 'GET', 'productsid');
    expect(byId?.Integration).toMatchObject({
      Type: 'HTTP_PROXY',
      IntegrationHttpMethod: 'GET',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: linkId },
      IntegrationTarget: { Ref: albId },
      RequestParameters: { 'integration.request.path.id': 'method.request.path.id' },
    });
    expect(JSON.stringify(byId?.Integration)).toContain(':80/products/{id}"');
    expect(byId?.RequestParameters).toEqual({ 'method.request.path.id': true });
  });

  it('when built, then the stage throttles by default, overrides per route, and logs JSON with a retention', () => {
    const template = build().template();
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'api',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 }),
        Match.objectLike({ HttpMethod: 'POST', ResourcePath: '/~1identity~1token', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }),
      ]),
      AccessLogSetting: { Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
    const [stage] = Object.values(resourcesOf(template, 'AWS::ApiGateway::Stage'));
    expect(() => JSON.parse((stage?.Properties?.AccessLogSetting as { Format: string }).Format)).not.toThrow();
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('when API Gateway answers by itself, then it answers a problem+json with the request id and no-store, 401 with WWW-Authenticate and 429 with Retry-After', () => {
    const template = build().template();
    const responses = Object.values(resourcesOf(template, 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties!);
    const of = (type: string) => responses.find((r) => r.ResponseType === type);
    expect(of('MISSING_AUTHENTICATION_TOKEN')?.StatusCode).toBe('404');
    expect(of('UNAUTHORIZED')?.ResponseParameters).toMatchObject({ 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" });
    expect(of('THROTTLED')).toMatchObject({ StatusCode: '429', ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'" } });
    for (const response of responses) {
      expect(response.ResponseParameters).toMatchObject({ 'gatewayresponse.header.Content-Type': "'application/problem+json'", 'gatewayresponse.header.Cache-Control': "'no-store'" });
      // The body states the status the response is sent with.
      const template = (response.ResponseTemplates as Record<string, string>)['application/json']!;
      expect(template, String(response.ResponseType)).toContain(`"status":${String(response.StatusCode)},`);
    }
    expect(responses).toHaveLength(GATEWAY_PROBLEMS.length);
    // The catch-alls keep their own status codes: overriding them would re-code every type they stand for.
    expect(responses.map((r) => r.ResponseType)).not.toContain('DEFAULT_4XX');
    expect(responses.map((r) => r.ResponseType)).not.toContain('DEFAULT_5XX');
    // API Gateway ignores a customized 413 (its known issues): none is declared, so none is promised.
    expect(responses.map((r) => r.ResponseType)).not.toContain('REQUEST_TOO_LARGE');
  });

  it('when a throttled client is told when to retry, then it is the slowest bucket\'s time for one token, at least 1 s', () => {
    expect(retryAfterSeconds([{ rateLimit: 500, burstLimit: 1000 }, { rateLimit: 10, burstLimit: 20 }])).toBe(1);
    expect(retryAfterSeconds([{ rateLimit: 500, burstLimit: 1000 }, { rateLimit: 0.2, burstLimit: 10 }])).toBe(5);
    expect(retryAfterSeconds([{ rateLimit: 0, burstLimit: 0 }])).toBe(60);
  });

  it('when API Gateway fills in a problem template, then the body is JSON of the contract\'s shape', () => {
    for (const problem of GATEWAY_PROBLEMS) {
      const body = problemTemplate(problem)
        .replace('$context.error.messageString', JSON.stringify('Unauthorized "quoted"'))
        .replaceAll('$context.requestId', '5f1c9e0a-0000-4000-8000-000000000000');
      expect(JSON.parse(body)).toEqual({
        type: 'about:blank',
        title: problem.title,
        status: problem.status,
        detail: 'Unauthorized "quoted"',
        instance: 'urn:uuid:5f1c9e0a-0000-4000-8000-000000000000',
        requestId: '5f1c9e0a-0000-4000-8000-000000000000',
      });
    }
  });

  it('when one CORS origin is set, then preflights are answered for it and the ALB adds it to the services\' answers', () => {
    const template = build().template();
    expect(methodOf(template, 'OPTIONS', 'identityme')?.Integration).toMatchObject({ Type: 'MOCK' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      ListenerAttributes: Match.arrayWith([{ Key: 'routing.http.response.access_control_allow_origin.header_value', Value: 'https://app.example.com' }]),
    });
  });

  it('when no CORS origin is set, then no preflight method exists (OPTIONS is a wrong method, 405) and the ALB adds no CORS header', () => {
    const template = build({ corsOrigins: [] }).template();
    const options = Object.values(resourcesOf(template, 'AWS::ApiGateway::Method')).filter((m) => m.Properties?.HttpMethod === 'OPTIONS');
    expect(options).toHaveLength(3);
    for (const method of options) expect(JSON.stringify(method.Properties?.Integration)).toContain('"StatusCode":"405"');
    expect(JSON.stringify(resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener'))).not.toContain('access_control');
  });

  it('when a path of the table is called with another method, then a mock answers 405 problem+json with Allow, no authorizer, nothing to the ALB', () => {
    const { api, template } = build();
    expect([...api.methodsNotAllowed.keys()].filter((key) => key.endsWith(' /identity/me')).sort()).toEqual(['DELETE /identity/me', 'HEAD /identity/me', 'PATCH /identity/me', 'POST /identity/me', 'PUT /identity/me']);
    const put = methodOf(template(), 'PUT', 'identityme');
    expect(put).toMatchObject({
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'MOCK',
        PassthroughBehavior: 'WHEN_NO_TEMPLATES',
        IntegrationResponses: [
          {
            StatusCode: '405',
            ResponseParameters: {
              'method.response.header.Content-Type': "'application/problem+json'",
              'method.response.header.Allow': "'GET'",
              'method.response.header.Cache-Control': "'no-store'",
              'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'",
              'method.response.header.Access-Control-Expose-Headers': `'${CORS.exposeHeaders.join(',')}'`,
            },
            ResponseTemplates: { 'application/json': methodNotAllowedTemplate('GET') },
          },
        ],
      },
      MethodResponses: [{ StatusCode: '405', ResponseParameters: expect.objectContaining({ 'method.response.header.Allow': true }) }],
    });
    expect(put?.AuthorizerId).toBeUndefined();
    expect(put?.Integration).not.toHaveProperty('RequestTemplates');
    expect(put?.Integration).not.toHaveProperty('Uri');
    expect((put?.Integration as { IntegrationResponses: object[] }).IntegrationResponses[0]).not.toHaveProperty('SelectionPattern');
    expect(methodOf(template(), 'GET', 'identitytoken')).toMatchObject({ Integration: { Type: 'MOCK', IntegrationResponses: [{ ResponseParameters: expect.objectContaining({ 'method.response.header.Allow': "'POST'" }) }] } });
    // No per-method throttle: the stage's default applies to the 405s, the route's own only to POST.
    const [stage] = Object.values(resourcesOf(template(), 'AWS::ApiGateway::Stage'));
    expect((stage?.Properties?.MethodSettings as { ResourcePath: string; HttpMethod: string }[]).map((s) => `${s.HttpMethod} ${s.ResourcePath}`).sort()).toEqual(['* /*', 'POST /~1identity~1token']);
  });

  it('when a route repeats, a protected route has no scope, or several CORS origins are given, then it refuses, naming what it got', () => {
    expect(() => build({ routes: [ROUTES[0]!, ROUTES[0]!] })).toThrow(/"POST \/identity\/token" twice/);
    expect(() => build({ routes: [{ ...ROUTES[1]!, scopes: [] }] })).toThrow(/at least one scope; got none on GET \/identity\/me/);
    expect(() => build({ corsOrigins: ['https://a.example', 'https://b.example'] })).toThrow(/one origin; got https:\/\/a.example, https:\/\/b.example/);
  });
});
