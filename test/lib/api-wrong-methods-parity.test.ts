/**
 * A wrong method answers in AWS as it does offline. For every path of the route table and every method a client
 * can send, the local gateway (running here, with the stage's CORS origins) is asked without a token; where it
 * answers 405, the synthesized REST API must have a mock that answers 405 with the same `Allow` and the same
 * problem body, with no authorizer and nothing sent to the ALB; where it does not, neither may the REST API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWERED_METHODS } from '../../lib/constructs/api-wrong-methods';
import { STAGES } from '../../lib/stages';
import { ROUTES } from '../../services/contracts/routes';
import { compileRoutes } from '../../services/gateway/routing';
import { call, startEchoUpstreams, startTestGateway, type Answer, type TestServer, type Upstreams } from '../services/gateway/support';
import { apiMethods, renderMethodNotAllowed, type ApiMethod } from './api-template';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();
const SAMPLE_ID = '0b5e7c3a-4f1d-4f6e-9a51-8d1c2b3a4e5f';
const REQUEST_ID = '5f1c9e0a-0000-4000-8000-000000000000';
const PATHS = [...new Set(ROUTES.map((route) => route.path))];
const router = compileRoutes(ROUTES);

interface Integration {
  Type: string;
  Uri?: unknown;
  IntegrationResponses?: { StatusCode: string; SelectionPattern?: string; ResponseParameters: Record<string, string>; ResponseTemplates: Record<string, string> }[];
}

const integrationOf = (method: ApiMethod) => method.properties.Integration as Integration;
const answers405 = (method: ApiMethod | undefined) => !!method && integrationOf(method).IntegrationResponses?.[0]?.StatusCode === '405';
const unquote = (value: string | undefined) => value?.replace(/^'(.*)'$/, '$1');

describe.each(['dev', 'prod'] as const)('Wrong methods: the REST API answers as the local gateway does (%s)', (stage) => {
  const origin = STAGES[stage].corsOrigins[0];
  const deployed = new Map(apiMethods(synthesized[stage].appTemplate).map((method) => [method.key, method]));
  let upstreams: Upstreams;
  let local: TestServer;

  beforeAll(async () => {
    upstreams = await startEchoUpstreams();
    local = await startTestGateway({ upstreams: upstreams.urls, corsOrigins: STAGES[stage].corsOrigins });
  });
  afterAll(async () => {
    await local.close();
    await upstreams.close();
  });

  /** A browser's preflight when the stage has CORS (the local gateway answers it before routing), else a plain call. */
  const ask = (method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> =>
    call(local.url, method, path, { headers: method === 'OPTIONS' && origin ? { ...headers, origin: 'https://app.example.com', 'access-control-request-method': 'GET' } : headers });

  const seenByServices = () => Object.values(upstreams.byService).reduce((sum, upstream) => sum + upstream.seen.length, 0);

  it.each(PATHS)('when %s is called with each method and no token, then AWS answers 405 with Allow exactly where the local gateway does', async (path) => {
    const samplePath = path.replaceAll(/\{[^}]+\}/g, SAMPLE_ID);
    for (const method of ANSWERED_METHODS) {
      const key = `${method} ${path}`;
      const before = seenByServices();
      const answer = await ask(method, samplePath);
      const mock = deployed.get(key);
      if (answer.status !== 405) {
        expect(answers405(mock), key).toBe(false);
        continue;
      }
      expect(seenByServices(), `${key} reached a service offline`).toBe(before);
      expect(answers405(mock), `${key}: the local gateway answers 405`).toBe(true);
      const integration = integrationOf(mock!);
      expect(integration, key).toMatchObject({ Type: 'MOCK' });
      expect(integration.Uri, key).toBeUndefined();
      expect(mock!.properties, key).toMatchObject({ AuthorizationType: 'NONE' });
      expect(mock!.properties.AuthorizerId, key).toBeUndefined();
      const [response] = integration.IntegrationResponses!;
      // The default response (no selection pattern) answers whatever the request's body or content type.
      expect(integration.IntegrationResponses, key).toHaveLength(1);
      expect(response!.SelectionPattern, key).toBeUndefined();
      expect(unquote(response!.ResponseParameters['method.response.header.Allow']), key).toBe(answer.headers.allow);
      expect(unquote(response!.ResponseParameters['method.response.header.Content-Type']), key).toBe('application/problem+json');
      expect(String(answer.headers['content-type']), key).toMatch(/^application\/problem\+json/);
      if (method === 'HEAD') continue; // no body on either side
      const rendered = JSON.parse(renderMethodNotAllowed(response!.ResponseTemplates['application/json']!, samplePath, REQUEST_ID)) as Record<string, unknown>;
      expect(rendered, key).toEqual({ ...answer.json(), requestId: REQUEST_ID });
      // A token changes nothing offline either: the route is matched before the authorizer is asked.
      expect((await ask(method, samplePath, { authorization: 'Bearer not-a-token' })).status, key).toBe(405);
    }
  });

  it('when a method of a parameter route is sent to a literal sibling (PATCH /products/openapi.json), then AWS has no 405 there: offline it reaches the parameter route', () => {
    // A REST API picks the resource first and has no PATCH on /products/openapi.json: it answers our 404 there.
    // docs/infrastructure.md states the difference.
    const shadowed = PATHS.flatMap((path) =>
      ANSWERED_METHODS.flatMap((method) => {
        const match = router.match(method, path.replaceAll(/\{[^}]+\}/g, SAMPLE_ID));
        return match.kind === 'route' && match.route.path !== path ? [`${method} ${path}`] : [];
      }),
    );
    expect(shadowed.sort()).toEqual(['DELETE /products/openapi.json', 'PATCH /products/openapi.json']);
    for (const key of shadowed) expect(deployed.get(key), key).toBeUndefined();
  });

  it('when a wrong method is answered, then the stage\'s default throttle applies to it: no method setting of its own', () => {
    const [stageResource] = Object.values(synthesized[stage].appTemplate.findResources('AWS::ApiGateway::Stage'));
    const settings = (stageResource!.Properties.MethodSettings as { HttpMethod: string; ResourcePath: string }[]).map((s) => `${s.HttpMethod} ${s.ResourcePath.slice(1).replaceAll('~1', '/')}`);
    // Read as route keys: the credential routes' own settings are found, and the stage's default is there.
    expect(settings).toEqual(expect.arrayContaining(['* *', 'POST /identity/token']));
    const mocks = [...deployed.values()].filter(answers405).map((method) => method.key);
    expect(mocks.length).toBeGreaterThan(PATHS.length * 3);
    expect(settings.filter((setting) => mocks.includes(setting))).toEqual([]);
  });
});
