import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler, scopeRulesFrom, shapeTokens } from '../../../lib/functions/pre-token-generation';
import { ACCESS_TOKEN_SCOPES, API_SCOPE, COGNITO_USER_SCOPE } from '../../../services/contracts/scopes';

const RULES = { add: [...ACCESS_TOKEN_SCOPES.add], suppress: [...ACCESS_TOKEN_SCOPES.suppress] };

/** The V2_0 request as the Cognito developer guide shows it for a password sign-in; the response comes empty. */
function cognitoEvent(triggerSource: PreTokenGenerationV2TriggerEvent['triggerSource'] = 'TokenGeneration_Authentication'): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource,
    region: 'us-east-1',
    userPoolId: 'us-east-1_EXAMPLE',
    userName: '4b1e4f3a-0c6d-4e5e-9a0f-2c1d3e4f5a6b',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
    request: {
      userAttributes: { sub: '4b1e4f3a-0c6d-4e5e-9a0f-2c1d3e4f5a6b', email: 'ada@example.com', email_verified: 'true', 'cognito:user_status': 'CONFIRMED' },
      groupConfiguration: { groupsToOverride: ['admin'], iamRolesToOverride: [], preferredRole: undefined },
      scopes: [COGNITO_USER_SCOPE],
    },
    // Cognito sends the response object with a null override; the typings say an object.
    response: { claimsAndScopeOverrideDetails: null as unknown as PreTokenGenerationV2TriggerEvent['response']['claimsAndScopeOverrideDetails'] },
  } as PreTokenGenerationV2TriggerEvent;
}

describe('pre-token-generation trigger', () => {
  it.each(['TokenGeneration_Authentication', 'TokenGeneration_RefreshTokens', 'TokenGeneration_NewPasswordChallenge'] as const)(
    'when Cognito asks for %s tokens, then the access token gets the API scope and loses the self-service scope',
    (source) => {
      const shaped = shapeTokens(cognitoEvent(source), RULES);
      expect(shaped.response.claimsAndScopeOverrideDetails.accessTokenGeneration).toEqual({
        scopesToAdd: [API_SCOPE],
        scopesToSuppress: [COGNITO_USER_SCOPE],
      });
    },
  );

  it('when Lambda invokes the handler with the environment the construct sets, then it answers the shaped event', async () => {
    const handler = createHandler({ ADD_SCOPES: API_SCOPE, SUPPRESS_SCOPES: COGNITO_USER_SCOPE });
    const answer = await handler(cognitoEvent());
    expect(answer.response.claimsAndScopeOverrideDetails.accessTokenGeneration).toEqual({ scopesToAdd: [API_SCOPE], scopesToSuppress: [COGNITO_USER_SCOPE] });
    expect(answer.request.userAttributes.email).toBe('ada@example.com');
  });

  it('when the environment is unusable, then every invocation fails (Cognito then issues no token)', async () => {
    await expect(createHandler({})(cognitoEvent())).rejects.toThrow(/ADD_SCOPES/);
  });

  it('when the response already holds overrides, then they are kept beside the scopes', () => {
    const event = cognitoEvent();
    event.response.claimsAndScopeOverrideDetails = {
      idTokenGeneration: { claimsToSuppress: ['email'] },
      accessTokenGeneration: { claimsToAddOrOverride: { tenant: 'a' } },
    };
    const details = shapeTokens(event, RULES).response.claimsAndScopeOverrideDetails;
    expect(details.idTokenGeneration).toEqual({ claimsToSuppress: ['email'] });
    expect(details.accessTokenGeneration).toMatchObject({ claimsToAddOrOverride: { tenant: 'a' }, scopesToAdd: [API_SCOPE] });
  });

  it('when the id token is concerned, then it is left as Cognito would issue it', () => {
    expect(shapeTokens(cognitoEvent(), RULES).response.claimsAndScopeOverrideDetails.idTokenGeneration).toBeUndefined();
  });

  it('when the environment holds the scopes the construct passes, then they become the rules', () => {
    expect(scopeRulesFrom({ ADD_SCOPES: 'platform/api billing/read', SUPPRESS_SCOPES: COGNITO_USER_SCOPE })).toEqual({
      add: ['platform/api', 'billing/read'],
      suppress: [COGNITO_USER_SCOPE],
    });
  });

  it.each([
    ['no scope to add', {}],
    ['an empty list to add', { ADD_SCOPES: ' ' }],
    ['a scope with a quote', { ADD_SCOPES: 'platform/"api' }],
    ['a scope both added and suppressed', { ADD_SCOPES: API_SCOPE, SUPPRESS_SCOPES: API_SCOPE }],
  ])('when the environment has %s, then the trigger refuses to run (sign-in fails closed)', (_case, env) => {
    expect(() => scopeRulesFrom(env)).toThrow(/pre-token-generation/);
  });
});
