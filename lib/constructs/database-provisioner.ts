/**
 * The one step that uses an instance's master credentials: a custom resource whose function, in the VPC, creates
 * each service's two login roles (IAM authentication, no password: the owner its migrations use, and the app role
 * the running service uses, which may only read and write rows) and its database, owned by the owner role and
 * closed to every other service's roles. It runs the same code as npm start and the tests
 * (services/kit/db/provision.ts).
 *
 * A Lambda-backed custom resource rather than a one-off ECS task: CloudFormation orders it (the data stack
 * finishes it before the app stack updates a single service), waits for its answer and rolls the deploy back when
 * it fails, with nothing to poll; a task would need its own runner. It runs again whenever its built code, its list
 * of databases or the `reprovision` context value changes (`cdk deploy -c reprovision=$(date +%s)` forces a run),
 * and is idempotent, so running it again only repairs drift.
 */
import path from 'node:path';
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import { type IVpc, Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Architecture, type CfnFunction, ParamsAndSecretsLayerVersion, ParamsAndSecretsVersions, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type LogRemoval, logRemovalPolicy } from './log-removal';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const HANDLER = path.join(REPO_ROOT, 'services/kit/db/provision-lambda.ts');

export interface DatabaseLogin {
  readonly database: string;
  /** The login role that owns `database` and its tables; only the service's migrations log in as it (IAM tokens). */
  readonly user: string;
  /** The login role the running service uses (IAM tokens): it may read and write rows, nothing else. */
  readonly appUser: string;
}

export interface DatabaseProvisionerProps {
  readonly vpc: IVpc;
  readonly instance: IDatabaseInstance;
  /** The instance's master secret: read by this function only. */
  readonly masterSecret: ISecret;
  readonly logins: readonly DatabaseLogin[];
  /** Names the function; unique per account and region. Its log group's name is generated. */
  readonly functionName: string;
  readonly logRetention: RetentionDays;
  /**
   * What a stack delete does to the function's log group (lib/stages.ts, `logRemoval`): `retain` keeps it for audit.
   * @default 'destroy'
   */
  readonly logRemoval?: LogRemoval;
}

export class DatabaseProvisioner extends Construct {
  public readonly function: NodejsFunction;
  /** The function's own: egress to HTTPS (Secrets Manager) and to the database's port on its security group only. */
  public readonly securityGroup: SecurityGroup;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DatabaseProvisionerProps) {
    super(scope, id);
    if (props.logins.length === 0) throw new Error('DatabaseProvisioner needs at least one login; got none');
    for (const login of props.logins) {
      if (login.appUser === login.user) {
        throw new Error(`DatabaseProvisioner login for "${login.database}": appUser must differ from the owner user; got "${login.user}" for both`);
      }
    }
    // A generated name, not /aws/lambda/<function>: a stage may keep its logs after a destroy (lib/stages.ts,
    // logRemoval), and a kept group with a fixed name would make the next deploy fail ("already exists").
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: logRemovalPolicy('DatabaseProvisioner logRemoval', props.logRemoval) });
    // The function holds the master secret: it may reach Secrets Manager and the database, nothing else.
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Database provisioning function: HTTPS out, and the database port',
      allowAllOutbound: false,
    });
    // Secrets Manager's public endpoint through the NAT (no interface endpoint by default: docs/infrastructure.md,
    // "Network"); its addresses are not fixed, so 443 to any address. An interface endpoint, where a stage adds one,
    // is inside the VPC and covered too. The Parameters and Secrets extension calls it from the function's ENI.
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'Secrets Manager (HTTPS)');
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: 'Creates each service\'s database role and database (master credentials used here only)',
      entry: HANDLER,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(2),
      // CloudFormation calls it asynchronously and has its answer: a retry by Lambda would only run it again unasked.
      retryAttempts: 0,
      vpc: props.vpc,
      // Secrets Manager is reached through the NAT; the database inside the VPC.
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      // The master secret through the AWS extension on localhost, uncached so a rotated password is read at once.
      paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, { cacheEnabled: false }),
      environment: {
        DB_HOST: props.instance.dbInstanceEndpointAddress,
        DB_PORT: props.instance.dbInstanceEndpointPort,
        MASTER_SECRET_ARN: props.masterSecret.secretArn,
        // The runtime ships the RDS certificate bundle but does not trust it unless told to.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      // CommonJS: pg and its dependencies require() Node's modules. pg-native is optional and not used. esbuild's
      // size summary and timing on every synth are noise; its warnings still show.
      bundling: { format: OutputFormat.CJS, minify: true, sourceMap: false, forceDockerBundling: false, externalModules: ['@aws-sdk/*', 'pg-native'], logLevel: LogLevel.WARNING },
    });
    props.masterSecret.grantRead(this.function);
    // Ingress on the database's security group and, the function's group allowing no other egress, egress to it.
    props.instance.connections.allowDefaultPortFrom(this.function, 'Database provisioning function');

    this.resource = new CustomResource(this, 'Run', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::DatabaseProvisioning',
      // The function answers every outcome; this bounds the wait if it never could (a timeout, a lost network).
      serviceTimeout: Duration.minutes(5),
      properties: {
        // The owner role and the running service's role, each with IAM logins (services/contracts/database-roles.ts).
        Databases: props.logins.map((login) => ({ database: login.database, role: login.user, appRole: login.appUser })),
        // The built code's asset key, as the migration step's: a change to anything it bundles (the handler, each
        // module it imports, a dependency) runs it again. A hand-kept list of files fell behind what the handler imports.
        Bundle: ((this.function.node.defaultChild as CfnFunction).code as CfnFunction.CodeProperty).s3Key ?? '',
        Reprovision: String(this.node.tryGetContext('reprovision') ?? ''),
      },
    });
    // The function must reach the database when CloudFormation calls it: after its ingress rule exists.
    this.resource.node.addDependency(props.instance.connections.securityGroups[0]!);

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole: the function writes its own logs.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason: 'AWSLambdaVPCAccessExecutionRole: the ENIs a function in a VPC needs; their ids are not known in advance.',
    });
  }
}
