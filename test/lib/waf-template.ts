/** The shapes of a synthesized AWS::WAFv2::WebACL that the tests read, as lib/constructs/web-acl.ts writes them. */

export interface WafStatement {
  readonly NotStatement?: { readonly Statement: WafStatement };
  readonly SizeConstraintStatement?: { readonly FieldToMatch: { readonly SingleHeader?: { readonly Name: string } }; readonly ComparisonOperator: string; readonly Size: number };
  readonly AndStatement?: { readonly Statements: readonly WafStatement[] };
  readonly OrStatement?: { readonly Statements: readonly WafStatement[] };
  readonly ByteMatchStatement?: { readonly FieldToMatch: { readonly Method?: object }; readonly SearchString: string; readonly PositionalConstraint: string };
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
