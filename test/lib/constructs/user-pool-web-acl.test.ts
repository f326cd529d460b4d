import { Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { afterEach, describe, expect, it } from 'vitest';
import { COGNITO_PUBLIC_API_RULE, UserPoolWebAcl } from '../../../lib/constructs/user-pool-web-acl';
import { disposeTestApps, resourcesOf, testStack } from '../synth';
import { matchesHeaders, type WafRule } from '../waf-template';

afterEach(disposeTestApps);

function build() {
  const test = testStack();
  const pool = new UserPool(test.stack, 'Pool');
  new UserPoolWebAcl(test.stack, 'PoolFirewall', { userPool: pool });
  const template = Template.fromStack(test.stack);
  const [acl] = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACL'));
  return { template, acl: acl!.Properties!, rules: acl!.Properties!.Rules as WafRule[], poolId: Object.keys(resourcesOf(template, 'AWS::Cognito::UserPool'))[0]! };
}

/** A call as the SDKs send it, with the operation name Cognito hands WAF beside it. */
const call = (operation: string) => ({ 'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`, 'x-amzn-cognito-operation-name': operation });

describe('UserPoolWebAcl', () => {
  it('when built, then a regional web ACL of its own, allowing by default, is associated with the user pool', () => {
    const { template, acl, poolId } = build();
    expect(acl).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const associations = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACLAssociation'));
    expect(associations.map((a) => a.Properties!.ResourceArn)).toEqual([{ 'Fn::GetAtt': [poolId, 'Arn'] }]);
  });

  it('when built, then it has one rule, which blocks, and no managed group or rate rule that could judge the pool\'s other requests', () => {
    const { rules } = build();
    expect(rules.map((r) => [r.Name, r.Priority, r.Action])).toEqual([[COGNITO_PUBLIC_API_RULE, 0, { Block: {} }]]);
  });

  it.each(['InitiateAuth', 'ForgotPassword', 'ConfirmForgotPassword', 'RespondToAuthChallenge', 'RevokeToken', 'GetUser', 'SignUp', 'GetTokensFromRefreshToken'])(
    'when anyone calls the public %s, then the rule blocks it, whichever of the two headers WAF is given, in any case',
    (operation) => {
      const statement = build().rules[0]!.Statement;
      const { 'X-Amz-Target': target, 'x-amzn-cognito-operation-name': name } = call(operation);
      expect(matchesHeaders(statement, call(operation))).toBe(true);
      expect(matchesHeaders(statement, { 'x-amz-target': target.toLowerCase() })).toBe(true);
      expect(matchesHeaders(statement, { 'X-Amzn-Cognito-Operation-Name': name.toUpperCase() })).toBe(true);
      // A misleading operation name beside the real target still matches.
      expect(matchesHeaders(statement, { 'X-Amz-Target': target, 'x-amzn-cognito-operation-name': 'AdminInitiateAuth' })).toBe(true);
    },
  );

  it.each(['AdminInitiateAuth', 'AdminCreateUser', 'AdminSetUserPassword', 'AdminGetUser', 'AdminUserGlobalSignOut', 'AdminDeleteUser'])(
    'when Identity calls %s (signed by its role), then the rule lets it through',
    (operation) => {
      expect(matchesHeaders(build().rules[0]!.Statement, call(operation))).toBe(false);
    },
  );

  it('when the services fetch the pool\'s signing keys (a GET with no operation), then the rule lets it through', () => {
    expect(matchesHeaders(build().rules[0]!.Statement, { host: 'cognito-idp.us-east-1.amazonaws.com' })).toBe(false);
    expect(matchesHeaders(build().rules[0]!.Statement, { 'x-amz-target': 'Other.InitiateAuth' })).toBe(false);
  });
});
