import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type { CfnStage, Stage } from 'aws-cdk-lib/aws-apigateway';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { WAF_MIN_LIMIT, type WafLimits } from '../waf-limits';
import { blockedRequests, managedRule, poolStatement, RATE_LIMITED, rateRule, visibility } from './web-acl-rules';
import { type LogRemoval, logRemovalPolicy } from './log-removal';

/** The stage setting (lib/stages.ts). */
export interface WebAclSettings {
  /**
   * Put the web ACL in front of the API, and the user pool's own (user-pool-web-acl.ts) on the pool. Off saves their
   * monthly fee per ACL and rule, and their price per request.
   */
  readonly enabled: boolean;
}

export interface WebAclProps {
  /** The REST API stage the web ACL protects. */
  readonly stage: Stage;
  /** Rate-based rules, from the route table (lib/waf-limits.ts). */
  readonly limits: WafLimits;
  /** Retention of the WAF log group (blocked and counted requests). */
  readonly logRetention: RetentionDays;
  /**
   * What a stack delete does to the WAF log group (lib/stages.ts, `logRemoval`): `retain` keeps it for audit.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
}

const WINDOWS = [60, 120, 300, 600];

/**
 * AWS WAF in front of the REST API stage: per-client rate-based rules from the route table, then AWS's managed
 * known-bad-inputs and common rule sets. A rate-limited client gets a 429 problem with `Retry-After`. Blocked and
 * counted requests are logged, with the Authorization header redacted, to an `aws-waf-logs-` log group.
 */
export class WebAcl extends Construct {
  public readonly webAcl: CfnWebACL;
  public readonly association: CfnWebACLAssociation;
  public readonly logGroup: LogGroup;
  public readonly logging: CfnLoggingConfiguration;
  /** The web ACL's name, which its CloudWatch metrics carry: one per stack. */
  public readonly webAclName: string;
  /** The rules' names, in evaluation order (each is also its metric name). */
  public readonly ruleNames: readonly string[];

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const { limits } = props;
    if (!WINDOWS.includes(limits.windowSeconds)) throw new Error(`WebAcl windowSeconds must be one of ${WINDOWS.join(', ')}; got ${limits.windowSeconds}`);
    for (const rule of limits.pools) {
      if (!Number.isInteger(rule.limit) || rule.limit < WAF_MIN_LIMIT) throw new Error(`WebAcl pool "${rule.pool}" needs a whole limit ≥ ${WAF_MIN_LIMIT}; got ${rule.limit}`);
      if (rule.routes.length + rule.withoutToken.length === 0) throw new Error(`WebAcl pool "${rule.pool}" has no routes`);
      if (rule.withoutToken.length > 0 && rule.key !== 'source-address') throw new Error(`WebAcl pool "${rule.pool}" counts requests without a token, so it must count per source address; got ${rule.key}`);
    }

    // WAF sees the path the client sent, with the stage's segment in front (`/api/identity/token`).
    // Stage.stageName is a Ref; the name itself is on the stage's CloudFormation resource.
    const stageName = (props.stage.node.defaultChild as CfnStage | undefined)?.stageName;
    if (stageName === undefined || Token.isUnresolved(stageName)) throw new Error(`WebAcl needs a stage whose name is known at synthesis, as its path patterns start with it; got ${stageName}`);
    const rateRules = [
      rateRule('per-address-backstop', limits.backstopPerAddress, limits.windowSeconds, 'source-address'),
      ...limits.pools.map((rule) => rateRule(`per-client-${rule.pool}`, rule.limit, limits.windowSeconds, rule.key, poolStatement(rule, stageName))),
    ];
    const managed = [
      managedRule('AWSManagedRulesKnownBadInputsRuleSet'),
      // Bodies over 8 KB are legitimate here (long descriptions, invoices with many lines): the services answer
      // the contract's 413 past 1 MiB as a problem, and API Gateway refuses past 10 MB. So that one rule only counts.
      managedRule('AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY']),
    ];
    const rules = [...rateRules, ...managed];
    this.ruleNames = rules.map((rule) => rule.name);
    // Named, so the dashboard can find its metrics; a stack holds one, and deleting the stack frees the name.
    this.webAclName = `${Stack.of(this).stackName}-edge`;
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: this.webAclName,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: 'Per-client limits from the route table, then AWS managed rule groups',
      visibilityConfig: visibility('web-acl'),
      customResponseBodies: {
        [RATE_LIMITED]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: `Too many requests from this client; retry after ${limits.windowSeconds} s.` }),
        },
      },
      rules: rules.map((rule, priority) => ({ ...rule, priority })),
    });

    this.association = new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    // The stage must exist before it can be associated.
    this.association.node.addDependency(props.stage);

    // WAF requires the aws-waf-logs- prefix. The web ACL's id makes the name new on every re-creation, so a
    // stage destroyed and deployed again never meets its old group, even one it kept.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${this.webAcl.attrId}`,
      retention: props.logRetention,
      removalPolicy: logRemovalPolicy('WebAcl logRemoval', props.logRemoval),
    });
    this.logging = new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group's ARN without the `:*` suffix that LogGroup.logGroupArn carries.
      logDestinationConfigs: [Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: this.logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
      // Allowed requests are in the API's access logs already; WAF logs what it refused or would have.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [{
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: ['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT'].map((action) => ({ ActionCondition: { Action: action } })),
        }],
      },
    });
  }

  /** Requests the web ACL blocked, per minute: `ALL` for the total, or one rule's name. */
  metricBlockedRequests(rule = 'ALL'): Metric {
    return blockedRequests(this, this.webAclName, rule, rule === 'ALL' ? 'all rules' : rule);
  }
}
