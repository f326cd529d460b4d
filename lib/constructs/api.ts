import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { EndpointType, LogGroupLogDestination, type Method, RestApi, type Stage } from 'aws-cdk-lib/aws-apigateway';
import type { ApplicationListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
// The local gateway answers CORS as the deployed edge does; both take their lists from one place.
import { CORS } from '../../services/contracts/cors';
import { addGatewayProblems, retryAfterSeconds } from './api-problems';
import { type ApiProps, validateProps } from './api-props';
import { addMethodsNotAllowed, addRouteMethods } from './api-route-methods';
import { accessLogFormat, methodThrottles } from './api-stage';
import { logRemovalPolicy } from './log-removal';

// The props and their checks, and the methods, live in sibling files; importers keep reading the props here.
export type { ApiProps } from './api-props';

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
    validateProps(props);
    const corsOrigin = props.corsOrigins[0];

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: logRemovalPolicy('Api logRemoval', props.logRemoval) });
    this.restApi = this.addRestApi(props, corsOrigin);
    this.stage = this.restApi.deploymentStage;
    addGatewayProblems(this.restApi, retryAfterSeconds([props.throttle, ...props.routes.flatMap((route) => (route.throttle ? [route.throttle] : []))]), corsOrigin);
    if (corsOrigin) allowOriginOnAnswers(props.listener, corsOrigin);

    this.methods = addRouteMethods(this, this.restApi, props);
    this.methodsNotAllowed = addMethodsNotAllowed(this.restApi, props.routes, corsOrigin);
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
}

/** The ALB's response-header injection: the services' own answers then carry the CORS headers a browser needs. */
function allowOriginOnAnswers(listener: ApplicationListener, origin: string): void {
  listener.setAttribute('routing.http.response.access_control_allow_origin.header_value', origin);
  listener.setAttribute('routing.http.response.access_control_expose_headers.header_value', CORS.exposeHeaders.join(','));
}
