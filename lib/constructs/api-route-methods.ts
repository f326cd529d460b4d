/**
 * The methods of an Api (api.ts): one per route of the table, proxied unchanged through the VPC link V2 to the ALB,
 * and a 405 mock for every other method on their paths (api-wrong-methods.ts). Made on the Api's REST API.
 */
import { Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  type CfnMethod,
  CognitoUserPoolsAuthorizer,
  Integration,
  IntegrationType,
  type IResource,
  type Method,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { type RouteDefinition, routeKey } from '../../services/contracts/routes';
import type { ApiProps } from './api-props';
import { methodNotAllowedIntegration, wrongMethods } from './api-wrong-methods';

/** One method per route of the table, by route key, all sharing one Cognito authorizer. */
export function addRouteMethods(scope: Construct, restApi: RestApi, props: ApiProps): Map<string, Method> {
  const authorizer = new CognitoUserPoolsAuthorizer(scope, 'Cognito', { cognitoUserPools: [props.userPool] });
  const methods = new Map<string, Method>();
  for (const route of props.routes) methods.set(routeKey(route), addRouteMethod(restApi, route, props, authorizer));
  return methods;
}

/** The route's method, proxied with its path unchanged through the VPC link to the ALB. */
function addRouteMethod(restApi: RestApi, route: RouteDefinition, props: ApiProps, authorizer: CognitoUserPoolsAuthorizer): Method {
  const { loadBalancer } = props.listener;
  const resource = resourceFor(restApi, route.path);
  const pathParameters = [...route.path.matchAll(/\{([^{}/]+)\}/g)].map((match) => match[1]!);
  const integration = new Integration({
    type: IntegrationType.HTTP_PROXY,
    integrationHttpMethod: route.method,
    uri: `http://${loadBalancer.loadBalancerDnsName}:${props.listener.port}${route.path}`,
    options: {
      requestParameters: Object.fromEntries(pathParameters.map((name) => [`integration.request.path.${name}`, `method.request.path.${name}`])),
    },
  });
  const isPublic = route.auth === 'public';
  const method = resource.addMethod(route.method, integration, {
    requestParameters: Object.fromEntries(pathParameters.map((name) => [`method.request.path.${name}`, true])),
    ...(isPublic
      ? { authorizationType: AuthorizationType.NONE }
      : { authorizationType: AuthorizationType.COGNITO, authorizer, authorizationScopes: [...route.scopes] }),
  });
  // The VPC link V2 and its target have no L2 property in 2.276: set them on the L1 method.
  const cfn = method.node.defaultChild as CfnMethod;
  cfn.addPropertyOverride('Integration.ConnectionType', 'VPC_LINK');
  cfn.addPropertyOverride('Integration.ConnectionId', props.vpcLink.vpcLinkId);
  cfn.addPropertyOverride('Integration.IntegrationTarget', loadBalancer.loadBalancerArn);
  if (isPublic) {
    for (const rule of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
      Validations.of(method).acknowledge({
        id: rule,
        reason: `${routeKey(route)} is public in the route table (sign-up, sign-in, catalogue reads, API documents).`,
      });
    }
  }
  return method;
}

/**
 * A wrong method on a path of the table answers 405 with `Allow`, as the local gateway does, from API Gateway
 * itself: no authorizer (the local gateway routes before it authorizes, so a caller without a token gets 405
 * too), no per-method throttle (the stage's default applies), and nothing reaches the ALB.
 */
export function addMethodsNotAllowed(restApi: RestApi, routes: readonly RouteDefinition[], corsOrigin: string | undefined): Map<string, Method> {
  const added = new Map<string, Method>();
  for (const { path, allow, methods } of wrongMethods(routes, corsOrigin !== undefined)) {
    const resource = resourceFor(restApi, path);
    for (const httpMethod of methods) {
      const { integration, methodResponses } = methodNotAllowedIntegration(allow, corsOrigin);
      const method = resource.addMethod(httpMethod, integration, { authorizationType: AuthorizationType.NONE, methodResponses });
      for (const rule of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(method).acknowledge({
          id: rule,
          reason: `${httpMethod} ${path} is not a route: API Gateway answers it 405 with Allow: ${allow} itself (mock integration), before any authorizer, as the local gateway does.`,
        });
      }
      added.set(`${httpMethod} ${path}`, method);
    }
  }
  return added;
}

/** The resource of a path of the table, made on first use. */
function resourceFor(restApi: RestApi, path: string): IResource {
  let resource: IResource = restApi.root;
  for (const part of path.split('/').filter(Boolean)) resource = resource.getResource(part) ?? resource.addResource(part);
  return resource;
}
