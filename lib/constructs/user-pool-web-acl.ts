import { Stack } from 'aws-cdk-lib';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { blockedRequests, visibility } from './web-acl-rules';

export interface UserPoolWebAclProps {
  readonly userPool: IUserPool;
}

/** The rule's name, and its metric's. */
export const COGNITO_PUBLIC_API_RULE = 'cognito-public-api';

/** The operation as the SDKs name it (`X-Amz-Target`), and as Cognito hands it to WAF (its own header). */
const TARGET_PREFIX = 'awscognitoidentityproviderservice.';
const OPERATION_HEADER = 'x-amzn-cognito-operation-name';

const LOWERCASE: CfnWebACL.TextTransformationProperty[] = [{ priority: 0, type: 'LOWERCASE' }];

const headerStartsWith = (name: string, prefix: string): CfnWebACL.StatementProperty => ({
  byteMatchStatement: { fieldToMatch: { singleHeader: { Name: name } }, positionalConstraint: 'STARTS_WITH', searchString: prefix, textTransformations: LOWERCASE },
});
const not = (statement: CfnWebACL.StatementProperty): CfnWebACL.StatementProperty => ({ notStatement: { statement } });

/**
 * A request for one of Cognito's public operations, named by either header: any but `Admin*`. By AWS's account WAF
 * sees only the public ones (calls signed with AWS credentials, Identity's `Admin*` and CloudFormation's, it never
 * sees), so leaving `Admin*` out costs nothing, and keeps Identity's sign-ins passing should that ever change.
 * Either header alone is enough to match: a sender who adds a misleading operation name still matches on the
 * target Cognito runs, if WAF is given it.
 */
export const PUBLIC_OPERATION: CfnWebACL.StatementProperty = {
  orStatement: {
    statements: [
      { andStatement: { statements: [headerStartsWith('x-amz-target', TARGET_PREFIX), not(headerStartsWith('x-amz-target', `${TARGET_PREFIX}admin`))] } },
      {
        andStatement: {
          statements: [
            { sizeConstraintStatement: { fieldToMatch: { singleHeader: { Name: OPERATION_HEADER } }, comparisonOperator: 'GT', size: 0, textTransformations: [{ priority: 0, type: 'NONE' }] } },
            not(headerStartsWith(OPERATION_HEADER, 'admin')),
          ],
        },
      },
    ],
  },
};

/**
 * A web ACL of its own on the user pool that refuses every public Cognito API call (`InitiateAuth`,
 * `ForgotPassword`, `GetUser`, `RevokeToken`, …). They need only the app client id, which every token carries, and
 * they spend the account's Cognito request quotas that Identity's own sign-ins share; the platform makes none
 * (Identity calls `Admin*` only, signed by its task role), so none is legitimate. Anything else the pool answers
 * (its signing keys, which the services fetch) passes: the API's web ACL is not reused, as its managed rules (one
 * blocks requests without a User-Agent, as the key fetch is) were written for the API.
 */
export class UserPoolWebAcl extends Construct {
  public readonly webAcl: CfnWebACL;
  public readonly association: CfnWebACLAssociation;
  /** The web ACL's name, which its CloudWatch metrics carry: one per stack. */
  public readonly webAclName: string;
  public readonly ruleNames: readonly string[] = [COGNITO_PUBLIC_API_RULE];

  constructor(scope: Construct, id: string, props: UserPoolWebAclProps) {
    super(scope, id);
    this.webAclName = `${Stack.of(this).stackName}-user-pool`;
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: this.webAclName,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: 'Refuses Cognito public API calls: the platform makes only IAM-signed Admin calls',
      visibilityConfig: visibility('user-pool-web-acl'),
      rules: [{ name: COGNITO_PUBLIC_API_RULE, priority: 0, visibilityConfig: visibility(COGNITO_PUBLIC_API_RULE), action: { block: {} }, statement: PUBLIC_OPERATION }],
    });
    this.association = new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.userPool.userPoolArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  /** Requests the web ACL blocked, per minute: `ALL` for the total, or one rule's name. */
  metricBlockedRequests(rule = 'ALL'): Metric {
    return blockedRequests(this, this.webAclName, rule, `user pool: ${rule}`);
  }
}
