/**
 * A wrong method on a known path, answered by API Gateway itself as the local gateway answers it: 405
 * application/problem+json with `Allow`, from a mock integration, before any authorizer and without reaching the
 * ALB. Without these methods a REST API answers MISSING_AUTHENTICATION_TOKEN (our 404). Helpers for
 * lib/constructs/api-route-methods.ts.
 */
import { MockIntegration, PassthroughBehavior, type IntegrationResponse, type MethodResponse } from 'aws-cdk-lib/aws-apigateway';
import { CORS } from '../../services/contracts/cors';
import type { RouteDefinition } from '../../services/contracts/routes';

/** Every method a client may send that a REST API method can be: the table's, and HEAD and OPTIONS. */
export const ANSWERED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** The problem type the local gateway gives (services/kit/http/problem.ts; docs/problems.md lists it). */
export const METHOD_NOT_ALLOWED_TYPE = 'urn:problem-type:platform:method-not-allowed';

export interface WrongMethods {
  /** The resource path, in the table's syntax (`/products/{id}`). */
  readonly path: string;
  /** The `Allow` value: `GET, PATCH, DELETE`. */
  readonly allow: string;
  /** Methods answered 405 on this resource. */
  readonly methods: readonly string[];
}

const segmentsOf = (path: string) => path.split('/');
const isParam = (segment: string) => /^\{[^{}/]+\}$/.test(segment);

/**
 * Whether a request to `resourcePath` also matches `routePath`, as the local gateway matches: a route's `{param}`
 * takes any segment, a literal only itself. A parameter of the resource is any value but a sibling literal (that
 * one goes to its own resource), so it matches a route's parameter only.
 */
function covers(routePath: string, resourcePath: string): boolean {
  const route = segmentsOf(routePath);
  const resource = segmentsOf(resourcePath);
  return route.length === resource.length && route.every((segment, i) => (isParam(segment) ? true : !isParam(resource[i]!) && segment === resource[i]));
}

/**
 * The methods the local gateway lists in `Allow` for a request to `resourcePath` (services/gateway/routing.ts):
 * its own routes' first, then those of the parameter routes that match it too, most literal segments first, each
 * path's methods in table order, each method once.
 */
export function allowedMethods(routes: readonly RouteDefinition[], resourcePath: string): string[] {
  const paths = [...new Set(routes.map((route) => route.path))].filter((path) => covers(path, resourcePath));
  const literals = (path: string) => segmentsOf(path).filter((segment) => !isParam(segment)).length;
  const ordered = [...paths.filter((path) => path === resourcePath), ...paths.filter((path) => path !== resourcePath).sort((a, b) => literals(b) - literals(a))];
  return [...new Set(ordered.flatMap((path) => routes.filter((route) => route.path === path).map((route) => route.method)))];
}

/**
 * Per path of the table, the methods that answer 405: every method the path has no route for and that no
 * parameter route takes on it (those are the local gateway's to forward: see docs/infrastructure.md). OPTIONS is
 * left to the CORS preflight when CORS is on, as the local gateway answers a preflight before routing.
 */
export function wrongMethods(routes: readonly RouteDefinition[], corsOn: boolean): WrongMethods[] {
  return [...new Set(routes.map((route) => route.path))].map((path) => {
    const allowed = allowedMethods(routes, path);
    const methods = ANSWERED_METHODS.filter((method) => !allowed.includes(method) && !(corsOn && method === 'OPTIONS'));
    return { path, allow: allowed.join(', '), methods };
  });
}

/**
 * The body template: the local gateway's 405 problem. `$context.path` is the caller's text: escapeJavaScript
 * makes it a JSON string's content, but for `'`, which it escapes as `\'` (not JSON), so that is undone.
 */
export function methodNotAllowedTemplate(allow: string): string {
  const body = JSON.stringify({
    type: METHOD_NOT_ALLOWED_TYPE,
    title: 'Method Not Allowed',
    status: 405,
    detail: `This resource supports ${allow}.`,
    instance: '$instance',
    requestId: '$context.requestId',
  });
  return `#set($instance = $util.escapeJavaScript($context.path).replaceAll("\\\\'", "'"))\n${body}`;
}

/** Response headers (name → value) of a 405: `corsOrigin` (one origin or `*`) is echoed when set. */
export function methodNotAllowedHeaders(allow: string, corsOrigin?: string): Record<string, string> {
  return {
    'Content-Type': 'application/problem+json',
    Allow: allow,
    'Cache-Control': 'no-store',
    ...(corsOrigin ? { 'Access-Control-Allow-Origin': corsOrigin, 'Access-Control-Expose-Headers': CORS.exposeHeaders.join(',') } : {}),
  };
}

/**
 * The mock: no request template, so every request, whatever its content type or body, gets the one default
 * integration response (no selection pattern), which is the 405.
 */
export function methodNotAllowedIntegration(allow: string, corsOrigin?: string): { integration: MockIntegration; methodResponses: MethodResponse[] } {
  const headers = methodNotAllowedHeaders(allow, corsOrigin);
  const response: IntegrationResponse = {
    statusCode: '405',
    // Static header values are single-quoted in API Gateway's mapping syntax.
    responseParameters: Object.fromEntries(Object.entries(headers).map(([name, value]) => [`method.response.header.${name}`, `'${value}'`])),
    responseTemplates: { 'application/json': methodNotAllowedTemplate(allow) },
  };
  return {
    integration: new MockIntegration({ passthroughBehavior: PassthroughBehavior.WHEN_NO_TEMPLATES, integrationResponses: [response] }),
    methodResponses: [{ statusCode: '405', responseParameters: Object.fromEntries(Object.keys(headers).map((name) => [`method.response.header.${name}`, true])) }],
  };
}
