/**
 * The web ACL's rules as CloudFormation wants them: rate-based rules scoped to the route table's paths, and AWS
 * managed rule groups. Helpers for lib/constructs/web-acl.ts.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { IConstruct } from 'constructs';
import { pathPattern, type RouteRef, type WafRateRule } from '../waf-limits';

/** The key of the 429 body that every rate-based rule answers with. */
export const RATE_LIMITED = 'rate-limited';
/** WAF's cap on a regex statement's pattern. */
const MAX_PATTERN = 512;

export type Rule = Omit<CfnWebACL.RuleProperty, 'priority'> & { readonly name: string };

export function visibility(metricName: string): CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

/** Requests a web ACL blocked, per minute: `ALL` for the total, or one rule's name; the web ACL's stack gives the region. */
export function blockedRequests(scope: IConstruct, webAclName: string, rule: string, label: string): Metric {
  return new Metric({
    namespace: 'AWS/WAFV2',
    metricName: 'BlockedRequests',
    dimensionsMap: { WebACL: webAclName, Rule: rule, Region: Stack.of(scope).region },
    statistic: 'Sum',
    period: Duration.minutes(1),
    label,
  });
}

/**
 * The Authorization header as a key, folded so one token is one key however it is spelled: `Bearer`, `bearer` and
 * `BEARER`, and any run of spaces or tabs after it, would otherwise each be a budget of their own. Lowercasing
 * also folds the token's own letters; two real tokens that differ only in case do not occur.
 */
export const TOKEN_KEY_TRANSFORMATIONS: CfnWebACL.TextTransformationProperty[] = [
  { priority: 0, type: 'COMPRESS_WHITE_SPACE' },
  { priority: 1, type: 'LOWERCASE' },
];

/** A rate-based rule that blocks a key over `limit` requests in the window with a 429 and `Retry-After`. */
export function rateRule(name: string, limit: number, windowSeconds: number, key: WafRateRule['key'], scopeDownStatement?: CfnWebACL.StatementProperty): Rule {
  return {
    name,
    visibilityConfig: visibility(name),
    action: {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: RATE_LIMITED,
          responseHeaders: [{ name: 'Retry-After', value: String(windowSeconds) }],
        },
      },
    },
    statement: {
      rateBasedStatement: {
        limit,
        evaluationWindowSec: windowSeconds,
        ...(key === 'source-address'
          ? { aggregateKeyType: 'IP' }
          // The whole header is the key: WAF cannot read the token's subject. Requests without it are not counted.
          : { aggregateKeyType: 'CUSTOM_KEYS', customKeys: [{ header: { name: 'authorization', textTransformations: TOKEN_KEY_TRANSFORMATIONS } }] }),
        ...(scopeDownStatement ? { scopeDownStatement } : {}),
      },
    },
  };
}

/** A request with no (or an empty) Authorization header. */
const NO_TOKEN: CfnWebACL.StatementProperty = {
  notStatement: {
    statement: {
      sizeConstraintStatement: { fieldToMatch: { singleHeader: { Name: 'authorization' } }, comparisonOperator: 'GT', size: 0, textTransformations: [{ priority: 0, type: 'NONE' }] },
    },
  },
};

/**
 * What the pool counts: requests to its routes, and requests without a token to its `withoutToken` routes. Paths
 * are as the client sends them, so they may start with `/${stageName}` (lib/waf-limits.ts, `pathPattern`).
 */
export function poolStatement(rule: WafRateRule, stageName: string): CfnWebACL.StatementProperty {
  const parts = [
    ...(rule.routes.length > 0 ? [routesStatement(rule.pool, rule.routes, stageName)] : []),
    ...(rule.withoutToken.length > 0 ? [{ andStatement: { statements: [NO_TOKEN, routesStatement(rule.pool, rule.withoutToken, stageName)] } }] : []),
  ];
  return parts.length === 1 ? parts[0]! : { orStatement: { statements: parts } };
}

/** Requests to these routes: per method, the method and a pattern over the decoded, normalized path. */
function routesStatement(pool: string, routes: readonly RouteRef[], stageName: string): CfnWebACL.StatementProperty {
  const methods = [...new Set(routes.map((route) => route.method))];
  const perMethod = methods.map((method): CfnWebACL.StatementProperty => {
    const regexString = pathPattern(routes.filter((route) => route.method === method).map((route) => route.path), stageName);
    if (regexString.length > MAX_PATTERN) throw new Error(`WebAcl pool "${pool}": the ${method} path pattern is ${regexString.length} characters, over WAF's ${MAX_PATTERN}`);
    return {
      andStatement: {
        statements: [
          { byteMatchStatement: { fieldToMatch: { method: {} }, positionalConstraint: 'EXACTLY', searchString: method, textTransformations: [{ priority: 0, type: 'NONE' }] } },
          {
            regexMatchStatement: {
              fieldToMatch: { uriPath: {} },
              regexString,
              textTransformations: [{ priority: 0, type: 'URL_DECODE' }, { priority: 1, type: 'NORMALIZE_PATH' }],
            },
          },
        ],
      },
    };
  });
  return perMethod.length === 1 ? perMethod[0]! : { orStatement: { statements: perMethod } };
}

/** An AWS managed rule group; the rules named in `countOnly` only count. */
export function managedRule(name: string, countOnly: readonly string[] = []): Rule {
  return {
    name,
    visibilityConfig: visibility(name),
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ...(countOnly.length > 0 ? { ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })) } : {}),
      },
    },
  };
}
