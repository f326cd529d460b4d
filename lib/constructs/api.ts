import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type {
  CorsHttpMethod} from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  type IVpcLink,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpAlbIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IApplicationListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
// The local gateway answers CORS as API Gateway does; both take their lists from one place.
import { CORS } from '../../services/contracts/cors';
import { type RouteDefinition, routeKey, type Throttle } from '../../services/contracts/routes';

export interface ApiProps {
  /** The route table (services/contracts/routes.ts): every route, and only these, becomes an API route. */
  readonly routes: readonly RouteDefinition[];
  /** Stage-wide throttle; a route's own `throttle` overrides it. */
  readonly throttle: Throttle;
  readonly listener: IApplicationListener;
  readonly vpcLink: IVpcLink;
  readonly userPool: IUserPool;
  readonly client: IUserPoolClient;
  /** Origins CORS allows; empty turns CORS off. */
  readonly corsOrigins: readonly string[];
  readonly logRetention: RetentionDays;
}


/**
 * The public edge: an HTTP API whose routes come from the route table, each forwarded unchanged through the VPC
 * link to the internal ALB. Non-public routes need a Cognito access token carrying the route's scopes (which
 * also rejects id tokens: they carry no scope). Throttling, JSON access logs and CORS are set on the stage.
 */
export class Api extends Construct {
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  /** API routes by route key (`GET /products/{id}`). */
  public readonly routes: ReadonlyMap<string, HttpRoute>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const keys = props.routes.map(routeKey);
    const duplicate = keys.find((key, index) => keys.indexOf(key) !== index);
    if (duplicate) throw new Error(`Api routes must be unique; got "${duplicate}" twice`);
    const unscoped = props.routes.filter((route) => route.auth !== 'public' && route.scopes.length === 0).map(routeKey);
    if (unscoped.length > 0) throw new Error(`Api non-public routes need at least one scope; got none on ${unscoped.join(', ')}`);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Identity, Product and Billing behind one edge',
      createDefaultStage: false,
      ...(props.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              allowMethods: CORS.allowMethods.map((method) => method as CorsHttpMethod),
              allowHeaders: [...CORS.allowHeaders],
              exposeHeaders: [...CORS.exposeHeaders],
              maxAge: Duration.seconds(CORS.maxAgeSeconds),
              allowCredentials: false,
            },
          }
        : {}),
    });

    const integration = new HttpAlbIntegration('Alb', props.listener, { vpcLink: props.vpcLink });
    const authorizer = new HttpJwtAuthorizer('Cognito', `https://${props.userPool.userPoolProviderName}`, {
      jwtAudience: [props.client.userPoolClientId],
    });
    const routes = new Map<string, HttpRoute>();
    for (const route of props.routes) {
      const isPublic = route.auth === 'public';
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(isPublic ? {} : { authorizer, authorizationScopes: [...route.scopes] }),
      });
      if (isPublic) {
        Validations.of(created!).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is public in the route table (sign-up, sign-in, catalogue reads, API documents).`,
        });
      }
      routes.set(routeKey(route), created!);
    }
    this.routes = routes;

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: accessLogFormat() },
    });
    // Per-route throttles; API Gateway rejects settings for routes that do not exist yet, hence the dependency.
    const overrides = props.routes.filter((route) => route.throttle);
    (this.stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      overrides.map((route) => [
        routeKey(route),
        // RouteSettings is untyped JSON to CloudFormation, so the keys are written in its own casing.
        { ThrottlingRateLimit: route.throttle!.rateLimit, ThrottlingBurstLimit: route.throttle!.burstLimit },
      ]),
    );
    for (const route of overrides) this.stage.node.addDependency(routes.get(routeKey(route))!);
  }

  /** The invoke URL of the stage. */
  get url(): string {
    return this.stage.url;
  }
}

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      time: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      method: '$context.httpMethod',
      routeKey: '$context.routeKey',
      path: '$context.path',
      protocol: '$context.protocol',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatencyMs: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationLatencyMs: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
      sub: '$context.authorizer.claims.sub',
    }),
  );
}
