/**
 * The CDK app. The only infrastructure code that reads the environment: the account and region the CLI
 * resolved from the caller's credentials. The stage comes from `-c stage=dev|prod` (default dev), and the
 * browser origins CORS allows from `-c corsOrigins=https://…` (prod allows none until they are named), and
 * `-c waf=true|false` overrides the stage's AWS WAF setting (off in dev, on in prod), `-c alarmEmail=…` subscribes
 * an e-mail address to the alarms, `-c deploymentRollback=false` deploys without rolling back on the fault alarm
 * (an emergency fix), `-c natImageId=ami-…` pins the dev NAT instance's image, `databaseAccess` adds
 * the operators' database access host (`databaseAccessImageId=ami-…` pins its image), and `restoreFrom` makes
 * instances from snapshots (those three best kept in cdk.json while they apply).
 */
import { App, CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { withRestoredDatabases } from '../lib/database-restore';
import { createPlatform } from '../lib/platform';
import { stageSettings, type StageSettings, withAlarmEmail, withCorsOrigins, withDeploymentRollback, withDatabaseAccess, withDatabaseAccessImage, withNatImage, withWaf } from '../lib/stages';

/** The price table and the stage sizes are for us-east-1; a concrete region is needed for ALB access logs. */
const DEFAULT_REGION = 'us-east-1';

// CDK's built-in CloudFormation rule check costs about 3 s of CPU per synth of dev, two fifths of the total. The test
// suite runs it on both stages (test/lib/nag.test.ts); here it runs when asked: `-c cfnValidation=true`.
const app = new App({ builtinCloudFormationValidation: false });
if (String(app.node.tryGetContext('cfnValidation')) === 'true') Validations.of(app).addPlugins(new CloudFormationValidatePlugin());
const context = (key: string): unknown => app.node.tryGetContext(key);
/** Each context value that changes the stage, applied in turn (each leaves the stage as it is when unset). */
const overrides: ReadonlyArray<[string, (stage: StageSettings, value: unknown) => StageSettings]> = [
  ['corsOrigins', withCorsOrigins],
  ['waf', withWaf],
  ['natImageId', withNatImage],
  ['alarmEmail', withAlarmEmail],
  ['deploymentRollback', withDeploymentRollback],
  ['databaseAccess', withDatabaseAccess],
  ['databaseAccessImageId', withDatabaseAccessImage],
  ['restoreFrom', withRestoredDatabases],
];
/**
 * A wrong `-c` value is the caller's mistake, and its message already says what to give: one line and exit 1, as
 * `npm start`'s config errors, not Node's stack trace through lib/stages.ts under the source line that threw.
 */
function stageFromContext(): StageSettings {
  try {
    return overrides.reduce((settings, [key, apply]) => apply(settings, context(key)), stageSettings(String(context('stage') ?? 'dev')));
  } catch (error) {
    process.stderr.write(`cdk app: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
const stage = stageFromContext();
createPlatform(app, {
  stage,
  env: {
    // Unset without credentials: the stacks then synthesize account-agnostic, which is all `cdk synth` needs.
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION ?? DEFAULT_REGION,
  },
});
// Every finding fails synthesis unless acknowledged, with a reason, on the construct it concerns.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
