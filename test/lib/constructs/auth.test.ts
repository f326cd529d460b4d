import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { Auth, type AuthProps } from '../../../lib/constructs/auth';
import { ADMIN_GROUP, API_SCOPE, COGNITO_USER_SCOPE } from '../../../services/contracts/routes';
import { PASSWORD_MIN } from '../../../services/identity/domain/password-policy';
import { disposeTestApps, testStack } from '../synth';

const BASE: AuthProps = { groups: [ADMIN_GROUP], requiredScopes: [API_SCOPE], plan: 'ESSENTIALS', protectData: false };

afterEach(disposeTestApps);

function synth(props: Partial<AuthProps> = {}): Template {
  const test = testStack();
  new Auth(test.stack, 'Auth', { ...BASE, ...props });
  return Template.fromStack(test.stack);
}

describe('Auth', () => {
  it('when built, then the pool signs in by email with the password policy the Identity service checks, and optional TOTP', () => {
    synth().hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: {
          MinimumLength: PASSWORD_MIN,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'ESSENTIALS',
    });
  });

  it('when built, then no user can recover an account by themselves: only an administrator sets a password', () => {
    // ForgotPassword needs nothing but the public client id: with email recovery anyone could have reset codes mailed
    // to any user (all have a verified email) and set a password around Identity.
    synth().hasResourceProperties('AWS::Cognito::UserPool', {
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'admin_only', Priority: 1 }] },
    });
  });

  it('when built, then the admin group exists', () => {
    synth().hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
  });

  it('when built, then one client without a secret allows admin password sign-in and refresh, with 15-minute access tokens', () => {
    synth().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 43200,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  it('when the routes need the API scope, then a resource server defines it', () => {
    synth().hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'platform',
      Scopes: [{ ScopeName: 'api', ScopeDescription: 'platform/api' }],
    });
  });

  it('when routes need custom scopes, then one resource server per identifier defines them', () => {
    const template = synth({ requiredScopes: ['billing/read', 'billing/write'] });
    template.resourceCountIs('AWS::Cognito::UserPoolResourceServer', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'billing',
      Scopes: [
        { ScopeName: 'read', ScopeDescription: 'billing/read' },
        { ScopeName: 'write', ScopeDescription: 'billing/write' },
      ],
    });
  });

  it('when built, then a V2_0 pre-token-generation trigger adds the custom scopes and suppresses the self-service scope', () => {
    const template = synth({ requiredScopes: [API_SCOPE, 'billing/read'] });
    const [functionId] = Object.keys(template.findResources('AWS::Lambda::Function'));
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: { 'Fn::GetAtt': [functionId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: { Variables: { ADD_SCOPES: `${API_SCOPE} billing/read`, SUPPRESS_SCOPES: COGNITO_USER_SCOPE } },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com' });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete', Properties: Match.not(Match.objectLike({ LogGroupName: Match.anyValue() })) });
  });

  it('when a route would need the self-service scope, then it refuses: no token could carry it', () => {
    expect(() => synth({ requiredScopes: [API_SCOPE, COGNITO_USER_SCOPE] })).toThrow(/cannot include aws\.cognito\.signin\.user\.admin/);
  });

  it('when no custom scope is required, then it refuses: the trigger would grant nothing', () => {
    expect(() => synth({ requiredScopes: ['openid'] })).toThrow(/at least one "<identifier>\/<name>" scope/);
  });

  it.each([4, 61])('when the token validity is %i minutes, then it refuses, naming it', (minutes) => {
    expect(() => synth({ tokenValidity: Duration.minutes(minutes) })).toThrow(new RegExp(`got ${minutes}`));
  });

  it('when the plan is PLUS with data protected, then threat protection is enforced and the pool is kept', () => {
    const template = synth({ plan: 'PLUS', protectData: true });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('when the plan is PLUS, then leaked passwords are blocked and account-takeover risk is audited without action (Cognito sees the service, not the client)', () => {
    const template = synth({ plan: 'PLUS' });
    const noAction = { EventAction: 'NO_ACTION', Notify: false };
    template.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      ClientId: 'ALL',
      UserPoolId: Match.anyValue(),
      CompromisedCredentialsRiskConfiguration: { Actions: { EventAction: 'BLOCK' }, EventFilter: ['SIGN_IN', 'SIGN_UP', 'PASSWORD_CHANGE'] },
      AccountTakeoverRiskConfiguration: { Actions: { LowAction: noAction, MediumAction: noAction, HighAction: noAction } },
    });
  });

  it('when the plan is ESSENTIALS, then there is no threat protection to configure', () => {
    synth().resourceCountIs('AWS::Cognito::UserPoolRiskConfigurationAttachment', 0);
  });

  it('when a scope is neither built in nor "<identifier>/<name>", then it refuses, naming it', () => {
    expect(() => synth({ requiredScopes: ['write'] })).toThrow(/got write/);
  });
});
