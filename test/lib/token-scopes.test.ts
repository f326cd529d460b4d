/**
 * Issue 9, "Scopes that only this API grants", on both synthesized stages: every authenticated API route
 * requires the API scope and none accepts the self-service scope, which the pool's V2_0 pre-token-generation
 * trigger suppresses; access tokens live 15 minutes.
 */
import { describe, expect, it } from 'vitest';
import { API_SCOPE, COGNITO_USER_SCOPE } from '../../services/contracts/scopes';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();

describe.each(Object.entries(synthesized))('the %s stage', (_stage, { appTemplate }) => {
  it('when synthesized, then every API route with an authorizer requires the API scope and none the self-service scope', () => {
    // Whichever API type the edge uses: HTTP API routes (JWT authorizer) or REST API methods (Cognito authorizer).
    const routes = [
      ...Object.values(resourcesOf(appTemplate, 'AWS::ApiGatewayV2::Route')),
      ...Object.values(resourcesOf(appTemplate, 'AWS::ApiGateway::Method')),
    ].map((route) => route.Properties ?? {});
    const guarded = routes.filter((route) => ['JWT', 'COGNITO_USER_POOLS'].includes(String(route.AuthorizationType)));
    expect(guarded.length).toBeGreaterThan(0);
    for (const route of guarded) expect(route.AuthorizationScopes, JSON.stringify(route)).toEqual([API_SCOPE]);
    expect(JSON.stringify(routes)).not.toContain(COGNITO_USER_SCOPE);
  });

  it('when synthesized, then the pool runs a V2_0 trigger that suppresses the self-service scope and adds the API scope', () => {
    const [pool] = Object.values(resourcesOf(appTemplate, 'AWS::Cognito::UserPool'));
    const config = (pool?.Properties?.LambdaConfig as { PreTokenGenerationConfig?: { LambdaVersion?: string; LambdaArn?: { 'Fn::GetAtt': [string, string] } } })
      .PreTokenGenerationConfig;
    expect(config?.LambdaVersion).toBe('V2_0');
    expect(['ESSENTIALS', 'PLUS']).toContain(pool?.Properties?.UserPoolTier);
    const trigger = resourcesOf(appTemplate, 'AWS::Lambda::Function')[config!.LambdaArn!['Fn::GetAtt'][0]];
    expect(trigger?.Properties?.Environment).toEqual({ Variables: { ADD_SCOPES: API_SCOPE, SUPPRESS_SCOPES: COGNITO_USER_SCOPE } });
  });

  it('when synthesized, then access and id tokens live 15 minutes', () => {
    const [client] = Object.values(resourcesOf(appTemplate, 'AWS::Cognito::UserPoolClient'));
    expect(client?.Properties).toMatchObject({ AccessTokenValidity: 15, IdTokenValidity: 15, TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes' } });
  });
});
