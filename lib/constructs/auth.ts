import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  type UserPoolGroup,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Scopes Cognito defines itself; any other scope a route requires must come from a resource server. */
const BUILT_IN_SCOPES = new Set(['aws.cognito.signin.user.admin', 'openid', 'email', 'phone', 'profile']);

export interface AuthProps {
  /** Groups to create; the services map membership to roles (admin routes need `admin`). */
  readonly groups: readonly string[];
  /**
   * Every scope the route table requires. Built-in Cognito scopes need nothing; custom ones
   * (`<identifier>/<name>`) get a resource server per identifier, so no route can require a scope that no
   * token could ever carry.
   */
  readonly requiredScopes: readonly string[];
  /** `PLUS` turns on threat protection (compromised credentials, adaptive authentication) in enforce mode. */
  readonly plan: 'ESSENTIALS' | 'PLUS';
  /** Keep the pool (and its users) when the stack is deleted, and refuse deletion through the API. */
  readonly protectData: boolean;
  /**
   * Lifetime of access and id tokens.
   * @default 1 hour
   */
  readonly tokenValidity?: Duration;
  /**
   * Lifetime of refresh tokens.
   * @default 30 days
   */
  readonly refreshTokenValidity?: Duration;
}

/**
 * The Cognito user pool: email sign-in, a strong password policy, optional TOTP MFA, the groups the services
 * authorize with, and one public app client for USER_PASSWORD_AUTH, SRP and refresh (no client secret: the
 * Identity service calls InitiateAuth as a public client would).
 */
export class Auth extends Construct {
  public readonly userPool: UserPool;
  public readonly client: UserPoolClient;
  public readonly groups: readonly UserPoolGroup[];
  public readonly resourceServers: readonly UserPoolResourceServer[];

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    const custom = [...new Set(props.requiredScopes)].filter((scope) => !BUILT_IN_SCOPES.has(scope));
    const malformed = custom.filter((scope) => !/^[\w.:-]+\/[\w.-]+$/.test(scope));
    if (malformed.length > 0) {
      throw new Error(`Auth requiredScopes must be built-in or "<identifier>/<name>"; got ${malformed.join(', ')}`);
    }

    this.userPool = new UserPool(this, 'UserPool', {
      // Users are created by the Identity service (AdminCreateUser), never by self sign-up against Cognito.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      // Cognito's default policy, spelled out: the Identity service checks the same rule before calling Cognito.
      passwordPolicy: {
        minLength: 8,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: props.plan === 'PLUS' ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(props.plan === 'PLUS' ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: props.protectData,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: 'MFA is optional by design: users may enrol TOTP; requiring it would break the password-only token route of the public contract.',
    });
    if (props.plan !== 'PLUS') {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: 'Non-production stage: the Plus plan bills per monthly active user; prod runs Plus with threat protection enforced.',
      });
    }

    this.groups = props.groups.map((groupName) => this.userPool.addGroup(`${groupName}Group`, { groupName }));
    this.resourceServers = resourceServersFor(custom).map(({ identifier, names }) =>
      this.userPool.addResourceServer(`${identifier.replace(/[^A-Za-z0-9]/g, '')}Server`, {
        identifier,
        scopes: names.map((scopeName) => new ResourceServerScope({ scopeName, scopeDescription: `${identifier}/${scopeName}` })),
      }),
    );

    const tokenValidity = props.tokenValidity ?? Duration.hours(1);
    this.client = this.userPool.addClient('AppClient', {
      authFlows: { userPassword: true, userSrp: true },
      generateSecret: false,
      // No hosted UI and no OAuth flows: tokens come from InitiateAuth only.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: tokenValidity,
      idTokenValidity: tokenValidity,
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.days(30),
      authSessionValidity: Duration.minutes(3),
    });
  }
}

function resourceServersFor(scopes: readonly string[]): { identifier: string; names: string[] }[] {
  const byIdentifier = new Map<string, string[]>();
  for (const scope of scopes) {
    const cut = scope.lastIndexOf('/');
    const identifier = scope.slice(0, cut);
    byIdentifier.set(identifier, [...(byIdentifier.get(identifier) ?? []), scope.slice(cut + 1)]);
  }
  return [...byIdentifier].map(([identifier, names]) => ({ identifier, names }));
}
