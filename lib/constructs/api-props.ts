/**
 * What an Api (api.ts) is built from, and the checks its props must pass before anything is made.
 */
import type { IVpcLink } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ApplicationListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type RouteDefinition, routeKey, type Throttle } from '../../services/contracts/routes';
import type { LogRemoval } from './log-removal';

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

/** Refuses a route table or CORS setting the edge could not serve as the local gateway does. */
export function validateProps(props: ApiProps): void {
  const keys = props.routes.map(routeKey);
  const duplicate = keys.find((key, index) => keys.indexOf(key) !== index);
  if (duplicate) throw new Error(`Api routes must be unique; got "${duplicate}" twice`);
  const unscoped = props.routes.filter((route) => route.auth !== 'public' && route.scopes.length === 0).map(routeKey);
  if (unscoped.length > 0) throw new Error(`Api non-public routes need at least one scope; got none on ${unscoped.join(', ')}`);
  if (props.corsOrigins.length > 1) {
    throw new Error(`Api corsOrigins: the ALB adds one Access-Control-Allow-Origin value to the services' answers, so give * or one origin; got ${props.corsOrigins.join(', ')}`);
  }
}
