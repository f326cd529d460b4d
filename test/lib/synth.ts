/**
 * Shared helpers for the CDK tests: apps with the project's feature flags and an outdir that is removed
 * afterwards, a stage's stacks synthesized, and a snapshot serializer that hides asset hashes. Free of vitest, so
 * the global setup's synthesis child (test/support/synthesize-stages.ts) builds stages exactly as tests do.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createPlatform, type Platform } from '../../lib/platform';
import { stageSettings, type StageName } from '../../lib/stages';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` does. */
const FLAGS: Record<string, unknown> = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context;

export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

/** Answers the AZ lookup a concrete account triggers, as a committed cdk.context.json does after a deploy. */
const LOOKUPS = {
  [`availability-zones:account=${TEST_ENV.account}:region=${TEST_ENV.region}`]: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
};

export interface TestApp {
  readonly app: App;
  /** Removes the app's outdir. */
  dispose(): void;
}

export interface TestAppOptions {
  /** Run CDK's built-in CloudFormation validation (slow: several seconds). */
  readonly cfnValidation?: boolean;
  /** Register cdk-nag's AwsSolutions pack, as bin/app.ts does. */
  readonly nag?: boolean;
  /**
   * Build the Lambda functions' code (default true). CDK runs esbuild for each NodejsFunction of each app, as
   * `npx --no-install esbuild`: about a second of CPU each, 0.7 s of it npx's. Construct tests turn it off, as
   * `cdk synth --exclusively` does for other stacks: their templates are the same but for the asset hash, which no
   * test reads; the stages' synthesis (synthesizeStage) builds the same functions, with the same options, for real.
   */
  readonly bundle?: boolean;
}

/** Apps made by testApp and not yet disposed; `disposeTestApps()` in an afterEach removes them all. */
const live = new Set<TestApp>();

export function disposeTestApps(): void {
  for (const test of [...live]) test.dispose();
}

export function testApp(options: TestAppOptions = {}): TestApp {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk-test-'));
  const app = new App({
    outdir,
    context: { ...FLAGS, ...LOOKUPS, ...(options.bundle === false ? { [BUNDLING_STACKS]: [] } : {}) },
    builtinCloudFormationValidation: options.cfnValidation ?? false,
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const test: TestApp = {
    app,
    dispose: () => {
      live.delete(test);
      rmSync(outdir, { recursive: true, force: true });
    },
  };
  live.add(test);
  return test;
}

/** A bare stack in a test app, for construct tests: its functions' code is not built unless asked (`bundle`). */
export function testStack(options: TestAppOptions = {}): TestApp & { readonly stack: Stack } {
  const test = testApp({ bundle: false, ...options });
  return { ...test, stack: new Stack(test.app, 'Test', { env: TEST_ENV }) };
}

export interface SynthesizedStage extends TestApp {
  readonly platform: Platform;
  readonly dataTemplate: Template;
  readonly appTemplate: Template;
}

/** Both stacks of a stage, synthesized once. */
export function synthesizeStage(stage: StageName, options: TestAppOptions = {}): SynthesizedStage {
  const test = testApp(options);
  try {
    const platform = createPlatform(test.app, { stage: stageSettings(stage), env: TEST_ENV });
    test.app.synth();
    return { ...test, platform, dataTemplate: Template.fromStack(platform.data), appTemplate: Template.fromStack(platform.app) };
  } catch (error) {
    // A failed synthesis (a cdk-nag finding, a cycle) must not leave its outdir behind.
    test.dispose();
    throw error;
  }
}

const ASSET_HASH = /[0-9a-f]{64}/g;

/** Asset hashes change with every source edit; snapshots compare everything else. */
export const assetHashSerializer = {
  test: (value: unknown) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string) => JSON.stringify(value.replace(ASSET_HASH, '<asset-hash>')),
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

/** All resources of a type in a template, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** EC2's characters for a VPC security group's description, and for a rule's (no `&`): an apostrophe fails the deploy, not the synthesis. */
const EC2_GROUP_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
const EC2_RULE_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=;{}!$*]*$/;

/** Every security group or rule description of a template that EC2 would refuse, with where it is. */
export function refusedSecurityGroupText(template: Template): string[] {
  const refused: string[] = [];
  const check = (where: string, text: unknown, allowed: RegExp) => {
    if (typeof text === 'string' && !allowed.test(text)) refused.push(`${where}: ${text}`);
  };
  for (const [id, group] of Object.entries(resourcesOf(template, 'AWS::EC2::SecurityGroup'))) {
    check(id, group.Properties?.GroupDescription, EC2_GROUP_DESCRIPTION);
    for (const rule of [...((group.Properties?.SecurityGroupIngress as { Description?: string }[]) ?? []), ...((group.Properties?.SecurityGroupEgress as { Description?: string }[]) ?? [])]) {
      check(`${id} rule`, rule.Description, EC2_RULE_DESCRIPTION);
    }
  }
  for (const type of ['AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress']) {
    for (const [id, rule] of Object.entries(resourcesOf(template, type))) check(id, rule.Properties?.Description, EC2_RULE_DESCRIPTION);
  }
  return refused;
}
