/** The shapes of a synthesized AWS::WAFv2::WebACL that the tests read, as lib/constructs/web-acl.ts writes them. */

export interface WafStatement {
  readonly NotStatement?: { readonly Statement: WafStatement };
  readonly SizeConstraintStatement?: { readonly FieldToMatch: { readonly SingleHeader?: { readonly Name: string } }; readonly ComparisonOperator: string; readonly Size: number; readonly TextTransformations?: unknown[] };
  readonly AndStatement?: { readonly Statements: readonly WafStatement[] };
  readonly OrStatement?: { readonly Statements: readonly WafStatement[] };
  readonly ByteMatchStatement?: {
    readonly FieldToMatch: { readonly Method?: object; readonly SingleHeader?: { readonly Name: string } };
    readonly SearchString: string;
    readonly PositionalConstraint: string;
    readonly TextTransformations?: readonly { readonly Type: string }[];
  };
  readonly RegexMatchStatement?: { readonly FieldToMatch: { readonly UriPath?: object }; readonly RegexString: string; readonly TextTransformations: unknown[] };
  readonly RateBasedStatement?: {
    readonly Limit: number;
    readonly EvaluationWindowSec: number;
    readonly AggregateKeyType: string;
    readonly CustomKeys?: unknown[];
    readonly ScopeDownStatement?: WafStatement;
  };
  readonly ManagedRuleGroupStatement?: { readonly VendorName: string; readonly Name: string; readonly RuleActionOverrides?: unknown[] };
}

export interface WafRule {
  readonly Name: string;
  readonly Priority: number;
  readonly Statement: WafStatement;
  readonly Action?: { readonly Block?: { readonly CustomResponse?: unknown } };
  readonly OverrideAction?: unknown;
}

/** A request as the rules see it: whether it carries a (non-empty) Authorization header. */
export interface WafRequest {
  readonly method: string;
  readonly path: string;
  readonly hasToken: boolean;
}

/** Does a scope-down statement (of the kinds web-acl.ts writes) match this request? */
export function matchesRequest(statement: WafStatement, request: WafRequest): boolean {
  const { method, path } = request;
  if (statement.AndStatement) return statement.AndStatement.Statements.every((s) => matchesRequest(s, request));
  if (statement.OrStatement) return statement.OrStatement.Statements.some((s) => matchesRequest(s, request));
  if (statement.NotStatement) return !matchesRequest(statement.NotStatement.Statement, request);
  const size = statement.SizeConstraintStatement;
  if (size?.FieldToMatch.SingleHeader?.Name === 'authorization' && size.ComparisonOperator === 'GT' && size.Size === 0) return request.hasToken;
  if (statement.ByteMatchStatement?.FieldToMatch.Method) return statement.ByteMatchStatement.SearchString === method;
  if (statement.RegexMatchStatement?.FieldToMatch.UriPath) return new RegExp(statement.RegexMatchStatement.RegexString).test(path);
  throw new Error(`a statement the tests cannot evaluate: ${JSON.stringify(statement)}`);
}

/**
 * Does a statement over request headers (byte matches and size constraints on single headers, as
 * lib/constructs/user-pool-web-acl.ts writes them) match a request with these headers? Names are case-insensitive.
 */
export function matchesHeaders(statement: WafStatement, headers: Readonly<Record<string, string>>): boolean {
  if (statement.AndStatement) return statement.AndStatement.Statements.every((s) => matchesHeaders(s, headers));
  if (statement.OrStatement) return statement.OrStatement.Statements.some((s) => matchesHeaders(s, headers));
  if (statement.NotStatement) return !matchesHeaders(statement.NotStatement.Statement, headers);
  const valueOf = (name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const size = statement.SizeConstraintStatement;
  if (size?.FieldToMatch.SingleHeader && size.ComparisonOperator === 'GT') return (valueOf(size.FieldToMatch.SingleHeader.Name) ?? '').length > size.Size;
  const bytes = statement.ByteMatchStatement;
  if (bytes?.FieldToMatch.SingleHeader) {
    const raw = valueOf(bytes.FieldToMatch.SingleHeader.Name);
    if (raw === undefined) return false;
    const types = (bytes.TextTransformations ?? []).map((t) => t.Type).filter((type) => type !== 'NONE');
    if (types.some((type) => type !== 'LOWERCASE')) throw new Error(`a transformation the tests cannot apply: ${types.join(', ')}`);
    const value = types.length > 0 ? raw.toLowerCase() : raw;
    if (bytes.PositionalConstraint === 'STARTS_WITH') return value.startsWith(bytes.SearchString);
    if (bytes.PositionalConstraint === 'EXACTLY') return value === bytes.SearchString;
  }
  throw new Error(`a statement the tests cannot evaluate: ${JSON.stringify(statement)}`);
}

/**
 * Published capacities (WAF developer guide, "Web ACL capacity units"): the managed groups', and per statement a
 * base cost plus 10 per text transformation other than NONE.
 */
const MANAGED_WCUS: Readonly<Record<string, number>> = { AWSManagedRulesCommonRuleSet: 700, AWSManagedRulesKnownBadInputsRuleSet: 200 };

const transforms = (list: unknown[] | undefined) => (list ?? []).filter((t) => (t as { Type: string }).Type !== 'NONE').length * 10;

/** The web ACL capacity units of a statement, estimated from AWS's published costs. */
export function capacityUnits(statement: WafStatement): number {
  if (statement.AndStatement) return statement.AndStatement.Statements.reduce((sum, s) => sum + capacityUnits(s), 0);
  if (statement.OrStatement) return statement.OrStatement.Statements.reduce((sum, s) => sum + capacityUnits(s), 0);
  if (statement.NotStatement) return capacityUnits(statement.NotStatement.Statement);
  if (statement.SizeConstraintStatement) return 1;
  if (statement.ByteMatchStatement) return 2 + transforms((statement.ByteMatchStatement as { TextTransformations?: unknown[] }).TextTransformations);
  if (statement.RegexMatchStatement) return 3 + transforms(statement.RegexMatchStatement.TextTransformations);
  if (statement.RateBasedStatement) {
    const { CustomKeys, ScopeDownStatement } = statement.RateBasedStatement;
    return 2 + 30 * (CustomKeys?.length ?? 0) + (ScopeDownStatement ? capacityUnits(ScopeDownStatement) : 0);
  }
  if (statement.ManagedRuleGroupStatement) {
    const units = MANAGED_WCUS[statement.ManagedRuleGroupStatement.Name];
    if (units === undefined) throw new Error(`no published capacity for ${statement.ManagedRuleGroupStatement.Name}`);
    return units;
  }
  throw new Error(`a statement the tests cannot price: ${JSON.stringify(statement)}`);
}
