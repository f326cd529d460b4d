import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { Auth, type AuthProps } from '../../../lib/constructs/auth';
import { ADMIN_GROUP, COGNITO_USER_SCOPE } from '../../../services/contracts/routes';
import { PASSWORD_MIN } from '../../../services/identity/domain/password-policy';
import { disposeTestApps, testStack } from '../synth';

const BASE: AuthProps = { groups: [ADMIN_GROUP], requiredScopes: [COGNITO_USER_SCOPE], plan: 'ESSENTIALS', protectData: false };

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

  it('when built, then the admin group exists', () => {
    synth().hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
  });

  it('when built, then one public client allows password, SRP and refresh sign-in with set token lifetimes', () => {
    synth().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 43200,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  it('when the route table only needs the built-in scope, then no resource server is made', () => {
    synth().resourceCountIs('AWS::Cognito::UserPoolResourceServer', 0);
  });

  it('when routes need custom scopes, then one resource server per identifier defines them', () => {
    const template = synth({ requiredScopes: [COGNITO_USER_SCOPE, 'billing/read', 'billing/write'] });
    template.resourceCountIs('AWS::Cognito::UserPoolResourceServer', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'billing',
      Scopes: [
        { ScopeName: 'read', ScopeDescription: 'billing/read' },
        { ScopeName: 'write', ScopeDescription: 'billing/write' },
      ],
    });
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

  it('when a scope is neither built in nor "<identifier>/<name>", then it refuses, naming it', () => {
    expect(() => synth({ requiredScopes: ['write'] })).toThrow(/got write/);
  });
});
