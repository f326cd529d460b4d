import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolRiskConfigurationAttachment,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolOperation,
  type UserPoolGroup,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { COGNITO_USER_SCOPE as SELF_SERVICE_SCOPE } from '../../services/contracts/scopes';
import { type LogRemoval, logRemovalPolicy } from './log-removal';

/** Scopes Cognito defines itself; any other scope a route requires must come from a resource server. */
const BUILT_IN_SCOPES = new Set([SELF_SERVICE_SCOPE, 'openid', 'email', 'phone', 'profile']);

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const TRIGGER_ENTRY = path.join(REPO_ROOT, 'lib/functions/pre-token-generation.ts');

export interface AuthProps {
  /** Groups to create; the services map membership to roles (admin routes need `admin`). */
  readonly groups: readonly string[];
  /**
   * Every scope the route table requires. Custom ones (`<identifier>/<name>`) get a resource server per
   * identifier, and the pre-token-generation trigger adds each of them to every access token, so no route can
   * require a scope that no token could ever carry. The self-service scope is refused: the trigger removes it.
   */
  readonly requiredScopes: readonly string[];
  /**
   * `PLUS` turns on threat protection in enforce mode, configured for what Cognito can judge here: sign-ins with
   * compromised credentials are blocked; adaptive authentication only audits (see `riskConfiguration`).
   */
  readonly plan: 'ESSENTIALS' | 'PLUS';
  /** Keep the pool (and its users) when the stack is deleted, and refuse deletion through the API. */
  readonly protectData: boolean;
  /**
   * Lifetime of access and id tokens. It bounds how long a token outlives a deletion at API Gateway and at
   * Cognito (the services refuse it within seconds: docs/identity.md, "Deletion ends access"). 5 to 60 minutes.
   * @default 15 minutes
   */
  readonly tokenValidity?: Duration;
  /**
   * Lifetime of refresh tokens.
   * @default 30 days
   */
  readonly refreshTokenValidity?: Duration;
  /**
   * Retention of the trigger's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What a stack delete does to the trigger's log group (lib/stages.ts, `logRemoval`): `retain` keeps it for audit.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
}

/** Bounds for `tokenValidity`: Cognito's own minimum, and the most this platform accepts for a bearer token. */
const TOKEN_VALIDITY_MINUTES = { min: 5, max: 60 } as const;

/**
 * The Cognito user pool: email sign-in, a strong password policy, optional TOTP MFA, the groups the services
 * authorize with, and one app client without a secret, for the Identity service's ADMIN_USER_PASSWORD_AUTH
 * (AdminInitiateAuth, signed by its task role) and refresh.
 */
export class Auth extends Construct {
  public readonly userPool: UserPool;
  public readonly client: UserPoolClient;
  public readonly groups: readonly UserPoolGroup[];
  public readonly resourceServers: readonly UserPoolResourceServer[];
  /** The pre-token-generation trigger (V2_0 event) that shapes every access token's scopes. */
  public readonly preTokenGeneration: NodejsFunction;
  /** What threat protection does on each finding; only with the Plus plan. */
  public readonly riskConfiguration?: CfnUserPoolRiskConfigurationAttachment;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    const custom = [...new Set(props.requiredScopes)].filter((scope) => !BUILT_IN_SCOPES.has(scope));
    const malformed = custom.filter((scope) => !/^[\w.:-]+\/[\w.-]+$/.test(scope));
    if (malformed.length > 0) {
      throw new Error(`Auth requiredScopes must be built-in or "<identifier>/<name>"; got ${malformed.join(', ')}`);
    }
    if (props.requiredScopes.includes(SELF_SERVICE_SCOPE)) {
      throw new Error(`Auth requiredScopes cannot include ${SELF_SERVICE_SCOPE}: access tokens never carry it (the trigger suppresses it); got ${props.requiredScopes.join(', ')}`);
    }
    if (custom.length === 0) {
      throw new Error(`Auth requiredScopes need at least one "<identifier>/<name>" scope for the trigger to grant; got ${props.requiredScopes.join(', ') || 'none'}`);
    }
    const tokenValidity = props.tokenValidity ?? Duration.minutes(15);
    const minutes = tokenValidity.toMinutes();
    if (minutes < TOKEN_VALIDITY_MINUTES.min || minutes > TOKEN_VALIDITY_MINUTES.max) {
      throw new Error(`Auth tokenValidity must be ${TOKEN_VALIDITY_MINUTES.min} to ${TOKEN_VALIDITY_MINUTES.max} minutes; got ${minutes}`);
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
      // No self-service recovery: ForgotPassword needs only the (public) client id, so anyone could have Cognito email
      // reset codes to any user (every one has a verified email), spend the pool's small email quota, and a holder of
      // the code could set a password behind Identity's back. The platform offers no reset; an operator sets one
      // (AdminSetUserPassword: docs/identity.md, "Passwords").
      accountRecovery: AccountRecovery.NONE,
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

    if (props.plan === 'PLUS') this.riskConfiguration = this.threatResponses();
    this.preTokenGeneration = this.tokenTrigger(custom, props.logRetention, props.logRemoval);
    // V2_0: the version that can change access tokens (Essentials or Plus plan, which both plans here are).
    this.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.preTokenGeneration, LambdaVersion.V2_0);

    this.client = this.userPool.addClient('AppClient', {
      // Only the Identity service's AdminInitiateAuth, signed by its task role (CDK adds refresh). No public password or
      // SRP flow: the client id is in every token, and InitiateAuth needs no credentials, so either would let anyone
      // guess passwords at Cognito around WAF and the edge's limits. The services/local seed makes the same client.
      authFlows: { adminUserPassword: true },
      generateSecret: false,
      // No hosted UI and no OAuth flows: tokens come from the Identity service's AdminInitiateAuth only.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: tokenValidity,
      idTokenValidity: tokenValidity,
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.days(30),
      authSessionValidity: Duration.minutes(3),
    });
  }

  /**
   * Threat protection, set knowingly for how sign-in works here. Every sign-in is the Identity service's
   * AdminInitiateAuth (the app client allows no public one), server-side, so Cognito sees the service's NAT addresses,
   * never the client's: the client's address does not reach the task (API Gateway and the ALB stand between), so
   * there is none to pass as AdminInitiateAuth's ContextData. Adaptive authentication would score every
   * user against the same few addresses, and one attacker's failed attempts could raise the risk of everyone's
   * sign-ins, which this API cannot answer with a challenge (MFA prompts end in 401). So account-takeover risk is
   * recorded (audit: it shows in the user pool's event history and metrics) but triggers no action; brute force
   * is the edge's job (per-client and per-account limits, WAF), which no one can go around to Cognito's public
   * InitiateAuth with a password. Compromised credentials need no client context:
   * Cognito checks the password itself, so a sign-in, sign-up or password change with a leaked password is blocked.
   * docs/identity.md, "Threat protection".
   */
  private threatResponses(): CfnUserPoolRiskConfigurationAttachment {
    const noAction = { eventAction: 'NO_ACTION', notify: false };
    return new CfnUserPoolRiskConfigurationAttachment(this, 'ThreatResponses', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: {
        actions: { eventAction: 'BLOCK' },
        eventFilter: ['SIGN_IN', 'SIGN_UP', 'PASSWORD_CHANGE'],
      },
      accountTakeoverRiskConfiguration: { actions: { lowAction: noAction, mediumAction: noAction, highAction: noAction } },
    });
  }

  private tokenTrigger(grant: readonly string[], logRetention: RetentionDays | undefined, logRemoval: LogRemoval | undefined): NodejsFunction {
    const logGroup = new LogGroup(this, 'PreTokenGenerationLogs', {
      ...(logRetention ? { retention: logRetention } : {}),
      removalPolicy: logRemovalPolicy('Auth logRemoval', logRemoval),
    });
    const fn = new NodejsFunction(this, 'PreTokenGeneration', {
      description: 'Adds the API scope to access tokens and suppresses the Cognito self-service scope',
      entry: TRIGGER_ENTRY,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 128,
      // Cognito waits at most 5 s for a trigger; sign-in fails when it does not answer.
      timeout: Duration.seconds(5),
      environment: { ADD_SCOPES: grant.join(' '), SUPPRESS_SCOPES: SELF_SERVICE_SCOPE },
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      // esbuild from node_modules, on this machine: no Docker, no network (`cdk synth` works offline).
      bundling: { format: OutputFormat.ESM, minify: true, sourceMap: false, forceDockerBundling: false, logLevel: LogLevel.WARNING },
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole: the trigger only writes its own logs; it calls no AWS API.',
    });
    return fn;
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
