/**
 * Cognito's pre-token-generation trigger (event version V2_0), run by the user pool before it issues tokens at
 * sign-in and at every refresh. It adds the scopes only this API grants to the access token and suppresses the
 * ones that would let the token call Cognito's self-service APIs (DeleteUser, UpdateUserAttributes) around the
 * Identity service. The id token is left as it is.
 *
 * Deployed by lib/constructs/auth.ts, bundled by CDK's NodejsFunction (esbuild, locally), which passes the
 * scopes in ADD_SCOPES and SUPPRESS_SCOPES (space-separated), so the template shows what the trigger does. It
 * lives under lib/ because the CDK app deploys it as part of the user pool: it is pool configuration, shares
 * nothing with the Identity service's image, and reads no database. Plain Node: no framework, no SDK.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

export interface ScopeRules {
  readonly add: readonly string[];
  readonly suppress: readonly string[];
}

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 scope-token characters

/** The rules from the function's environment; throws (every sign-in then fails, closed) when they are unusable. */
export function scopeRulesFrom(env: Readonly<Record<string, string | undefined>>): ScopeRules {
  const list = (name: string) => (env[name] ?? '').split(' ').filter(Boolean);
  const rules = { add: list('ADD_SCOPES'), suppress: list('SUPPRESS_SCOPES') };
  const bad = [...rules.add, ...rules.suppress].filter((scope) => !SCOPE.test(scope));
  if (rules.add.length === 0 || bad.length > 0) {
    throw new Error(`pre-token-generation: ADD_SCOPES needs at least one scope and every scope must be a scope-token; got ADD_SCOPES="${env.ADD_SCOPES ?? ''}", SUPPRESS_SCOPES="${env.SUPPRESS_SCOPES ?? ''}"`);
  }
  if (rules.add.some((scope) => rules.suppress.includes(scope))) throw new Error('pre-token-generation: a scope cannot be both added and suppressed');
  return rules;
}

/**
 * The event with its response set: the access token gets `rules.add` and loses `rules.suppress`. Whatever else
 * the response held (Cognito sends it empty or null) is kept.
 */
export function shapeTokens<E extends PreTokenGenerationV2TriggerEvent>(event: E, rules: ScopeRules): E {
  const details = event.response?.claimsAndScopeOverrideDetails ?? {};
  const access = details.accessTokenGeneration ?? {};
  event.response = {
    claimsAndScopeOverrideDetails: {
      ...details,
      accessTokenGeneration: { ...access, scopesToAdd: [...rules.add], scopesToSuppress: [...rules.suppress] },
    },
  };
  return event;
}

type Handler = (event: PreTokenGenerationV2TriggerEvent) => Promise<PreTokenGenerationV2TriggerEvent>;

/** A handler on these environment variables; they are read at the first call, not at import. */
export function createHandler(env: Readonly<Record<string, string | undefined>>): Handler {
  let rules: ScopeRules | undefined;
  return async (event) => shapeTokens(event, (rules ??= scopeRulesFrom(env)));
}

/** What Lambda calls (`index.handler`). */
export const handler: Handler = createHandler(process.env);
