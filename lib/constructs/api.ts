import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  type CfnMethod,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  Integration,
  IntegrationType,
  LogGroupLogDestination,
  type Method,
  type IResource,
  RestApi,
  type Stage,
} from 'aws-cdk-lib/aws-apigateway';
import type { IVpcLink } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ApplicationListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
// The local gateway answers CORS as the deployed edge does; both take their lists from one place.
import { CORS } from '../../services/contracts/cors';
import { type RouteDefinition, routeKey, type Throttle } from '../../services/contracts/routes';
import { addGatewayProblems, retryAfterSeconds } from './api-problems';
import { accessLogFormat, methodThrottles } from './api-stage';
import { methodNotAllowedIntegration, wrongMethods } from './api-wrong-methods';
import { type LogRemoval, logRemovalPolicy } from './log-removal';

export interface ApiProps {
  /**
   * The route table (services/contracts/routes.ts): every route, and only these, becomes a method proxied to the
   * ALB; every other method on their paths becomes a 405 mock.
   */
  readonly routes: readonly RouteDefinition[];
  /** Stage-wide throttle; a route's own `throttle` overrides it. */
  readonly throttle: Throttle;
  /** The internal ALB's listener: every method is proxied to it, path unchanged, through `vpcLink`. */
  readonly listener: ApplicationListener;
  /** A VPC link V2 (the `apigatewayv2` kind) whose security group the ALB admits. */
  readonly vpcLink: IVpcLink;
  /** Issues the access tokens that non-public routes require. */
  readonly userPool: IUserPool;
  /**
   * Origins CORS allows: `['*']`, one origin, or none (CORS off). A REST proxy passes the service's headers
   * through unchanged, so the ALB adds `Access-Control-Allow-Origin` to the services' answers, and it holds one
   * value only: several origins are refused.
   */
  readonly corsOrigins: readonly string[];
  readonly logRetention: RetentionDays;
  /**
   * What a stack delete does to the access log group (lib/stages.ts, `logRemoval`): `retain` keeps it for audit.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
}

/** The stage's path segment: the invoke URL is `https://{id}.execute-api.{region}.amazonaws.com/api/`. */
export const API_STAGE_NAME = 'api';

/**
 * The public edge: a regional REST API whose methods come from the route table, each proxied unchanged through a
 * VPC link V2 to the internal ALB (the L1 `integrationTarget`; aws-cdk-lib 2.276 has no L2 for it). Non-public
 * routes need a Cognito access token carrying one of the route's scopes (which rejects id tokens: they carry no
 * scope). Throttles, JSON access logs and CORS are set on the stage; API Gateway's own errors are problem+json,
 * and a wrong method on a path of the table is its own 405 with `Allow` (api-wrong-methods.ts).
 * A REST API, unlike an HTTP API, takes a WAF web ACL on its stage (lib/constructs/web-acl.ts).
 */
export class Api extends Construct {
  public readonly restApi: RestApi;
  public readonly stage: Stage;
  public readonly accessLogs: LogGroup;
  /** API methods by route key (`GET /products/{id}`). */
  public readonly methods: ReadonlyMap<string, Method>;
  /** The 405 mock methods by key (`PUT /products/{id}`): every other method on a path of the table. */
  public readonly methodsNotAllowed: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    validate(props);
    const corsOrigin = props.corsOrigins[0];

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: logRemovalPolicy('Api logRemoval', props.logRemoval) });
    this.restApi = this.addRestApi(props, corsOrigin);
    this.stage = this.restApi.deploymentStage;
    addGatewayProblems(this.restApi, retryAfterSeconds([props.throttle, ...props.routes.flatMap((route) => (route.throttle ? [route.throttle] : []))]), corsOrigin);
    if (corsOrigin) allowOriginOnAnswers(props.listener, corsOrigin);

    this.methods = this.addRouteMethods(props);
    this.methodsNotAllowed = this.addMethodsNotAllowed(props.routes, corsOrigin);
    this.acknowledgePreflights();
    // The overrides on the route methods are invisible to the deployment's hash: name them, so a change redeploys the stage.
    this.restApi.latestDeployment?.addToLogicalId({ vpcLink: props.vpcLink.vpcLinkId, target: props.listener.loadBalancer.loadBalancerArn });
    this.acknowledgeApiFindings();
  }

  private addRestApi(props: ApiProps, corsOrigin: string | undefined): RestApi {
    return new RestApi(this, 'RestApi', {
      // CloudWatch keys a REST API's metrics on its name: one per stack, so stages in one account stay apart.
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'Identity, Product and Billing behind one edge',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Access logs to CloudWatch need the account's API Gateway logging role. It is retained on removal: the
      // setting is account-wide, and another stage in the account may rely on it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        methodOptions: methodThrottles(props.routes),
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
      },
      ...(corsOrigin
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [corsOrigin],
              allowMethods: [...CORS.allowMethods],
              allowHeaders: [...CORS.allowHeaders],
              exposeHeaders: [...CORS.exposeHeaders],
              maxAge: Duration.seconds(CORS.maxAgeSeconds),
              allowCredentials: false,
            },
          }
        : {}),
    });
  }

  /** One method per route of the table, by route key, all sharing one Cognito authorizer. */
  private addRouteMethods(props: ApiProps): Map<string, Method> {
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Cognito', { cognitoUserPools: [props.userPool] });
    const methods = new Map<string, Method>();
    for (const route of props.routes) methods.set(routeKey(route), this.addRouteMethod(route, props, authorizer));
    return methods;
  }

  /** The route's method, proxied with its path unchanged through the VPC link to the ALB. */
  private addRouteMethod(route: RouteDefinition, props: ApiProps, authorizer: CognitoUserPoolsAuthorizer): Method {
    const { loadBalancer } = props.listener;
    const resource = this.resourceFor(route.path);
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

  /** The CORS preflights API Gateway adds itself: the 405 mocks are acknowledged where they are made. */
  private acknowledgePreflights(): void {
    const notAllowed = new Set(this.methodsNotAllowed.values());
    for (const preflight of this.restApi.methods.filter((method) => method.httpMethod === 'OPTIONS' && !notAllowed.has(method))) {
      for (const rule of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(preflight).acknowledge({ id: rule, reason: 'A CORS preflight, answered by API Gateway itself (mock integration); browsers send it without credentials.' });
      }
    }
  }

  /** The cdk-nag findings on the API, its stage and its logging role that are choices, with why. */
  private acknowledgeApiFindings(): void {
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason: 'The services validate every body strictly against their own schemas and answer 400 problems; API Gateway models would restate those schemas in a second place.',
    });
    Validations.of(this.stage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason: 'JSON access logs record status, latencies, integration, authorizer and WAF outcomes per request; execution logs would be a second, verbose stream in a log group API Gateway names itself.',
    });
    const role = this.restApi.node.tryFindChild('CloudWatchRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'AmazonAPIGatewayPushToCloudWatchLogs is the role API Gateway itself documents for account-wide access logging; it grants log writes only.',
      });
    }
  }

  /** The invoke URL of the stage, ending in `/`. */
  get url(): string {
    return this.restApi.url;
  }

  /**
   * A wrong method on a path of the table answers 405 with `Allow`, as the local gateway does, from API Gateway
   * itself: no authorizer (the local gateway routes before it authorizes, so a caller without a token gets 405
   * too), no per-method throttle (the stage's default applies), and nothing reaches the ALB.
   */
  private addMethodsNotAllowed(routes: readonly RouteDefinition[], corsOrigin: string | undefined): Map<string, Method> {
    const added = new Map<string, Method>();
    for (const { path, allow, methods } of wrongMethods(routes, corsOrigin !== undefined)) {
      const resource = this.resourceFor(path);
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

  private resourceFor(path: string): IResource {
    let resource: IResource = this.restApi.root;
    for (const part of path.split('/').filter(Boolean)) resource = resource.getResource(part) ?? resource.addResource(part);
    return resource;
  }
}

/** Refuses a route table or CORS setting the edge could not serve as the local gateway does. */
function validate(props: ApiProps): void {
  const keys = props.routes.map(routeKey);
  const duplicate = keys.find((key, index) => keys.indexOf(key) !== index);
  if (duplicate) throw new Error(`Api routes must be unique; got "${duplicate}" twice`);
  const unscoped = props.routes.filter((route) => route.auth !== 'public' && route.scopes.length === 0).map(routeKey);
  if (unscoped.length > 0) throw new Error(`Api non-public routes need at least one scope; got none on ${unscoped.join(', ')}`);
  if (props.corsOrigins.length > 1) {
    throw new Error(`Api corsOrigins: the ALB adds one Access-Control-Allow-Origin value to the services' answers, so give * or one origin; got ${props.corsOrigins.join(', ')}`);
  }
}

/** The ALB's response-header injection: the services' own answers then carry the CORS headers a browser needs. */
function allowOriginOnAnswers(listener: ApplicationListener, origin: string): void {
  listener.setAttribute('routing.http.response.access_control_allow_origin.header_value', origin);
  listener.setAttribute('routing.http.response.access_control_expose_headers.header_value', CORS.exposeHeaders.join(','));
}
